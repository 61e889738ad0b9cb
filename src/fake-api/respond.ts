import type { ServerResponse } from "node:http";
import type { ErrorType } from "@anthropic-ai/sdk/resources/shared";
import type { LimitSnapshot } from "./rate-limit.js";
import { encodeSse, type SseEvent } from "./sse.js";
import type { RawResponse } from "./types.js";

export const SYNTHETIC_HEADER = "x-orchestra-synthetic";

export type Headers = Record<string, string>;

/** What every response carries: its request id, the rate-limit state, the synthetic label. */
export function baseHeaders(requestId: string, limits: LimitSnapshot): Headers {
  const iso = (ms: number) => new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
  return {
    "request-id": requestId,
    "anthropic-ratelimit-requests-limit": String(limits.requests.limit),
    "anthropic-ratelimit-requests-remaining": String(limits.requests.remaining),
    "anthropic-ratelimit-requests-reset": iso(limits.requests.resetAt),
    "anthropic-ratelimit-tokens-limit": String(limits.tokens.limit),
    "anthropic-ratelimit-tokens-remaining": String(limits.tokens.remaining),
    "anthropic-ratelimit-tokens-reset": iso(limits.tokens.resetAt),
    [SYNTHETIC_HEADER]: "true",
  };
}

/** `retry-after` (whole seconds, rounded up) and `retry-after-ms`: the SDK prefers the latter. */
export function retryHeaders(retryAfterMs: number): Headers {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return { "retry-after": String(Math.ceil(ms / 1000)), "retry-after-ms": String(ms) };
}

export function errorBody(type: ErrorType | "request_too_large", message: string, requestId: string) {
  return { type: "error", error: { type, message }, request_id: requestId } as const;
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

/**
 * Writes one response, at most once, and says which status went out. Every method is a no-op when
 * the client is gone or a response was already started, so late timers never write twice.
 */
export class Responder {
  constructor(
    private readonly res: ServerResponse,
    private readonly onStatus: (status: number) => void,
  ) {
    res.on("error", () => {});
  }

  /** Nothing can be sent any more: headers went out, or the connection is closed. */
  get done(): boolean {
    return this.res.headersSent || this.res.destroyed;
  }

  onClose(listener: () => void): void {
    this.res.on("close", listener);
  }

  /** Ends the connection abruptly (after a failure mid-response). */
  destroy(): void {
    this.res.destroy();
  }

  private head(status: number, headers: Headers): boolean {
    if (this.done) return false;
    this.onStatus(status);
    this.res.writeHead(status, headers);
    return true;
  }

  text(status: number, contentType: string, text: string, headers: Headers): void {
    const bytes = Buffer.from(text, "utf8");
    const all = { ...headers, "content-type": contentType, "content-length": String(bytes.length) };
    if (this.head(status, all)) this.res.end(bytes);
  }

  json(status: number, body: unknown, headers: Headers): void {
    this.text(status, "application/json", JSON.stringify(body), headers);
  }

  /** An SSE response: the events (or raw wire text), then a clean end or a destroyed socket. */
  sse(status: number, headers: Headers, parts: readonly (SseEvent | string)[], ending: "end" | "cut"): void {
    if (!this.head(status, { ...headers, ...SSE_HEADERS })) return;
    for (const part of parts) this.res.write(typeof part === "string" ? part : encodeSse(part));
    if (ending === "end") this.res.end();
    else this.cut();
  }

  /** Announces the whole body's length, sends its first `keep` bytes, then destroys the socket. */
  truncated(status: number, headers: Headers, body: Buffer, keep: number): void {
    if (!this.head(status, { ...headers, "content-length": String(body.length) })) return;
    this.res.write(body.subarray(0, keep));
    this.cut();
  }

  /** Destroys the socket once what was written is flushed: the client sees a truncated response. */
  private cut(): void {
    this.res.write("", () => this.res.socket?.destroy());
  }

  /** A response given as is (a recording, say); hop-by-hop and length headers are recomputed. */
  raw(raw: RawResponse, headers: Headers): void {
    const kept = Object.entries(raw.headers ?? {}).filter(
      ([name]) => !["content-length", "transfer-encoding", "connection"].includes(name.toLowerCase()),
    );
    const all = { ...Object.fromEntries(kept), ...headers };
    if ("events" in raw) this.sse(raw.status, all, raw.events, "end");
    else if ("json" in raw) this.json(raw.status, raw.json, all);
    else this.text(raw.status, all["content-type"] ?? "text/plain; charset=utf-8", raw.text, all);
  }
}
