import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprintOf, normalizeRequest, RecordingSchema } from "../models/index.js";
import type { FakeRequest, ReplySpec } from "./server.js";

/**
 * Serves recorded replies from a recordings folder: a request whose fingerprint was recorded gets
 * the recorded text and usage (successful JSON recordings only; the nth identical request gets the
 * nth recording, cycling). Used to load-test or demo with realistic replies.
 */
export function recordedReplies(dir: string): (request: FakeRequest) => ReplySpec | undefined {
  const byFingerprint = new Map<string, ReplySpec[]>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const parsed = RecordingSchema.safeParse(JSON.parse(line));
      if (!parsed.success || parsed.data.response.kind !== "json" || parsed.data.response.status !== 200)
        continue;
      const body = parsed.data.response.body as {
        content?: { type: string; text?: string }[];
        usage?: ReplySpec["usage"];
      };
      const text = (body.content ?? [])
        .filter((b) => b.type === "text")
        .map((b) => b.text ?? "")
        .join("");
      const list = byFingerprint.get(parsed.data.fingerprint) ?? [];
      // No latencyMs of its own: the server's (`--latency-ms`) applies, as to any other reply.
      list.push({ text, ...(body.usage ? { usage: body.usage } : {}) });
      byFingerprint.set(parsed.data.fingerprint, list);
    }
  }
  const served = new Map<string, number>();
  return (request) => {
    const fingerprint = fingerprintOf(normalizeRequest(request.body as Record<string, unknown>));
    const list = byFingerprint.get(fingerprint);
    if (!list) return undefined;
    const n = served.get(fingerprint) ?? 0;
    served.set(fingerprint, n + 1);
    return list[n % list.length];
  };
}
