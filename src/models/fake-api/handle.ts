import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import type { ErrorType } from "@anthropic-ai/sdk/resources/shared";
import { type FaultKind, FaultPicker } from "./faults.js";
import { messageOf } from "./message.js";
import { RateLimiter } from "./rate-limit.js";
import { type Completion, complete, defaultReply } from "./reply.js";
import {
  CountTokensBodySchema,
  describeIssue,
  envelopeOf,
  hasCredentials,
  lastUserText,
  MessagesBodySchema,
  publicHeaders,
} from "./request.js";
import {
  baseHeaders,
  cutAfter,
  errorBody,
  retryHeaders,
  sendBody,
  sendJson,
  startSse,
  writeSse,
} from "./respond.js";
import { ScenarioMatcher } from "./scenario.js";
import { breakPoint, encodeSse, messageEvents, sseEvent } from "./sse.js";
import type { FakeApiOptions, FakeApiStats, FakeRequest, RawResponse, ReplySpec } from "./types.js";
import { type InputSplit, inputTokensOf, PromptCache, promptBlocks, usageOf } from "./usage.js";

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

function pad(n: number): string {
  return String(n).padStart(6, "0");
}

function emptyStats(): FakeApiStats {
  return {
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
  };
}

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

function messageId(seq: number): string {
  return `msg_fake_${pad(seq)}`;
}

function plainInput(tokens: number): InputSplit {
  return { input: tokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
}

/**
 * The request pipeline of the fake API: route, authenticate, validate, choose the reply (hook,
 * scenario, default), draw a fault, enforce rate limits, account the prompt cache, wait, answer.
 */
export class FakeApiHandler {
  private seq = 0;
  private readonly calls = new Map<string, number>();
  private readonly statistics = emptyStats();
  private readonly hanging = new Set<ServerResponse>();
  private readonly limiter: RateLimiter;
  private readonly cache: PromptCache | undefined;
  private readonly picker: FaultPicker;
  private readonly matcher: ScenarioMatcher | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: FakeApiOptions,
    private readonly signal: AbortSignal,
  ) {
    this.now = options.now ?? Date.now;
    const limits = {
      ...(options.rpm === undefined ? {} : { rpm: options.rpm }),
      ...(options.tpm === undefined ? {} : { tpm: options.tpm }),
    };
    this.limiter = new RateLimiter(limits, this.now);
    const cache = options.promptCache ?? true;
    this.cache =
      cache === false
        ? undefined
        : new PromptCache({ minTokens: cache === true ? 0 : (cache.minTokens ?? 0), now: this.now });
    this.picker = new FaultPicker(options.faults ?? [], options.seed ?? 1);
    this.matcher = options.scenario ? new ScenarioMatcher(options.scenario) : undefined;
  }

  stats(): FakeApiStats {
    const s = this.statistics;
    return {
      ...s,
      byModel: { ...s.byModel },
      byAgent: { ...s.byAgent },
      byStatus: { ...s.byStatus },
      faults: { ...s.faults },
      tokens: { ...s.tokens },
      hanging: this.hanging.size,
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    const requestId = `req_fake_${pad(seq)}`;
    this.statistics.requests += 1;
    res.on("error", () => {});
    const headers = () => baseHeaders(requestId, this.limiter.snapshot(""));
    try {
      await this.route(req, res, seq, requestId);
    } catch (err) {
      if (this.signal.aborted) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, "api_error", `fake API failure: ${(err as Error).message}`);
      this.send(res, e.status, errorBody(e.type, e.message, requestId), headers());
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    seq: number,
    requestId: string,
  ): Promise<void> {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname.replace(/\/+$/, "");
    const endpoint =
      path === "/v1/messages"
        ? "messages"
        : path === "/v1/messages/count_tokens"
          ? "count_tokens"
          : undefined;
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
    const text = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpError(400, "invalid_request_error", "There was an error parsing the body: invalid JSON");
    }
    if (endpoint === "count_tokens") {
      const parsed = CountTokensBodySchema.safeParse(json);
      if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeIssue(parsed.error));
      const input_tokens = inputTokensOf(promptBlocks({ ...parsed.data, max_tokens: 1 }));
      this.send(res, 200, { input_tokens }, baseHeaders(requestId, this.limiter.snapshot(parsed.data.model)));
      return;
    }
    const parsed = MessagesBodySchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, "invalid_request_error", describeIssue(parsed.error));
    await this.messages(this.requestOf(parsed.data, req, requestId), res, seq);
  }

  private requestOf(body: FakeRequest["body"], req: IncomingMessage, requestId: string): FakeRequest {
    const userText = lastUserText(body);
    const envelope = envelopeOf(userText);
    const header = req.headers["x-orchestra-agent"];
    const named = typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
    const agent = named ?? envelope.to ?? "unknown";
    const call = (this.calls.get(agent) ?? 0) + 1;
    this.calls.set(agent, call);
    return {
      requestId,
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

  private async messages(freq: FakeRequest, res: ServerResponse, seq: number): Promise<void> {
    const s = this.statistics;
    s.messages += 1;
    if (freq.stream) s.streamed += 1;
    bump(s.byModel, freq.model);
    bump(s.byAgent, freq.agent);

    let spec: ReplySpec | undefined;
    try {
      spec = await this.options.reply?.(freq);
    } catch (err) {
      const message = `reply hook failed: ${(err as Error).message}`;
      const headers = { ...this.headersFor(freq), "x-should-retry": "false" };
      this.send(res, 500, errorBody("api_error", message, freq.requestId), headers);
      return;
    }
    spec ??= this.matcher?.match(freq) ?? {};
    const rolled = this.picker.pick(freq.agent);
    const fault = spec.fault ?? rolled;
    const latencyMs = spec.latencyMs ?? this.options.latencyMs ?? 0;

    if (fault) {
      bump(s.faults, fault);
      if (fault === "timeout") {
        this.hang(res);
        return;
      }
      await this.delay(latencyMs);
      this.serveFault(fault, freq, spec, res, seq);
      return;
    }

    if (spec.raw) {
      const admitted = this.admit(
        freq,
        inputTokensOf(promptBlocks(freq.body)) + rawOutputTokens(spec.raw),
        res,
      );
      if (!admitted) return;
      await this.delay(latencyMs);
      this.serveRaw(spec.raw, freq, res);
      return;
    }

    const blocks = promptBlocks(freq.body);
    const totalInput = inputTokensOf(blocks);
    const completion = this.completionOf(freq, spec, seq);
    const outputTokens = spec.usage?.output_tokens ?? completion.outputTokens;
    if (!this.admit(freq, totalInput + outputTokens, res)) return;
    const split = this.cache ? this.cache.account(freq.model, blocks) : plainInput(totalInput);
    const usage = usageOf(split, completion.outputTokens, spec.usage);
    const message = messageOf(messageId(seq), freq.model, completion, usage);
    await this.delay(latencyMs);
    s.tokens.input += usage.input_tokens;
    s.tokens.output += usage.output_tokens;
    s.tokens.cacheWrite += usage.cache_creation_input_tokens ?? 0;
    s.tokens.cacheRead += usage.cache_read_input_tokens ?? 0;
    if (freq.stream) {
      if (!this.startSse(res, this.headersFor(freq))) return;
      writeSse(res, messageEvents(message));
      res.end();
    } else {
      this.send(res, 200, message, this.headersFor(freq));
    }
  }

  private completionOf(freq: FakeRequest, spec: ReplySpec, seq: number): Completion {
    const text =
      spec.text ?? defaultReply({ agent: freq.agent, sender: freq.sender, replyTo: freq.replyTo, seq });
    return complete(text, freq.body, spec.stopReason);
  }

  /** The message a faulty response starts sending: no rate-limit or prompt-cache effect. */
  private faultyMessage(freq: FakeRequest, spec: ReplySpec, seq: number): Message {
    const completion = this.completionOf(freq, spec, seq);
    const usage = usageOf(
      plainInput(inputTokensOf(promptBlocks(freq.body))),
      completion.outputTokens,
      spec.usage,
    );
    return messageOf(messageId(seq), freq.model, completion, usage);
  }

  private admit(freq: FakeRequest, tokens: number, res: ServerResponse): boolean {
    const admission = this.limiter.admit(freq.model, tokens);
    if (admission.ok) return true;
    this.statistics.rateLimited += 1;
    bump(this.statistics.faults, "429");
    const headers = { ...this.headersFor(freq), ...retryHeaders(admission.retryAfterMs) };
    this.send(res, 429, errorBody("rate_limit_error", admission.message, freq.requestId), headers);
    return false;
  }

  private serveFault(
    fault: FaultKind,
    freq: FakeRequest,
    spec: ReplySpec,
    res: ServerResponse,
    seq: number,
  ): void {
    const id = freq.requestId;
    const headers = this.headersFor(freq);
    const hint = retryHeaders(
      spec.retryAfterMs ?? this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
      spec.shouldRetry,
    );
    const noHint: Record<string, string> =
      spec.shouldRetry === undefined ? {} : { "x-should-retry": String(spec.shouldRetry) };
    switch (fault) {
      case "429":
        this.send(res, 429, errorBody("rate_limit_error", "Rate limited (injected fault).", id), {
          ...headers,
          ...hint,
        });
        return;
      case "500":
        this.send(res, 500, errorBody("api_error", "Internal server error (injected fault).", id), {
          ...headers,
          ...hint,
        });
        return;
      case "529":
        this.send(res, 529, errorBody("overloaded_error", "Overloaded (injected fault).", id), {
          ...headers,
          ...hint,
        });
        return;
      case "sse-error":
        if (!freq.stream) {
          this.send(res, 529, errorBody("overloaded_error", "Overloaded (injected fault).", id), {
            ...headers,
            ...hint,
          });
          return;
        }
        break;
      default:
        break;
    }
    const message = this.faultyMessage(freq, spec, seq);
    if (fault === "cut" && !freq.stream) {
      const body = Buffer.from(JSON.stringify(message), "utf8");
      if (res.destroyed) return;
      this.writeHead(res, 200, {
        ...headers,
        ...noHint,
        "content-type": "application/json",
        "content-length": String(body.length),
      });
      cutAfter(res, body.subarray(0, Math.floor(body.length / 2)));
      return;
    }
    if (fault === "garbage" && !freq.stream) {
      const body = JSON.stringify(message);
      this.send(res, 200, body.slice(0, Math.floor(body.length / 2)), { ...headers, ...noHint }, "raw");
      return;
    }
    if (!this.startSse(res, { ...headers, ...noHint })) return;
    const events = messageEvents(message);
    const at = breakPoint(events);
    writeSse(res, events.slice(0, at));
    if (fault === "cut") {
      cutAfter(res, "");
    } else if (fault === "garbage") {
      res.write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"ty\n\n');
      writeSse(res, events.slice(-1));
      res.end();
    } else {
      res.write(
        encodeSse(sseEvent("error", errorBody("overloaded_error", "Overloaded (injected fault).", id))),
      );
      res.end();
    }
  }

  private serveRaw(raw: RawResponse, freq: FakeRequest, res: ServerResponse): void {
    const kept = Object.entries(raw.headers ?? {}).filter(
      ([name]) => !["content-length", "transfer-encoding", "connection"].includes(name.toLowerCase()),
    );
    const headers = { ...Object.fromEntries(kept), ...this.headersFor(freq) };
    if ("events" in raw) {
      if (!this.startSse(res, headers, raw.status)) return;
      writeSse(res, raw.events);
      res.end();
    } else if ("json" in raw) {
      this.send(res, raw.status, raw.json, headers);
    } else {
      const type = raw.headers?.["content-type"] ?? "text/plain; charset=utf-8";
      this.send(res, raw.status, raw.text, { ...headers, "content-type": type }, "raw");
    }
  }

  /** Accepts the request and never answers: the client times out, or close() ends the connection. */
  private hang(res: ServerResponse): void {
    this.hanging.add(res);
    res.on("close", () => this.hanging.delete(res));
  }

  private async delay(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.signal });
  }

  private headersFor(freq: FakeRequest): Record<string, string> {
    return baseHeaders(freq.requestId, this.limiter.snapshot(freq.model));
  }

  private writeHead(res: ServerResponse, status: number, headers: Record<string, string>): void {
    bump(this.statistics.byStatus, String(status));
    res.writeHead(status, headers);
  }

  private startSse(res: ServerResponse, headers: Record<string, string>, status = 200): boolean {
    if (res.destroyed || res.headersSent) return false;
    bump(this.statistics.byStatus, String(status));
    return startSse(res, status, headers);
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
    as: "json" | "raw" = "json",
  ): void {
    if (res.destroyed || res.headersSent) return;
    bump(this.statistics.byStatus, String(status));
    if (as === "raw") {
      const contentType = headers["content-type"] ?? "application/json";
      sendBody(res, status, contentType, String(body), headers);
    } else {
      sendJson(res, status, body, headers);
    }
  }
}

function rawOutputTokens(raw: RawResponse): number {
  if (!("json" in raw) || typeof raw.json !== "object" || raw.json === null) return 0;
  const usage = (raw.json as { usage?: { output_tokens?: unknown } }).usage;
  return typeof usage?.output_tokens === "number" ? usage.output_tokens : 0;
}
