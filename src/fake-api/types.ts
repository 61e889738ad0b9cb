import type { StopReason } from "@anthropic-ai/sdk/resources/messages/messages";
import type { DeviationKind } from "../protocol/index.js";
import type { FaultKind, FaultSpec } from "./faults.js";
import type { MessyLogEntry, MessySpec } from "./messy-picker.js";
import type { MessagesBody } from "./request.js";
import type { Scenario } from "./scenario.js";
import type { UsageOverride } from "./usage.js";

/** One valid `POST /v1/messages` request, as hooks and scenario rules see it. */
export interface FakeRequest {
  /** The `request-id` this request is answered with (`req_fake_000001`, ...). */
  requestId: string;
  model: string;
  /** `x-orchestra-agent` if sent, else the `to` of the first `<message>` in the last user turn, else "unknown". */
  agent: string;
  /**
   * The nth request (1-based) this server has seen from `agent`, retries included; counted per
   * trial when the harness says which (`x-orchestra-trial`), so every trial plays a scenario alike.
   */
  call: number;
  /** `x-orchestra-trial` if sent (the harness sends it to a loopback server only). */
  trial: number | undefined;
  stream: boolean;
  /** `from` and `id` of the first `<message>` in the last user turn: who asked, and which message. */
  sender: string | undefined;
  replyTo: string | undefined;
  lastUserText: string;
  /** The parsed body, as sent. */
  body: MessagesBody;
  /** Request headers, lower-case names, credentials (authorization, x-api-key) left out. */
  headers: Readonly<Record<string, string>>;
}

/** A response served exactly as given (a recorded one, say); request-id and the synthetic label are added. */
export type RawResponse =
  | { status: number; headers?: Record<string, string>; json: unknown }
  | { status: number; headers?: Record<string, string>; events: { event: string; data: string }[] }
  | { status: number; headers?: Record<string, string>; text: string };

/**
 * What to answer a request with. Precedence: `fault`, then `raw`, then a message made of `text`
 * (default: a protocol result addressed back to the sender) with the other fields applied.
 */
export interface ReplySpec {
  text?: string;
  usage?: UsageOverride;
  stopReason?: StopReason;
  /** Delay before the response, instead of the server's latencyMs. */
  latencyMs?: number;
  fault?: FaultKind;
  /** With a fault: retry-after-ms hint (retry-after is its ceiling in seconds). */
  retryAfterMs?: number;
  /** With a fault: x-should-retry header. */
  shouldRetry?: boolean;
  raw?: RawResponse;
  /**
   * Serve the reply perturbed by this kind (see messy.ts), whatever the `messy` rate; untouched
   * when the kind does not apply to it. Only a reply holding a `<message` is perturbed.
   */
  messy?: DeviationKind;
}

export type ReplyHook = (req: FakeRequest) => ReplySpec | undefined | Promise<ReplySpec | undefined>;

export interface FakeApiOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Delay added before every response (faults included, timeouts aside). Default 0. */
  latencyMs?: number;
  /**
   * Requests per minute per model over a sliding 60 s window; above it, 429 rate_limit_error.
   * Unset: not enforced, reported as 4000 in the anthropic-ratelimit-requests-* headers.
   */
  rpm?: number;
  /** Input + output tokens per minute per model, same window. Unset: not enforced, reported as 2,000,000. */
  tpm?: number;
  /** Faults served at random, at most one per request; rates add up to at most 1. */
  faults?: readonly FaultSpec[];
  /**
   * Seed of the fault and messy draws (default 1): same seed, same faults and perturbations for
   * the nth request of each agent. The two draw from separate streams.
   */
  seed?: number;
  /**
   * Messy replies: each successful reply holding a `<message` (not a fault, not a raw response) is
   * perturbed with probability `rate` by one of `kinds` (default all nine deviation kinds), drawn
   * uniformly; a kind that does not apply gives way to the next ones in the list. Takes the place
   * of a scenario's own `messy`.
   */
  messy?: MessySpec;
  scenario?: Scenario;
  /** Consulted first for every request; undefined falls through to the scenario, then the default reply. */
  reply?: ReplyHook;
  /**
   * Prompt-cache simulation; `false` turns it off. `minTokens` is the shortest cacheable prefix:
   * one number for every model (default 0), or by model id, a model not listed getting 1024.
   */
  promptCache?: boolean | { minTokens?: number | Readonly<Record<string, number>> };
  /** retry-after-ms sent with 429/529/500 faults (default 10): the SDK honors it, so tests stay fast. */
  retryAfterMs?: number;
  /** Answer 401 authentication_error to requests without x-api-key or a Bearer token (default true). */
  requireApiKey?: boolean;
  /** Milliseconds since the epoch; rate-limit windows, cache TTLs and reset headers use it. */
  now?: () => number;
  /**
   * How request and message ids are numbered: `arrival` (default; `req_fake_000001`, ... in the
   * order requests arrive) or `per-agent` (`req_fake_<agent>_000001`, the nth request of that
   * agent), which stays the same when concurrent agents' requests arrive in another order: the
   * recordings of `npm run fixtures` are byte-identical run after run, on a loaded machine too.
   */
  ids?: "arrival" | "per-agent";
}

export interface FakeApiStats {
  /** Every HTTP request received, valid or not. */
  requests: number;
  /** Valid POST /v1/messages requests (including those then answered with a fault or a 429). */
  messages: number;
  streamed: number;
  byModel: Record<string, number>;
  byAgent: Record<string, number>;
  /** Status codes of the responses whose headers were sent. */
  byStatus: Record<string, number>;
  /**
   * Faults served, by kind; only kinds served at least once appear. Injected faults (by rate or by
   * scenario) and the 429s of the rpm/tpm limits all count (the latter under "429").
   */
  faults: Partial<Record<FaultKind, number>>;
  /** The 429s that came from the rpm/tpm limits (also counted in `faults["429"]`). */
  rateLimited: number;
  /** Connections held open by timeout faults right now. */
  hanging: number;
  /** Usage reported in successful replies. */
  tokens: { input: number; output: number; cacheWrite: number; cacheRead: number };
  /** Messy replies served, by kind; only kinds served at least once appear. */
  messy: Partial<Record<DeviationKind, number>>;
  /** The messy replies served, oldest first: the last 10,000 at most. */
  messyLog: MessyLogEntry[];
}

export interface FakeApi {
  /** `http://127.0.0.1:PORT`: give it to the SDK as baseURL. */
  url: string;
  port: number;
  /** Stops listening and ends every connection, hanging ones included. */
  close(): Promise<void>;
  stats(): FakeApiStats;
}
