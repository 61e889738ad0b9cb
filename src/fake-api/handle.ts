import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import type { ErrorType } from "@anthropic-ai/sdk/resources/shared";
import { serveFault } from "./fault-response.js";
import { FaultPicker } from "./faults.js";
import { messageOf } from "./message.js";
import { type MessyDraw, MessyPicker } from "./messy-picker.js";
import { RateLimiter } from "./rate-limit.js";
import { type Completion, complete, defaultReply } from "./reply.js";
import {
  CountTokensBodySchema,
  describeIssue,
  envelopeOf,
  firstUserText,
  hasCredentials,
  lastUserText,
  type MessagesBody,
  MessagesBodySchema,
  publicHeaders,
} from "./request.js";
import { baseHeaders, errorBody, type Headers, Responder, retryHeaders } from "./respond.js";
import { ScenarioMatcher } from "./scenario.js";
import { messageEvents } from "./sse.js";
import type { FakeApiOptions, FakeApiStats, FakeRequest, RawResponse, ReplySpec } from "./types.js";
import {
  type InputSplit,
  inputTokensOf,
  PromptCache,
  promptBlocks,
  type UsageOverride,
  usageOf,
} from "./usage.js";

/** The real API's limit on a Messages request body. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_RETRY_AFTER_MS = 10;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType | "request_too_large",
    message: string,
  ) {
    super(message);
  }
}

const pad = (n: number) => String(n).padStart(6, "0");
const messageId = (seq: number | string) => `msg_fake_${typeof seq === "number" ? pad(seq) : seq}`;
/** An agent name as it may appear inside an id: letters, digits, `-` and `_`. */
const idSafe = (agent: string) => agent.replace(/[^A-Za-z0-9_-]/g, "-");
const plainInput = (tokens: number): InputSplit => ({
  input: tokens,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
});

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(
        413,
        "request_too_large",
        `Request exceeds the maximum size of ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_request_error", "There was an error parsing the body: invalid JSON");
  }
}

function rawOutputTokens(raw: RawResponse): number {
  if (!("json" in raw) || typeof raw.json !== "object" || raw.json === null) return 0;
  const usage = (raw.json as { usage?: { output_tokens?: unknown } }).usage;
  return typeof usage?.output_tokens === "number" ? usage.output_tokens : 0;
}

/**
 * The request pipeline of the fake API: route, authenticate, validate, choose the reply (hook,
 * scenario, default), draw a fault, enforce rate limits, account the prompt cache, wait, answer.
 */
export class FakeApiHandler {
  private seq = 0;
  private readonly calls = new Map<string, number>();
  private readonly hanging = new Set<Responder>();
  private readonly limiter: RateLimiter;
  private readonly cache: PromptCache | undefined;
  private readonly picker: FaultPicker;
  private readonly messy: MessyPicker;
  private readonly matcher: ScenarioMatcher | undefined;
  private readonly s: FakeApiStats = {
    requests: 0,
    messages: 0,
    streamed: 0,
    byModel: {},
    byAgent: {},
    byStatus: {},
    faults: {},
    rateLimited: 0,
    hanging: 0,
    tokens: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
    messy: {},
    messyLog: [],
  };

  constructor(
    private readonly options: FakeApiOptions,
    private readonly signal: AbortSignal,
  ) {
    const now = options.now ?? Date.now;
    this.limiter = new RateLimiter(
      {
        ...(options.rpm === undefined ? {} : { rpm: options.rpm }),
        ...(options.tpm === undefined ? {} : { tpm: options.tpm }),
      },
      now,
    );
    const cache = options.promptCache ?? true;
    this.cache =
      cache === false
        ? undefined
        : new PromptCache({ minTokens: cache === true ? 0 : (cache.minTokens ?? 0), now });
    this.picker = new FaultPicker(options.faults ?? [], options.seed ?? 1);
    this.messy = new MessyPicker(options.messy ?? options.scenario?.messy, options.seed ?? 1);
    this.matcher = options.scenario ? new ScenarioMatcher(options.scenario) : undefined;
  }

  stats(): FakeApiStats {
    const s = this.s;
    return {
      ...s,
      byModel: { ...s.byModel },
      byAgent: { ...s.byAgent },
      byStatus: { ...s.byStatus },
      faults: { ...s.faults },
      tokens: { ...s.tokens },
      hanging: this.hanging.size,
      messy: this.messy.counts(),
      messyLog: this.messy.log(),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    const requestId = `req_fake_${pad(seq)}`;
    this.s.requests += 1;
    const out = new Responder(res, (status) => bump(this.s.byStatus, String(status)));
    try {
      await this.route(req, out, seq, requestId);
    } catch (err) {
      if (this.signal.aborted) return;
      if (out.done) {
        out.destroy();
        return;
      }
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, "api_error", `fake API failure: ${(err as Error).message}`);
      out.json(
        e.status,
        errorBody(e.type, e.message, requestId),
        baseHeaders(requestId, this.limiter.snapshot("")),
      );
    }
  }

  private async route(req: IncomingMessage, out: Responder, seq: number, requestId: string): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname.replace(/\/+$/, "");
    const endpoint =
      path === "/v1/messages" ? "messages" : path === "/v1/messages/count_tokens" ? "count" : undefined;
    if (!endpoint) {
      req.resume();
      throw new HttpError(404, "not_found_error", `Not found: ${req.method ?? "?"} ${path || "/"}`);
    }
    if (req.method !== "POST") {
      req.resume();
      throw new HttpError(405, "invalid_request_error", `Method ${req.method ?? "?"} not allowed on ${path}`);
    }
    if ((this.options.requireApiKey ?? true) && !hasCredentials(req.headers)) {
      req.resume();
      throw new HttpError(401, "authentication_error", "x-api-key header is required");
    }
    const json = parseJson(await readBody(req));
    if (endpoint === "count") {
      const parsed = CountTokensBodySchema.safeParse(json);
      if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeIssue(parsed.error));
      const input_tokens = inputTokensOf(promptBlocks({ ...parsed.data, max_tokens: 1 }));
      out.json(200, { input_tokens }, baseHeaders(requestId, this.limiter.snapshot(parsed.data.model)));
      return;
    }
    const parsed = MessagesBodySchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeIssue(parsed.error));
    const freq = this.requestOf(parsed.data, req, requestId);
    await this.messages(freq, out, this.options.ids === "per-agent" ? freq.call : seq);
  }

  private requestOf(body: MessagesBody, req: IncomingMessage, requestId: string): FakeRequest {
    const userText = lastUserText(body);
    const envelope = envelopeOf(firstUserText(body));
    const header = req.headers["x-orchestra-agent"];
    const named = typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
    const agent = named ?? envelope.to ?? "unknown";
    const trialHeader = req.headers["x-orchestra-trial"];
    const trial =
      typeof trialHeader === "string" && /^[1-9]\d*$/.test(trialHeader) ? Number(trialHeader) : undefined;
    const counter = trial === undefined ? agent : `${agent}\0${trial}`;
    const call = (this.calls.get(counter) ?? 0) + 1;
    this.calls.set(counter, call);
    const idAgent = `${idSafe(agent)}${trial !== undefined && trial > 1 ? `_t${trial}` : ""}`;
    return {
      requestId: this.options.ids === "per-agent" ? `req_fake_${idAgent}_${pad(call)}` : requestId,
      trial,
      model: body.model,
      agent,
      call,
      stream: body.stream === true,
      sender: envelope.from,
      replyTo: envelope.id,
      lastUserText: userText,
      body,
      headers: publicHeaders(req.headers),
    };
  }

  private async messages(freq: FakeRequest, out: Responder, seq: number): Promise<void> {
    const s = this.s;
    s.messages += 1;
    if (freq.stream) s.streamed += 1;
    bump(s.byModel, freq.model);
    bump(s.byAgent, freq.agent);

    let spec: ReplySpec | undefined;
    try {
      spec = await this.options.reply?.(freq);
    } catch (err) {
      const body = errorBody("api_error", `reply hook failed: ${(err as Error).message}`, freq.requestId);
      out.json(500, body, { ...this.headersFor(freq), "x-should-retry": "false" });
      return;
    }
    spec ??= this.matcher?.match(freq) ?? {};
    const rolled = this.picker.pick(freq.agent);
    const draw = this.messy.draw(freq.agent);
    const fault = spec.fault ?? rolled;
    const latencyMs = spec.latencyMs ?? this.options.latencyMs ?? 0;

    if (fault === "timeout") {
      bump(s.faults, fault);
      this.hang(out);
      return;
    }
    if (fault) {
      bump(s.faults, fault);
      await this.delay(latencyMs);
      const faulty = spec;
      serveFault(out, fault, {
        requestId: freq.requestId,
        stream: freq.stream,
        headers: this.headersFor(freq),
        retryAfterMs: spec.retryAfterMs ?? this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
        shouldRetry: spec.shouldRetry,
        message: () => this.faultyMessage(freq, faulty, seq),
      });
      return;
    }

    if (spec.raw) {
      const tokens = inputTokensOf(promptBlocks(freq.body)) + rawOutputTokens(spec.raw);
      if (!this.admit(freq, tokens, out)) return;
      await this.delay(latencyMs);
      out.raw(spec.raw, this.headersFor(freq));
      return;
    }

    const blocks = promptBlocks(freq.body);
    const totalInput = inputTokensOf(blocks);
    const { completion, plan, override } = this.messyCompletion(freq, spec, seq, draw);
    if (!this.admit(freq, totalInput + (override?.output_tokens ?? completion.outputTokens), out)) return;
    const split = this.cache ? this.cache.account(freq.model, blocks) : plainInput(totalInput);
    const usage = usageOf(split, completion.outputTokens, override);
    const message = messageOf(this.messageIdOf(freq, seq), freq.model, completion, usage);
    await this.delay(latencyMs);
    this.messy.record(plan, freq.requestId, freq.agent);
    s.tokens.input += usage.input_tokens;
    s.tokens.output += usage.output_tokens;
    s.tokens.cacheWrite += usage.cache_creation_input_tokens ?? 0;
    s.tokens.cacheRead += usage.cache_read_input_tokens ?? 0;
    if (freq.stream) out.sse(200, this.headersFor(freq), messageEvents(message), "end");
    else out.json(200, message, this.headersFor(freq));
  }

  private messageIdOf(freq: FakeRequest, seq: number): string {
    const trial = freq.trial !== undefined && freq.trial > 1 ? `_t${freq.trial}` : "";
    return this.options.ids === "per-agent"
      ? messageId(`${idSafe(freq.agent)}${trial}_${pad(seq)}`)
      : messageId(seq);
  }

  private textOf(freq: FakeRequest, spec: ReplySpec, seq: number): string {
    return spec.text ?? defaultReply({ agent: freq.agent, sender: freq.sender, replyTo: freq.replyTo, seq });
  }

  private completionOf(freq: FakeRequest, spec: ReplySpec, seq: number): Completion {
    return complete(this.textOf(freq, spec, seq), freq.body, spec.stopReason);
  }

  /**
   * The reply of a successful response, messy or not. A reply cut by `truncated` reports the
   * request's whole max_tokens as output, as a real reply stopped there does.
   */
  private messyCompletion(freq: FakeRequest, spec: ReplySpec, seq: number, draw: MessyDraw) {
    const plan = this.messy.plan(freq, this.textOf(freq, spec, seq), spec.messy, draw);
    const completion: Completion =
      plan.stopReason === "max_tokens"
        ? {
            // No longer than max_tokens allows, stop sequences aside: the cut is the stop.
            ...complete(plan.text, { ...freq.body, stop_sequences: [] }),
            stopReason: "max_tokens",
            stopSequence: null,
            outputTokens: freq.body.max_tokens,
          }
        : complete(plan.text, freq.body, spec.stopReason);
    const override: UsageOverride | undefined =
      plan.stopReason === "max_tokens" ? { ...spec.usage, output_tokens: freq.body.max_tokens } : spec.usage;
    return { completion, plan, override };
  }

  /** The message a faulty response starts sending: no rate-limit or prompt-cache effect. */
  private faultyMessage(freq: FakeRequest, spec: ReplySpec, seq: number): Message {
    const completion = this.completionOf(freq, spec, seq);
    const input = plainInput(inputTokensOf(promptBlocks(freq.body)));
    return messageOf(
      this.messageIdOf(freq, seq),
      freq.model,
      completion,
      usageOf(input, completion.outputTokens, spec.usage),
    );
  }

  private admit(freq: FakeRequest, tokens: number, out: Responder): boolean {
    const admission = this.limiter.admit(freq.model, tokens);
    if (admission.ok) return true;
    this.s.rateLimited += 1;
    bump(this.s.faults, "429");
    const headers = { ...this.headersFor(freq), ...retryHeaders(admission.retryAfterMs) };
    out.json(429, errorBody("rate_limit_error", admission.message, freq.requestId), headers);
    return false;
  }

  /** Accepts the request and never answers: the client times out, or close() ends the connection. */
  private hang(out: Responder): void {
    this.hanging.add(out);
    out.onClose(() => this.hanging.delete(out));
  }

  private async delay(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.signal });
  }

  private headersFor(freq: FakeRequest): Headers {
    return baseHeaders(freq.requestId, this.limiter.snapshot(freq.model));
  }
}
