import type { Difference } from "./canonical.js";
import { KEPT_HEADERS, type Provenance, type RecordedResponse, type Recording } from "./recording.js";
import { fingerprintOf, type NormalizedRequest, normalizeRequest, storedRequest } from "./request.js";
import type { RecordingStore } from "./store.js";

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The header that ties an SDK request back to the gateway call that made it; never sent out. */
export const CALL_HEADER = "x-orchestra-call";
/** Sent to a loopback fake API so its scenarios can match on the agent; never to a real host. */
export const AGENT_HEADER = "x-orchestra-agent";
/** The trial a request belongs to, told only to a loopback server (the fake API counts calls per trial). */
export const TRIAL_HEADER = "x-orchestra-trial";

export interface CallContext {
  agent: string;
  caseId: string;
  trial: number;
  /** The profile of the run (recorded beside each recording, and named when a replay misses). */
  profile?: string;
}

/** One HTTP attempt of a gateway call, as the transport saw it. */
export interface Attempt {
  model: string;
  fingerprint: string;
  seq: number;
  recording?: Recording;
  synthetic: boolean;
  latencyMs: number;
  status?: number;
}

export interface ReplayMiss {
  profile: string;
  fingerprint: string;
  model: string;
  trial: number;
  seq: number;
  /** Attempts of this exact request recorded for this trial. */
  recordedForTrial: number;
  /** Trials for which this exact request was recorded. */
  recordedTrials: number[];
  closest?: { file: string; agent: string; model: string; profile: string; differences: Difference[] };
}

/** State of one in-flight gateway call, shared with the transport through CALL_HEADER. */
export class CallState {
  readonly attempts: Attempt[] = [];
  miss: ReplayMiss | undefined;
  constructor(
    readonly context: CallContext,
    /** Counts one more send of this request and returns its seq (1 for the first). */
    readonly nextSeq: (fingerprint: string) => number,
    /** The seq the next send would get, without counting it. */
    readonly peekSeq: (fingerprint: string) => number,
  ) {}
}

export class CallRegistry {
  private next = 0;
  private readonly calls = new Map<string, CallState>();

  open(state: CallState): string {
    const id = String(++this.next);
    this.calls.set(id, state);
    return id;
  }

  close(id: string): void {
    this.calls.delete(id);
  }

  stateOf(init: RequestInit | undefined): CallState {
    const id = headerOf(init, CALL_HEADER);
    const state = id ? this.calls.get(id) : undefined;
    if (!state) throw new Error("request made outside a gateway call");
    return state;
  }
}

function headerOf(init: RequestInit | undefined, name: string): string | undefined {
  const headers = init?.headers;
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (Array.isArray(headers)) return headers.find(([k]) => k?.toLowerCase() === name)?.[1];
  const record = headers as Record<string, string>;
  return record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
}

function parseBody(init: RequestInit | undefined): {
  body: Record<string, unknown>;
  normalized: NormalizedRequest;
} {
  const raw = typeof init?.body === "string" ? init.body : "{}";
  const body = JSON.parse(raw) as Record<string, unknown>;
  return { body, normalized: normalizeRequest(body) };
}

/**
 * Serves recordings to the SDK exactly as the network would, so replay runs the same client code
 * (parsing, errors, retries, streaming) as live. It never touches the network. A miss is answered
 * with a non-retryable 400 and noted on the call, which the gateway turns into a ReplayMissError.
 */
export function replayTransport(store: RecordingStore, registry: CallRegistry): Fetch {
  return async (_input, init) => {
    const state = registry.stateOf(init);
    const { normalized } = parseBody(init);
    const fingerprint = fingerprintOf(normalized);
    const { caseId, trial, agent } = state.context;
    const seq = state.nextSeq(fingerprint);
    const model = String(normalized.model);
    const profile = state.context.profile ?? "";
    const recording = store.find(caseId, fingerprint, trial, seq, profile);
    if (!recording) {
      const closest = store.closest(caseId, profile, storedRequest(normalized), agent);
      state.miss = {
        profile,
        fingerprint,
        model,
        trial,
        seq,
        recordedForTrial: store.countFor(caseId, fingerprint, trial),
        recordedTrials: store.trialsFor(caseId, fingerprint),
        closest: closest && {
          file: store.fileOf(caseId),
          agent: closest.recording.agent,
          model: closest.recording.model,
          profile: closest.recording.profile,
          differences: closest.differences,
        },
      };
      return new Response(
        JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "replay miss" } }),
        {
          status: 400,
          headers: { "content-type": "application/json", "x-should-retry": "false" },
        },
      );
    }
    const status = recording.response.kind === "network-error" ? undefined : recording.response.status;
    state.attempts.push({
      model,
      fingerprint,
      seq,
      recording,
      synthetic: recording.provenance.source === "synthetic",
      latencyMs: recording.latencyMs,
      status,
    });
    return responseOf(recording.response);
  };
}

/**
 * Replay's fast path: a recorded plain 200 JSON reply to this exact request is the message itself,
 * so the gateway may take it without a round through the SDK client (which would only parse the
 * same JSON). Anything else (a miss, an error status, a stream, a network error) returns undefined
 * and leaves the attempt unconsumed, for the SDK path with its retries and error types.
 */
export function replayDirect(
  store: RecordingStore,
  state: CallState,
  body: Record<string, unknown>,
): { message: unknown; requestId: string | null } | undefined {
  // canonicalJson treats undefined as JSON does, so the body needs no JSON round trip to get the
  // fingerprint the SDK path computes from the serialized request.
  const normalized = normalizeRequest(body);
  const fingerprint = fingerprintOf(normalized);
  const { caseId, trial } = state.context;
  const seq = state.peekSeq(fingerprint);
  const recording = store.find(caseId, fingerprint, trial, seq, state.context.profile ?? "");
  const response = recording?.response;
  if (!recording || response?.kind !== "json" || response.status !== 200) return undefined;
  state.nextSeq(fingerprint);
  state.attempts.push({
    model: String(normalized.model),
    fingerprint,
    seq,
    recording,
    synthetic: recording.provenance.source === "synthetic",
    latencyMs: recording.latencyMs,
    status: 200,
  });
  return { message: response.body, requestId: response.headers["request-id"] ?? null };
}

function responseOf(recorded: RecordedResponse): Response {
  if (recorded.kind === "network-error") throw new TypeError(`fetch failed (recorded: ${recorded.message})`);
  const headers = new Headers(recorded.headers);
  // Replay reproduces what the server said, not how long the client waited before retrying.
  if (recorded.status >= 400) headers.set("retry-after-ms", "1");
  let text: string;
  if (recorded.kind === "json") text = JSON.stringify(recorded.body);
  else if (recorded.kind === "sse")
    text = recorded.events.map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`).join("");
  else text = recorded.text;
  return new Response(text, { status: recorded.status, headers });
}

export interface LiveTransportOptions {
  base: Fetch;
  /** Where recordings go (record mode); none in live mode. */
  store?: RecordingStore;
  sdkVersion: string;
  now: () => number;
  clock: () => Date;
  /** A loopback fake API: the agent header may be sent. */
  loopback: boolean;
  /**
   * Declared latency for synthetic recordings (`npm run fixtures`): replaces the measured wall time,
   * which would differ run to run, with a stated model of it. Never used against a real API.
   */
  syntheticLatency?: (attempt: { model: string; status?: number; outputTokens?: number }) => number;
}

/**
 * Sends requests out through `base` and, in record mode, stores each attempt (errors and retries
 * included, so that replay takes the same path). Only the headers in KEPT_HEADERS are stored.
 */
export function liveTransport(registry: CallRegistry, options: LiveTransportOptions): Fetch {
  return async (input, init) => {
    const state = registry.stateOf(init);
    const { normalized } = parseBody(init);
    const fingerprint = fingerprintOf(normalized);
    const seq = state.nextSeq(fingerprint);
    const model = String(normalized.model);
    const headers = new Headers(init?.headers);
    headers.delete(CALL_HEADER);
    if (options.loopback) {
      headers.set(AGENT_HEADER, state.context.agent);
      headers.set(TRIAL_HEADER, String(state.context.trial));
    } else {
      headers.delete(AGENT_HEADER);
      headers.delete(TRIAL_HEADER);
    }
    const started = options.now();
    const attempt: Attempt = { model, fingerprint, seq, synthetic: false, latencyMs: 0 };
    state.attempts.push(attempt);
    const save = (
      response: RecordedResponse,
      measuredMs: number,
      synthetic: boolean,
      requestId: string | null,
      ttftMs?: number,
    ) => {
      const outputTokens =
        response.kind === "json"
          ? (response.body as { usage?: { output_tokens?: number } })?.usage?.output_tokens
          : undefined;
      const declared =
        synthetic && options.syntheticLatency
          ? options.syntheticLatency({
              model,
              ...(response.kind === "network-error" ? {} : { status: response.status }),
              ...(outputTokens === undefined ? {} : { outputTokens }),
            })
          : undefined;
      const latencyMs = declared ?? measuredMs;
      attempt.latencyMs = latencyMs;
      attempt.synthetic = synthetic;
      if (!options.store) return;
      const provenance: Provenance = {
        source: synthetic ? "synthetic" : "live",
        model,
        recordedAt: options.clock().toISOString(),
        sdkVersion: options.sdkVersion,
      };
      const recording: Recording = {
        case: state.context.caseId,
        profile: state.context.profile ?? "",
        trial: state.context.trial,
        seq,
        fingerprint,
        agent: state.context.agent,
        model,
        request: storedRequest(normalized),
        response,
        latencyMs: round(latencyMs),
        ...(ttftMs === undefined ? {} : { ttftMs: round(ttftMs) }),
        requestId,
        provenance,
      };
      attempt.recording = recording;
      options.store.add(recording);
    };

    let response: Response;
    try {
      response = await options.base(input, { ...init, headers });
    } catch (err) {
      save(
        { kind: "network-error", message: describeNetworkError(err) },
        options.now() - started,
        options.loopback,
        null,
      );
      throw err;
    }
    attempt.status = response.status;
    const kept = keptHeaders(response.headers);
    const synthetic = response.headers.get("x-orchestra-synthetic") === "true";
    const requestId = response.headers.get("request-id");
    const isSse = (response.headers.get("content-type") ?? "").includes("text/event-stream");
    if (isSse && response.body) {
      return new Response(
        captureSse(response.body, options.now, started, (events, truncated, ttft) => {
          save(
            {
              kind: "sse",
              status: response.status,
              headers: kept,
              events,
              ...(truncated ? { truncated } : {}),
            },
            options.now() - started,
            synthetic,
            requestId,
            ttft,
          );
        }),
        { status: response.status, statusText: response.statusText, headers: response.headers },
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      save(
        { kind: "network-error", message: describeNetworkError(err) },
        options.now() - started,
        synthetic,
        requestId,
      );
      throw err;
    }
    let recorded: RecordedResponse;
    try {
      recorded = { kind: "json", status: response.status, headers: kept, body: JSON.parse(text) };
    } catch {
      recorded = { kind: "text", status: response.status, headers: kept, text };
    }
    save(recorded, options.now() - started, synthetic, requestId);
    return new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function keptHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === "AbortError") return "timeout";
  return e?.cause?.code ?? e?.message ?? String(err);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Passes an SSE body through untouched while collecting its events; `done` runs once, at the end
 * of the stream or when it breaks off (then `truncated` is true). The time to the first content
 * delta is reported as TTFT.
 */
function captureSse(
  body: ReadableStream<Uint8Array>,
  now: () => number,
  started: number,
  done: (events: { event: string; data: string }[], truncated: boolean, ttftMs?: number) => void,
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = "";
  let ttft: number | undefined;
  const events: { event: string; data: string }[] = [];
  let finished = false;
  const finish = (truncated: boolean) => {
    if (finished) return;
    finished = true;
    done(events, truncated, ttft);
  };
  const take = (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0 || event !== "message") {
        events.push({ event, data: data.join("\n") });
        if (ttft === undefined && event === "content_block_delta") ttft = now() - started;
      }
      end = buffer.indexOf("\n\n");
    }
  };
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          take(decoder.decode());
          finish(!events.some((e) => e.event === "message_stop"));
          controller.close();
          return;
        }
        take(decoder.decode(value, { stream: true }));
        controller.enqueue(value);
      } catch (err) {
        finish(true);
        controller.error(err);
      }
    },
    async cancel(reason) {
      finish(!events.some((e) => e.event === "message_stop"));
      // Neither awaited nor allowed to throw: msw 2 never settles a cancelled mocked body.
      reader.cancel(reason).catch(() => undefined);
    },
  });
}
