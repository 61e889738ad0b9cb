import type Anthropic from "@anthropic-ai/sdk";
import { VERSION as SDK_VERSION } from "@anthropic-ai/sdk/version";
import type { Config } from "../config/index.js";
import { ModelCallError, ModelUnavailableError, RateLimitedError, ReplayMissError } from "./errors.js";
import { limitHeaders, ModelPacer, type PacerStats, retryAfterMs } from "./pacing.js";
import { costMicroUsd, pricedModel, rateAt } from "./pricing.js";
import type { Provenance } from "./recording.js";
import type { RecordingStore } from "./store.js";
import {
  CALL_HEADER,
  type CallContext,
  CallRegistry,
  CallState,
  type Fetch,
  liveTransport,
  replayDirect,
  replayTransport,
} from "./transport.js";
import { fromApiUsage, type TokenUsage } from "./usage.js";

export type Mode = "replay" | "record" | "live";
export const MODES: readonly Mode[] = ["replay", "record", "live"];

export interface ModelRequest {
  tier: string;
  system: string;
  messages: Anthropic.MessageParam[];
  maxTokens: number;
  temperature?: number;
  stream?: boolean;
  /** Per-call timeout, overriding the gateway's (a case's `timeoutMs`). */
  timeoutMs?: number;
  /** Prompt-cache the system prompt (default 5m): agents' prompts repeat across calls. */
  cache?: "5m" | "1h" | false;
}

export interface FallbackStep {
  model: string;
  reason: string;
}

export interface CallResult {
  message: Anthropic.Message;
  /** The text of the reply (all text blocks joined). */
  text: string;
  /** Why the model stopped: end_turn, max_tokens, refusal, ... (null if the API did not say). */
  stopReason: string | null;
  tier: string;
  /** The model asked for that answered: the tier's, or a fallback of its chain. */
  model: string;
  /** The model the API says answered (`model` of the response). */
  servedModel: string;
  /** The API answered with another model than the one asked for (not just its dated snapshot). */
  servedOther: boolean;
  /** 429s this call waited out on its model (never a reason to change the model). */
  rateLimited: number;
  /** When the call started, ms since the epoch (this machine's clock). */
  startedAt: number;
  usage: TokenUsage;
  costMicroUsd: number;
  /** What priced the call: the model priced (the served one when it has a price) and its rate's `from`. */
  price: { model: string; from: string | null };
  latencyMs: number;
  /** `recorded`: latency as it was when recorded, not measured now. */
  latencySource: "measured" | "recorded";
  ttftMs?: number;
  /** Models tried before the one that answered, and why each failed. */
  fellBackFrom: FallbackStep[];
  /** HTTP attempts in all, retries included. */
  attempts: number;
  requestId: string | null;
  fingerprint: string;
  provenance: Provenance;
}

export interface GatewayOptions {
  config: Config;
  mode: Mode;
  /** Required in replay and record mode. */
  recordings?: RecordingStore;
  /** Transport for record and live mode (default: global fetch). Tests pass msw's or the fake API's. */
  fetch?: Fetch;
  /** API base URL (default: ANTHROPIC_BASE_URL, else the real API). */
  baseURL?: string;
  /** Default: ANTHROPIC_API_KEY. Read once, kept in memory only. */
  apiKey?: string;
  /** Retries of the same model after an availability failure (default: orchestra.calls.retries). */
  maxRetries?: number;
  /** Timeout of one HTTP attempt (default: orchestra.calls.timeoutMs). */
  timeoutMs?: number;
  /** Waits between retries, for tests: default a real timer (never used in replay). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How to record what is missing, for replay-miss messages. */
  recordCommand?: (caseId: string, trial: number) => string;
  now?: () => number;
  clock?: () => Date;
  /** See LiveTransportOptions.syntheticLatency: for reproducible synthetic fixtures only. */
  syntheticLatency?: (attempt: { model: string; status?: number; outputTokens?: number }) => number;
}

export class MissingApiKeyError extends Error {
  constructor(mode: Mode) {
    super(
      `ANTHROPIC_API_KEY is not set: ${mode} mode calls the Anthropic API. Set it, or use --mode replay to run on recordings.`,
    );
    this.name = "MissingApiKeyError";
  }
}

export interface Gateway {
  readonly mode: Mode;
  /** `signal` aborts the call (a mission's wall-time limit); an aborted call never falls back. */
  call(request: ModelRequest, context: CallContext, signal?: AbortSignal): Promise<CallResult>;
  /** Writes recordings made so far (record mode); returns the files written. */
  flush(): string[];
  /** Writes one case's recordings made so far (record mode), atomically; returns the file, if written. */
  flushCase(caseId: string): string | undefined;
  /** The case has finished: its recordings and request counters may be dropped. */
  release(caseId: string): void;
  /** Model requests answered so far: by replay's fast path, and through the SDK client. */
  readonly requests: { direct: number; sdk: number };
  /** Rate-limit pacing so far (record and live mode). */
  readonly pacing: PacerStats;
}

/** Statuses that say the model is unavailable for now (429 is handled apart: it waits, same model). */
const AVAILABILITY_STATUS = (status: number | undefined) =>
  status === undefined || status === 408 || status === 409 || status >= 500;

/** Exponential backoff with jitter when the API gives no retry-after: 0.5 s, 1 s, 2 s ... at most 8 s. */
function backoffMs(attempt: number): number {
  return Math.min(8000, 500 * 2 ** Math.max(0, attempt - 1)) * (1 - Math.random() * 0.25);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The response's model is the one asked for, or its dated snapshot (`claude-x-5-5-20261001`). */
function sameModel(asked: string, served: string): boolean {
  return (
    served === "" || served === asked || new RegExp(`^${asked.replace(/[.]/g, "\\.")}-\\d{8}$`).test(served)
  );
}

export function isLoopback(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

/**
 * The one door to the models. Every call of the orchestrator and of model-graded assertions goes
 * through here, in all three modes, and through the same SDK client code: only the transport
 * differs (recordings in replay, the network in record and live).
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, mode } = options;
  const now = options.now ?? (() => performance.now());
  const clock = options.clock ?? (() => new Date());
  const baseURL = options.baseURL ?? process.env.ANTHROPIC_BASE_URL ?? undefined;
  const loopback = isLoopback(baseURL);
  let apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  if (mode !== "replay" && !apiKey) {
    // A loopback fake API takes any key; the real API does not.
    if (loopback) apiKey = "fake-api-key";
    else throw new MissingApiKeyError(mode);
  }
  if (mode !== "live" && !options.recordings) throw new Error(`${mode} mode needs a recording store`);
  const settings = config.orchestra.calls;
  const maxRetries = options.maxRetries ?? settings.retries;
  const sleep = options.sleep ?? defaultSleep;
  const replayed = mode === "replay";
  // Replay has no rate limits to pace: it never waits.
  const pacer = replayed
    ? undefined
    : new ModelPacer({ maxConcurrency: settings.maxConcurrencyPerModel, now: Date.now });
  const registry = new CallRegistry();
  const transport: Fetch =
    mode === "replay"
      ? replayTransport(options.recordings!, registry)
      : liveTransport(registry, {
          base: options.fetch ?? ((input, init) => fetch(input, init)),
          store: mode === "record" ? options.recordings : undefined,
          sdkVersion: SDK_VERSION,
          now,
          clock,
          loopback,
          ...(options.syntheticLatency ? { syntheticLatency: options.syntheticLatency } : {}),
        });
  // The SDK is loaded on first use: replay's fast path answers most calls without it, and its
  // hundreds of modules are the largest part of a replay run's start-up.
  let clientLoaded: Promise<Anthropic> | undefined;
  const sdkClient = () =>
    (clientLoaded ??= loadSdk().then((Sdk) => {
      const client = new Sdk({
        apiKey: mode === "replay" ? "replay-mode-sends-nothing" : apiKey,
        baseURL: mode === "replay" ? "http://replay.invalid" : baseURL,
        fetch: transport,
        // Retries are the gateway's: a 429 waits on the same model, other failures retry, then fall back.
        maxRetries: 0,
        timeout: options.timeoutMs ?? settings.timeoutMs,
        logLevel: "off",
      });
      return client;
    }));
  // Per case and trial, how often each exact request has been sent: the nth send replays the nth recording.
  const sent = new Map<string, Map<string, number>>();
  const requests = { direct: 0, sdk: 0 };
  const sentKey = (context: CallContext, fingerprint: string) => `${context.trial}\0${fingerprint}`;
  /** The seq the next send of this request will have, without counting it. */
  const peekSeq = (context: CallContext, fingerprint: string) =>
    (sent.get(context.caseId)?.get(sentKey(context, fingerprint)) ?? 0) + 1;
  const recordCommand =
    options.recordCommand ??
    ((caseId: string, trial: number) =>
      `ANTHROPIC_API_KEY=... npx orchestra run --mode record --filter ${caseId}${trial > 1 ? ` --trials ${trial}` : ""}`);

  async function callModel(request: ModelRequest, model: string, state: CallState, signal?: AbortSignal) {
    const system: Anthropic.TextBlockParam[] = [
      {
        type: "text",
        text: request.system,
        ...(request.cache === false
          ? {}
          : {
              cache_control:
                request.cache === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" },
            }),
      },
    ];
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: request.maxTokens,
      system,
      messages: request.messages,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    };
    if (mode === "replay" && !request.stream) {
      const direct = replayDirect(options.recordings!, state, body as unknown as Record<string, unknown>);
      if (direct) {
        requests.direct++;
        return {
          message: direct.message as Anthropic.Message,
          requestId: direct.requestId,
          ttftMs: undefined,
          headers: undefined,
        };
      }
    }
    const client = await sdkClient();
    requests.sdk++;
    const id = registry.open(state);
    const headers = { [CALL_HEADER]: id };
    const requestOptions = {
      headers,
      ...(signal ? { signal } : {}),
      ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
    };
    try {
      if (request.stream) {
        const started = now();
        let ttftMs: number | undefined;
        const stream = client.messages.stream(body, requestOptions);
        stream.once("text", () => {
          ttftMs = now() - started;
        });
        const message = await stream.finalMessage();
        return { message, requestId: stream.request_id ?? null, ttftMs, headers: stream.response?.headers };
      }
      const { data, request_id, response } = await client.messages
        .create(body, requestOptions)
        .withResponse();
      return {
        message: data,
        requestId: request_id ?? null,
        ttftMs: undefined as number | undefined,
        headers: response.headers as Headers | undefined,
      };
    } finally {
      registry.close(id);
    }
  }

  async function call(
    request: ModelRequest,
    context: CallContext,
    signal?: AbortSignal,
  ): Promise<CallResult> {
    const tier = config.tiers[request.tier];
    if (!tier) throw new ModelCallError(`unknown tier "${request.tier}"`, context.agent, "");
    const chain = [tier.model, ...tier.fallback];
    const fellBackFrom: FallbackStep[] = [];
    const started = now();
    const startedAt = Date.now();
    const state = new CallState(
      context,
      (fingerprint) => {
        let counts = sent.get(context.caseId);
        if (!counts) {
          counts = new Map();
          sent.set(context.caseId, counts);
        }
        const n = peekSeq(context, fingerprint);
        counts.set(sentKey(context, fingerprint), n);
        return n;
      },
      (fingerprint) => peekSeq(context, fingerprint),
    );
    const deadline = Date.now() + settings.rateLimitDeadlineMs;
    let rateLimited = 0;
    for (const model of chain) {
      let retries = 0;
      let reply: Awaited<ReturnType<typeof callModel>> | undefined;
      while (!reply) {
        if (pacer) await pacer.acquire(model, signal);
        try {
          reply = await callModel(request, model, state, signal);
        } catch (err) {
          const Anthropic = await loadSdk();
          const headers =
            err instanceof Anthropic.APIError ? (err.headers as Headers | undefined) : undefined;
          const status = err instanceof Anthropic.APIError ? err.status : undefined;
          if (err instanceof Anthropic.APIUserAbortError || signal?.aborted) {
            pacer?.release(model, { ok: false });
            throw signal?.reason ?? err;
          }
          if (state.miss) {
            pacer?.release(model, { ok: false });
            throw new ReplayMissError(
              context.agent,
              context.caseId,
              state.miss,
              recordCommand(context.caseId, context.trial),
            );
          }
          const reason = describeError(Anthropic, err);
          if (status === 429) {
            // A rate limit is not an outage: wait as the API asks and try the same model again.
            rateLimited++;
            const wait = retryAfterMs(headers) ?? backoffMs(rateLimited);
            pacer?.rateLimited(model, wait);
            if (headers?.get("x-should-retry") === "false")
              throw new RateLimitedError(
                `${model} rate-limited ${context.agent} and said not to retry (${reason})`,
                context.agent,
                model,
                rateLimited,
              );
            if (!replayed && Date.now() + wait > deadline)
              throw new RateLimitedError(
                `${model} kept rate-limiting ${context.agent}: ${rateLimited} 429(s), the next wait (${Math.round(wait)} ms) passes the call's deadline of ${settings.rateLimitDeadlineMs} ms (orchestra.calls.rateLimitDeadlineMs)`,
                context.agent,
                model,
                rateLimited,
              );
            if (!replayed && !pacer) await sleep(wait, signal);
            continue;
          }
          pacer?.release(model, { ok: false, limits: limitHeaders(headers) });
          if (err instanceof Anthropic.APIError && !AVAILABILITY_STATUS(status)) {
            throw new ModelCallError(`${model} refused the request: ${reason}`, context.agent, model, status);
          }
          if (!isAvailabilityFailure(Anthropic, err)) throw err;
          if (retries < maxRetries && headers?.get("x-should-retry") !== "false") {
            retries++;
            if (!replayed) await sleep(retryAfterMs(headers) ?? backoffMs(retries), signal);
            continue;
          }
          fellBackFrom.push({ model, reason });
          break;
        }
        pacer?.release(model, { ok: true, limits: limitHeaders(reply.headers) });
      }
      if (!reply) continue;
      const usage = fromApiUsage(reply.message.usage);
      const last = state.attempts.at(-1);
      const latencyMs = replayed ? state.attempts.reduce((sum, a) => sum + a.latencyMs, 0) : now() - started;
      const ttftMs = replayed ? last?.recording?.ttftMs : reply.ttftMs;
      const provenance: Provenance = last?.recording?.provenance ?? {
        source: last?.synthetic ? "synthetic" : "live",
        model,
        recordedAt: clock().toISOString(),
        sdkVersion: SDK_VERSION,
      };
      const servedModel = reply.message.model || model;
      // Priced at the rate in force on the call's date: the recording's, or now in live and record.
      const priced = pricedModel(config.prices, model, servedModel);
      const rate = rateAt(config.prices, priced, provenance.recordedAt);
      return {
        message: reply.message,
        text: textOf(reply.message),
        stopReason: reply.message.stop_reason ?? null,
        tier: request.tier,
        model,
        servedModel,
        servedOther: !sameModel(model, servedModel),
        rateLimited,
        startedAt,
        usage,
        costMicroUsd: costMicroUsd(config.prices, priced, usage, { at: provenance.recordedAt }),
        price: { model: priced, from: rate.from },
        latencyMs: Math.round(latencyMs * 10) / 10,
        latencySource: replayed ? "recorded" : "measured",
        ...(ttftMs === undefined ? {} : { ttftMs: Math.round(ttftMs * 10) / 10 }),
        fellBackFrom,
        attempts: state.attempts.length,
        requestId: reply.requestId,
        fingerprint: last?.fingerprint ?? "",
        provenance,
      };
    }
    throw new ModelUnavailableError(
      `every model of tier ${request.tier} failed for ${context.agent}: ${fellBackFrom.map((f) => `${f.model} (${f.reason})`).join(", ")}`,
      context.agent,
      fellBackFrom,
    );
  }

  return {
    mode,
    requests,
    pacing: pacer?.stats ?? { rateLimited: {}, waitedMs: 0, lowestLimit: {} },
    call,
    flush: () => options.recordings?.flush() ?? [],
    flushCase: (caseId: string) => options.recordings?.flushCase(caseId),
    release: (caseId: string) => {
      options.recordings?.release(caseId);
      sent.delete(caseId);
    },
  };
}

type Sdk = typeof Anthropic;
let sdkLoaded: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdkLoaded ??= import("@anthropic-ai/sdk").then((m) => m.default);
  return sdkLoaded;
}

export function textOf(message: Anthropic.Message): string {
  return message.content
    .filter((block): block is Anthropic.TextBlock => block.type === "text")
    .map((block) => block.text)
    .join("");
}

/**
 * Failures that say the model is unavailable rather than that the request is wrong. Beyond API
 * errors, the SDK lets a body cut after a 200 through as undici's TypeError ("terminated") and a
 * malformed JSON body as a SyntaxError; streams report both as AnthropicError.
 */
function isAvailabilityFailure(Anthropic: Sdk, err: unknown): boolean {
  return err instanceof Anthropic.AnthropicError || err instanceof TypeError || err instanceof SyntaxError;
}

function describeError(Anthropic: Sdk, err: unknown): string {
  if (err instanceof Anthropic.APIConnectionTimeoutError) return "timeout";
  if (err instanceof Anthropic.APIConnectionError) return `connection: ${err.message}`;
  if (err instanceof Anthropic.APIError) {
    const body = err.error as { error?: { type?: string }; type?: string } | undefined;
    const type = body?.error?.type ?? body?.type;
    return `${err.status ?? "stream"}${type ? ` ${type}` : ""}`;
  }
  if (err instanceof SyntaxError) return "malformed response body";
  if (err instanceof TypeError) return `connection: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}
