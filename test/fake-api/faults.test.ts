import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  FAULT_KINDS,
  type FaultSpec,
  FaultSpecError,
  parseFaultSpec,
  parseScenario,
  validateFaults,
} from "../../src/fake-api/index.js";
import { clientOf, params, rejectionOf, serve, textOf } from "./helpers.js";

const always = (kind: FaultSpec["kind"]): FaultSpec[] => [{ kind, rate: 1 }];

describe("fake API: faults, as the real SDK sees them", () => {
  it("429 once, then success: the SDK retries after retry-after-ms, not its 0.5-1 s default", async () => {
    const scenario = parseScenario("rules:\n  - fault: 429\n    times: 1\n    retryAfterMs: 30\n");
    const api = await serve({ scenario });
    const started = performance.now();
    const message = await clientOf(api, { maxRetries: 2 }).messages.create(params);
    const elapsed = performance.now() - started;
    expect(message.type).toBe("message");
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(450);
    expect(api.stats()).toMatchObject({
      requests: 2,
      messages: 2,
      faults: { "429": 1 },
      byStatus: { "429": 1, "200": 1 },
    });
  });

  it("sends retry-after (ceil seconds) and retry-after-ms with the rate_limit_error body", async () => {
    const api = await serve({ faults: always("429"), retryAfterMs: 1500 });
    const error = await rejectionOf(clientOf(api).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const e = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.headers.get("retry-after")).toBe("2");
    expect(e.headers.get("retry-after-ms")).toBe("1500");
    expect(e.type).toBe("rate_limit_error");
    expect(e.requestID).toBe("req_fake_000001");
    expect(e.error).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: "Rate limited (injected fault)." },
      request_id: "req_fake_000001",
    });
  });

  it("529 until retries run out: the SDK throws OverloadedError with status 529", async () => {
    const api = await serve({ faults: always("529") });
    const error = await rejectionOf(clientOf(api, { maxRetries: 2 }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error).toMatchObject({ status: 529, type: "overloaded_error" });
    expect(api.stats()).toMatchObject({ messages: 3, faults: { "529": 3 } });
  });

  it("streaming requests are retried too before the stream starts", async () => {
    const api = await serve({ scenario: parseScenario("rules:\n  - fault: 529\n    times: 2\n") });
    const message = await clientOf(api, { maxRetries: 2 }).messages.stream(params).finalMessage();
    expect(message.stop_reason).toBe("end_turn");
    expect(api.stats()).toMatchObject({ messages: 3, faults: { "529": 2 } });
  });

  it("500 is an InternalServerError with api_error", async () => {
    const api = await serve({ faults: always("500") });
    const error = await rejectionOf(clientOf(api, { maxRetries: 1 }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "api_error" });
    expect(api.stats().faults).toEqual({ "500": 2 });
  });

  it("x-should-retry: false stops the SDK from retrying", async () => {
    const scenario = parseScenario("rules:\n  - fault: 529\n    shouldRetry: false\n");
    const api = await serve({ scenario });
    const error = await rejectionOf(clientOf(api, { maxRetries: 3 }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(api.stats().messages).toBe(1);
  });

  it("timeout: the request hangs until the client gives up (APIConnectionTimeoutError), and close() ends it", async () => {
    const api = await serve({ faults: always("timeout") });
    const error = await rejectionOf(clientOf(api, { timeout: 150 }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);

    const raw = fetch(`${api.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k" },
      body: JSON.stringify(params),
    }).then(
      () => "answered",
      () => "connection closed",
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(api.stats().hanging).toBe(1);
    await api.close();
    expect(await raw).toBe("connection closed");
  });

  it("cut: a stream or a body ending mid-way is an error, not a hang, and not retried", async () => {
    const api = await serve({ faults: always("cut") });
    const client = clientOf(api, { maxRetries: 2, timeout: 2_000 });
    const texts: string[] = [];
    const stream = client.messages.stream(params).on("text", (t) => texts.push(t));
    const streamError = await rejectionOf(stream.finalMessage());
    expect(streamError).toBeInstanceOf(Anthropic.AnthropicError);
    expect(String(streamError)).toMatch(/terminated/);
    expect(texts.length).toBeGreaterThan(0);
    // Non-stream: the body is cut after the headers; undici's own error comes through unwrapped.
    const bodyError = await rejectionOf(client.messages.create(params));
    expect(String(bodyError)).toMatch(/terminated/);
    expect(api.stats()).toMatchObject({ messages: 2, faults: { cut: 2 } });
  });

  it("garbage: a malformed JSON body or SSE event is an error", async () => {
    const api = await serve({ faults: always("garbage") });
    const client = clientOf(api, { maxRetries: 2 });
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(SyntaxError);
    const streamError = await rejectionOf(client.messages.stream(params).finalMessage());
    expect(streamError).toBeInstanceOf(Anthropic.AnthropicError);
    expect((streamError as Error).cause).toBeInstanceOf(SyntaxError);
    expect(api.stats().messages).toBe(2);
  });

  it("sse-error: an error event mid-stream is an APIError of type overloaded_error; a 529 without stream", async () => {
    const api = await serve({ faults: always("sse-error") });
    const client = clientOf(api, { maxRetries: 0 });
    const texts: string[] = [];
    const error = await rejectionOf(
      client.messages
        .stream(params)
        .on("text", (t) => texts.push(t))
        .finalMessage(),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).not.toBeInstanceOf(Anthropic.OverloadedError);
    expect(error).toMatchObject({ status: undefined, type: "overloaded_error" });
    expect(texts.length).toBeGreaterThan(0);
    const plain = await rejectionOf(client.messages.create(params));
    expect(plain).toBeInstanceOf(Anthropic.OverloadedError);
  });

  it("the same seed gives the same fault sequence; another seed another", async () => {
    const run = async (seed: number) => {
      const api = await serve({
        seed,
        faults: [
          { kind: "500", rate: 0.3 },
          { kind: "529", rate: 0.2 },
        ],
      });
      const client = clientOf(api);
      const outcomes: string[] = [];
      for (let i = 0; i < 30; i++) {
        outcomes.push(
          await client.messages.create(params).then(
            () => "ok",
            (e: { status?: number }) => String(e.status),
          ),
        );
      }
      await api.close();
      return outcomes.join(" ");
    };
    const a = await run(42);
    expect(await run(42)).toBe(a);
    expect(a).toMatch(/ok/);
    expect(a).toMatch(/500/);
    expect(a).toMatch(/529/);
    expect(await run(43)).not.toBe(a);
  });

  it("draws faults per agent: each agent's sequence is the same however agents interleave", async () => {
    const faults: FaultSpec[] = [{ kind: "500", rate: 0.5 }];
    const sequence = async (order: string[]) => {
      const api = await serve({ seed: 5, faults });
      const client = clientOf(api);
      const seen: Record<string, string[]> = {};
      for (const agent of order) {
        const outcome = await client.messages
          .create(params, { headers: { "x-orchestra-agent": agent } })
          .then(
            () => "ok",
            () => "500",
          );
        seen[agent] = [...(seen[agent] ?? []), outcome];
      }
      await api.close();
      return seen;
    };
    const a = await sequence(["x", "x", "x", "x", "y", "y", "y", "y"]);
    const b = await sequence(["y", "x", "y", "x", "y", "x", "y", "x"]);
    expect(b).toEqual(a);
  });

  it("rate faults also hit replies from a scenario, while a scenario fault wins over them", async () => {
    const scenario = parseScenario('rules:\n  - match: { call: 1 }\n    fault: "cut"\n  - reply: scripted\n');
    const api = await serve({ scenario, faults: always("500") });
    const client = clientOf(api);
    expect(String(await rejectionOf(client.messages.create(params)))).toMatch(/terminated/);
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.InternalServerError);
    expect(api.stats().faults).toEqual({ cut: 1, "500": 1 });
  });

  it("a reply hook serves text, usage, faults or raw responses, and falls through with undefined", async () => {
    const api = await serve({
      reply: (req) => {
        if (req.call === 1) return { text: `hello ${req.agent}`, usage: { output_tokens: 7 } };
        if (req.call === 2) return { fault: "529" };
        if (req.call === 3) {
          return { raw: { status: 200, json: { ...JSON.parse(RAW), model: req.model } } };
        }
        expect(req.headers["x-api-key"]).toBeUndefined();
        expect(req.body.max_tokens).toBe(512);
        return undefined;
      },
    });
    const client = clientOf(api);
    const first = await client.messages.create(params);
    expect(textOf(first)).toBe("hello security-auditor");
    expect(first.usage.output_tokens).toBe(7);
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.OverloadedError);
    const raw = await client.messages.create(params).withResponse();
    expect(textOf(raw.data)).toBe("recorded");
    expect(raw.request_id).toBe("req_fake_000003");
    expect(raw.response.headers.get("x-orchestra-synthetic")).toBe("true");
    expect(textOf(await client.messages.create(params))).toContain('type="result"');
  });

  it("a failing reply hook is a 500 the SDK does not retry", async () => {
    const api = await serve({
      reply: () => {
        throw new Error("no recording");
      },
    });
    const error = await rejectionOf(clientOf(api, { maxRetries: 2 }).messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe(
      "reply hook failed: no recording",
    );
    expect(api.stats().messages).toBe(1);
  });
});

const RAW = JSON.stringify({
  id: "msg_recorded",
  type: "message",
  role: "assistant",
  content: [{ type: "text", text: "recorded" }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 2 },
});

describe("parseFaultSpec", () => {
  it("parses KIND:RATE, with a decimal or a percentage", () => {
    expect(parseFaultSpec("529:0.2")).toEqual({ kind: "529", rate: 0.2 });
    expect(parseFaultSpec(" sse-error:5% ")).toEqual({ kind: "sse-error", rate: 0.05 });
    expect(parseFaultSpec("timeout:1")).toEqual({ kind: "timeout", rate: 1 });
    for (const kind of FAULT_KINDS) expect(parseFaultSpec(`${kind}:0`).kind).toBe(kind);
  });

  it("says what is wrong with bad input", () => {
    expect(() => parseFaultSpec("529")).toThrow(/expected KIND:RATE, e\.g\. 529:0\.2/);
    expect(() => parseFaultSpec("418:0.1")).toThrow(
      /unknown kind "418".*429, 529, 500, timeout, cut, garbage, sse-error/,
    );
    expect(() => parseFaultSpec("529:1.5")).toThrow(/rate "1.5" is not from 0 to 1/);
    expect(() => parseFaultSpec("529:abc")).toThrow(FaultSpecError);
    expect(() => parseFaultSpec("529:-0.1")).toThrow(FaultSpecError);
  });

  it("refuses rates adding up to more than 1", async () => {
    const faults: FaultSpec[] = [
      { kind: "500", rate: 0.6 },
      { kind: "529", rate: 0.6 },
    ];
    expect(() => validateFaults(faults)).toThrow(/add up to 1.2/);
    await expect(serve({ faults })).rejects.toThrow(FaultSpecError);
  });
});
