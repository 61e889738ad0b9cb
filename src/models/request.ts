import { canonicalJson, sha256 } from "./canonical.js";

/**
 * The request fields that decide a model's answer. Everything else (headers, metadata, the
 * transport) is left out of the fingerprint, so a recording is found again whatever the client,
 * key or retry, and a changed prompt, model or sampling parameter never hits a stale recording.
 */
const FINGERPRINT_FIELDS = [
  "model",
  "system",
  "messages",
  "tools",
  "tool_choice",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "max_tokens",
  "thinking",
  "output_config",
  "stream",
] as const;

export type NormalizedRequest = Partial<Record<(typeof FINGERPRINT_FIELDS)[number], unknown>>;

export function normalizeRequest(body: Record<string, unknown>): NormalizedRequest {
  const out: NormalizedRequest = {};
  for (const field of FINGERPRINT_FIELDS) {
    if (body[field] !== undefined && body[field] !== null) out[field] = body[field];
  }
  // `stream: false` and no `stream` are the same request.
  if (out.stream === false) delete out.stream;
  return out;
}

export function fingerprintOf(normalized: NormalizedRequest): string {
  return sha256(canonicalJson(normalized));
}

/**
 * The request as stored beside a recording: system prompt text replaced by its digest (prompts are
 * long and identical across many recordings; the digest is enough to tell that one changed).
 */
export function storedRequest(normalized: NormalizedRequest): NormalizedRequest {
  const system = normalized.system;
  if (system === undefined) return normalized;
  const digest = (text: string) => `sha256:${sha256(text).slice(0, 16)} (${text.length} chars)`;
  let stored: unknown = system;
  if (typeof system === "string") stored = digest(system);
  else if (Array.isArray(system)) {
    stored = system.map((block: unknown) =>
      block && typeof block === "object" && typeof (block as { text?: unknown }).text === "string"
        ? { ...(block as object), text: digest((block as { text: string }).text) }
        : block,
    );
  }
  return { ...normalized, system: stored };
}
