import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import type { FaultKind } from "./faults.js";
import { errorBody, type Headers, type Responder, retryHeaders } from "./respond.js";
import { breakPoint, messageEvents, sseEvent } from "./sse.js";

export interface FaultContext {
  requestId: string;
  stream: boolean;
  /** Base headers of the response (request id, rate limits, synthetic label). */
  headers: Headers;
  retryAfterMs: number;
  shouldRetry: boolean | undefined;
  /** The message the faulty response starts sending, for cut, garbage and sse-error. */
  message: () => Message;
}

const ERRORS = {
  "429": { status: 429, type: "rate_limit_error", message: "Rate limited (injected fault)." },
  "500": { status: 500, type: "api_error", message: "Internal server error (injected fault)." },
  "529": { status: 529, type: "overloaded_error", message: "Overloaded (injected fault)." },
} as const;

/** Serves one fault (all but `timeout`, which is the absence of a response). */
export function serveFault(out: Responder, fault: Exclude<FaultKind, "timeout">, ctx: FaultContext): void {
  const should: Headers = ctx.shouldRetry === undefined ? {} : { "x-should-retry": String(ctx.shouldRetry) };
  const headers = { ...ctx.headers, ...should };
  const status = fault === "sse-error" && !ctx.stream ? "529" : fault;
  if (status === "429" || status === "500" || status === "529") {
    const e = ERRORS[status];
    out.json(e.status, errorBody(e.type, e.message, ctx.requestId), {
      ...headers,
      ...retryHeaders(ctx.retryAfterMs),
    });
    return;
  }
  const message = ctx.message();
  if (!ctx.stream) {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const half = Math.floor(body.length / 2);
    if (fault === "cut") out.truncated(200, { ...headers, "content-type": "application/json" }, body, half);
    else out.text(200, "application/json", body.subarray(0, half).toString("utf8"), headers);
    return;
  }
  const events = messageEvents(message);
  const head = events.slice(0, breakPoint(events));
  if (fault === "cut") {
    out.sse(200, headers, head, "cut");
  } else if (fault === "garbage") {
    const broken =
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"ty\n\n';
    out.sse(200, headers, [...head, broken, ...events.slice(-1)], "end");
  } else {
    const error = sseEvent("error", errorBody("overloaded_error", ERRORS["529"].message, ctx.requestId));
    out.sse(200, headers, [...head, error], "end");
  }
}
