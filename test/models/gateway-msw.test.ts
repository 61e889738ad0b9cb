import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createGateway,
  type Gateway,
  MissingApiKeyError,
  type Mode,
  ModelUnavailableError,
  RateLimitedError,
  RecordingStore,
  ReplayMissError,
} from "../../src/models/index.js";
import { shippedConfig } from "../helpers/config.js";

const API = "https://api.anthropic.test";
const SECRET = ["sk", "ant", "api03", "test-SECRET-do-not-store-0123456789"].join("-"); // built at run time: no key-shaped literal in the repo;
const server = setupServer();
const seen: { model: string; auth: string | null }[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

function message(model: string, text: string) {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 1200,
      output_tokens: 300,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 800,
    },
  };
}

/** Answers per model: a list of statuses to send in turn (200 = a message), last one repeating. */
function handle(script: Record<string, number[]>) {
  const counts = new Map<string, number>();
  server.use(
    http.post(`${API}/v1/messages`, async ({ request }) => {
      const body = (await request.json()) as { model: string };
      seen.push({
        model: body.model,
        auth: request.headers.get("x-api-key") ?? request.headers.get("authorization"),
      });
      const n = counts.get(body.model) ?? 0;
      counts.set(body.model, n + 1);
      const statuses = script[body.model] ?? [200];
      const status = statuses[Math.min(n, statuses.length - 1)]!;
      if (status === 200) {
        return HttpResponse.json(
          message(body.model, `<message type="result">reply from ${body.model}</message>`),
          {
            headers: { "request-id": `req_${body.model}_${n}` },
          },
        );
      }
      const type = status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : "api_error";
      return HttpResponse.json(
        { type: "error", error: { type, message: "scripted" }, request_id: `req_err_${n}` },
        { status, headers: { "retry-after-ms": "5", "request-id": `req_err_${n}` } },
      );
    }),
  );
}

function gateway(mode: Mode, dir: string, extra: Partial<Parameters<typeof createGateway>[0]> = {}): Gateway {
  return createGateway({
    config: shippedConfig,
    mode,
    recordings: new RecordingStore(dir),
    baseURL: API,
    apiKey: SECRET,
    maxRetries: 2,
    ...extra,
  });
}

const request = {
  tier: "opus",
  system: "You are the tech lead.",
  messages: [{ role: "user" as const, content: "Plan the mission." }],
  maxTokens: 1024,
};
const context = { agent: "tech-lead-orchestrator", caseId: "gw-case", trial: 1 };

describe("gateway through msw with the real SDK", () => {
  it("records a call, then replays it with no network to the same message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-rec-"));
    handle({});
    const recorded = await gateway("record", dir).call(request, context);
    expect(recorded).toMatchObject({
      model: "claude-opus-5-5",
      tier: "opus",
      latencySource: "measured",
      fellBackFrom: [],
      attempts: 1,
    });
    expect(recorded.usage).toMatchObject({ inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800 });
    expect(recorded.costMicroUsd).toBe(1200 * 4 + 300 * 20 + 800 * 0.2);
    expect(recorded.provenance.source).toBe("live");
    const files = gateway("record", dir).flush();
    expect(files).toEqual([]);

    const recorder = gateway("record", dir);
    const stored = await recorder.call(request, context);
    expect(recorder.flush()).toEqual([join(dir, "gw-case.jsonl")]);

    server.resetHandlers(); // any request now is an unhandled-request error
    const replayer = gateway("replay", dir, { apiKey: undefined });
    const replayed = await replayer.call(request, context);
    // A recorded 200 is answered by the fast path: the SDK computes the same fingerprint, but the
    // fast path must find the recording on its own, or every replay would quietly take the slow one.
    expect(replayer.requests).toEqual({ direct: 1, sdk: 0 });
    expect(replayed.message).toEqual(recorded.message);
    expect(replayed.requestId).toBe(stored.requestId);
    expect(replayed.requestId).toMatch(/^req_/);
    expect(replayed.attempts).toBe(1);
    expect(replayed.latencySource).toBe("recorded");
    expect(replayed.costMicroUsd).toBe(recorded.costMicroUsd);
    expect(replayed.provenance).toMatchObject({
      source: "live",
      model: "claude-opus-5-5",
      sdkVersion: "1.13.0",
    });
  });

  it("honors retry-after-ms on a 429, then succeeds on the same model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-429-"));
    handle({ "claude-opus-5-5": [429, 200] });
    const result = await gateway("live", dir).call(request, context);
    expect(result.model).toBe("claude-opus-5-5");
    expect(result.attempts).toBe(2);
    expect(result.fellBackFrom).toEqual([]);
    expect(result.rateLimited).toBe(1);
  });

  it("waits out a storm of 429s on the same model, past any retry count: a rate limit is not an outage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-storm-"));
    handle({ "claude-opus-5-5": [429, 429, 429, 429, 429, 429, 200] });
    const g = gateway("live", dir);
    const result = await g.call(request, context);
    expect(result).toMatchObject({
      model: "claude-opus-5-5",
      servedOther: false,
      rateLimited: 6,
      attempts: 7,
    });
    expect(result.fellBackFrom).toEqual([]);
    expect(seen.every((s) => s.model === "claude-opus-5-5")).toBe(true);
    expect(g.pacing.rateLimited).toEqual({ "claude-opus-5-5": 6 });
  });

  it("ends a call whose 429s outlast its deadline with RateLimitedError, never another model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-deadline-"));
    handle({ "claude-opus-5-5": [429] });
    const config = {
      ...shippedConfig,
      orchestra: {
        ...shippedConfig.orchestra,
        calls: { ...shippedConfig.orchestra.calls, rateLimitDeadlineMs: 40 },
      },
    };
    const error = await gateway("live", dir, { config })
      .call(request, context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as Error).message).toMatch(
      /kept rate-limiting tech-lead-orchestrator.*rateLimitDeadlineMs/,
    );
    expect(new Set(seen.map((s) => s.model))).toEqual(new Set(["claude-opus-5-5"]));
  });

  it("keeps the model the API answered with, and marks a call another model served", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-served-"));
    server.use(
      http.post(`${API}/v1/messages`, async ({ request: r }) => {
        const body = (await r.json()) as { model: string };
        const served = body.model === "claude-opus-5-5" ? "claude-opus-4-8" : `${body.model}-20261001`;
        return HttpResponse.json(message(served, "<message/>"));
      }),
    );
    const rerouted = await gateway("live", dir).call(request, context);
    expect(rerouted).toMatchObject({
      model: "claude-opus-5-5",
      servedModel: "claude-opus-4-8",
      servedOther: true,
    });
    // The API's dated snapshot of the model asked for is that model.
    const snapshot = await gateway("live", dir).call({ ...request, tier: "sonnet" }, context);
    expect(snapshot).toMatchObject({ servedModel: "claude-sonnet-5-5-20261001", servedOther: false });
  });

  it("passes the stop reason through", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-stop-"));
    server.use(
      http.post(`${API}/v1/messages`, async ({ request: r }) => {
        const body = (await r.json()) as { model: string };
        return HttpResponse.json({ ...message(body.model, "<message"), stop_reason: "max_tokens" });
      }),
    );
    expect((await gateway("live", dir).call(request, context)).stopReason).toBe("max_tokens");
  });

  it("falls back to the next model of the chain when 529 outlasts the SDK's retries, and replays the same path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-529-"));
    handle({ "claude-opus-5-5": [529] });
    const g = gateway("record", dir);
    const result = await g.call(request, context);
    expect(seen.map((s) => s.model)).toEqual([
      "claude-opus-5-5",
      "claude-opus-5-5",
      "claude-opus-5-5",
      "claude-opus-4-8",
    ]);
    expect(result.model).toBe("claude-opus-4-8");
    expect(result.fellBackFrom).toEqual([{ model: "claude-opus-5-5", reason: "529 overloaded_error" }]);
    expect(result.costMicroUsd).toBe(1200 * 5 + 300 * 25 + 800 * 0.5);
    g.flush();

    server.resetHandlers();
    const replayer = gateway("replay", dir);
    const replayed = await replayer.call(request, context);
    // The 529s go through the SDK one attempt each (the gateway retries); the fallback's 200 takes the fast path.
    expect(replayer.requests).toEqual({ direct: 1, sdk: 3 });
    expect(replayed.fellBackFrom).toEqual(result.fellBackFrom);
    expect(replayed.model).toBe("claude-opus-4-8");
    expect(replayed.attempts).toBe(4);
  });

  it("reports a tier whose whole chain is down", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-down-"));
    handle({ "claude-opus-5-5": [500], "claude-opus-4-8": [529] });
    await expect(gateway("live", dir, { maxRetries: 0 }).call(request, context)).rejects.toThrow(
      ModelUnavailableError,
    );
  });

  it("explains a replay miss: agent, model, closest recording, what differs, how to record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-miss-"));
    handle({});
    const g = gateway("record", dir);
    await g.call(request, context);
    g.flush();
    server.resetHandlers();
    const changed = {
      ...request,
      messages: [{ role: "user" as const, content: "Plan a different mission." }],
    };
    const error = await gateway("replay", dir)
      .call(changed, context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayMissError);
    const text = (error as Error).message;
    expect(text).toContain(
      "no recording for tech-lead-orchestrator on claude-opus-5-5 in case gw-case, trial 1",
    );
    expect(text).toContain(
      'messages[0].content: recorded "Plan the mission." (char 5), now "Plan a different mission." (char 5)',
    );
    expect(text).toContain("npx orchestra run --mode record --filter gw-case");
    // A second trial of the same request is a miss too: trials are never served the same recording.
    await expect(gateway("replay", dir).call(request, { ...context, trial: 2 })).rejects.toThrow(
      /this exact request is recorded for trial\(s\) 1 in .*gw-case\.jsonl, not for trial 2: each trial is its own recording[\s\S]*--trials 2/,
    );
  });

  it("refuses record and live mode without ANTHROPIC_API_KEY, in one line", () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => gateway("live", mkdtempSync(join(tmpdir(), "gw-")), { apiKey: undefined })).toThrow(
        MissingApiKeyError,
      );
      expect(() => gateway("record", mkdtempSync(join(tmpdir(), "gw-")), { apiKey: undefined })).toThrow(
        /^ANTHROPIC_API_KEY is not set: record mode calls the Anthropic API\./,
      );
      expect(() =>
        gateway("replay", mkdtempSync(join(tmpdir(), "gw-")), { apiKey: undefined }),
      ).not.toThrow();
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it("never writes the API key or an auth header into a recording", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-secret-"));
    handle({ "claude-opus-5-5": [429, 200] });
    const g = gateway("record", dir);
    await g.call(request, context);
    g.flush();
    expect(seen[0]?.auth).toContain(SECRET.slice(0, 20)); // it was sent...
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), "utf8");
      expect(text).not.toContain(SECRET); // ...and never stored
      expect(text).not.toMatch(/x-api-key|authorization/i);
    }
  });
});
