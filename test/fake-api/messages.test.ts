import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/protocol/index.js";
import { clientOf, MODEL, params, rejectionOf, serve, TASK, textOf } from "./helpers.js";

describe("fake API: messages, as the real SDK sees them", () => {
  it("answers a plain request with a real Message, request-id, rate-limit headers and the synthetic label", async () => {
    const api = await serve();
    const { data, response, request_id } = await clientOf(api).messages.create(params).withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: MODEL,
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(data.id).toBe("msg_fake_000001");
    expect(request_id).toBe("req_fake_000001");
    expect(data.content).toHaveLength(1);
    expect(data.content[0]?.type).toBe("text");
    expect(data.usage).toMatchObject({
      input_tokens: Math.ceil(Buffer.byteLength(TASK) / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: "standard",
    });
    expect(data.usage.output_tokens).toBe(Math.ceil(Buffer.byteLength(textOf(data)) / 4));
    const h = response.headers;
    expect(h.get("x-orchestra-synthetic")).toBe("true");
    expect(h.get("anthropic-ratelimit-requests-limit")).toBe("4000");
    expect(h.get("anthropic-ratelimit-requests-remaining")).toBe("3999");
    expect(h.get("anthropic-ratelimit-tokens-limit")).toBe("2000000");
    expect(Number(h.get("anthropic-ratelimit-tokens-remaining"))).toBe(
      2_000_000 - data.usage.input_tokens - data.usage.output_tokens,
    );
    expect(h.get("anthropic-ratelimit-requests-reset")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const second = await clientOf(api).messages.create(params).withResponse();
    expect(second.request_id).toBe("req_fake_000002");
    expect(api.stats()).toMatchObject({ requests: 2, messages: 2, byModel: { [MODEL]: 2 } });
  });

  it("numbers ids per agent when asked, so the order concurrent agents arrive in changes no id", async () => {
    const api = await serve({ ids: "per-agent" });
    const as = (agent: string) =>
      clientOf(api)
        .messages.create(params, { headers: { "x-orchestra-agent": agent } })
        .withResponse();
    const a1 = await as("ci-cd-engineer");
    const b1 = await as("monitoring-specialist");
    const a2 = await as("ci-cd-engineer");
    expect([a1.request_id, b1.request_id, a2.request_id]).toEqual([
      "req_fake_ci-cd-engineer_000001",
      "req_fake_monitoring-specialist_000001",
      "req_fake_ci-cd-engineer_000002",
    ]);
    expect(a2.data.id).toBe("msg_fake_ci-cd-engineer_000002");
  });

  it("streams the real event sequence, in several text deltas, with usage", async () => {
    const api = await serve();
    const stream = clientOf(api).messages.stream(params);
    const events: string[] = [];
    const deltas: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(events[0]).toBe("message_start");
    expect(events[1]).toBe("content_block_start");
    expect(events.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(events.filter((e) => e === "content_block_delta").length).toBe(deltas.length);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(textOf(message));
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBe(Math.ceil(Buffer.byteLength(TASK) / 4));
    expect(message.usage.output_tokens).toBe(Math.ceil(Buffer.byteLength(textOf(message)) / 4));
    expect(api.stats()).toMatchObject({ messages: 1, streamed: 1 });
  });

  it("sends a ping after content_block_start, as the real API does", async () => {
    const api = await serve();
    const response = await fetch(`${api.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k" },
      body: JSON.stringify({ ...params, stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const names = [...(await response.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
  });

  it("replies by default with a compliant protocol result addressed back to the sender", async () => {
    const api = await serve();
    const message = await clientOf(api).messages.create(params);
    const parsed = parseMessage(textOf(message));
    expect(parsed.ok && parsed.compliant).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.message).toMatchObject({
      type: "result",
      from: "security-auditor",
      to: "security-coordinator",
      inReplyTo: "t-7",
      status: "complete",
      confidence: "0.9",
    });
  });

  it("takes the agent from x-orchestra-agent first, and answers the user when no task names a sender", async () => {
    const api = await serve();
    const message = await clientOf(api).messages.create(
      { ...params, messages: [{ role: "user", content: "Plan a migration." }] },
      { headers: { "x-orchestra-agent": "tech-lead-orchestrator" } },
    );
    const parsed = parseMessage(textOf(message));
    expect(parsed.ok && parsed.message).toMatchObject({ from: "tech-lead-orchestrator", to: "user" });
    expect(api.stats().byAgent).toEqual({ "tech-lead-orchestrator": 1 });
    await clientOf(api).messages.create({ ...params, messages: [{ role: "user", content: "no envelope" }] });
    expect(api.stats().byAgent).toMatchObject({ unknown: 1 });
  });

  it("finds the task in the first user turn (text blocks too), whatever later turns carry", async () => {
    const api = await serve();
    const message = await clientOf(api).messages.create({
      ...params,
      messages: [
        { role: "user", content: [{ type: "text", text: TASK }] },
        { role: "assistant", content: "ok" },
        // A planner's second turn carries its reports' replies; a corrective retry carries violations.
        { role: "user", content: '<message type="result" id="r-9" from="a-b" to="c-d"></message>' },
      ],
    });
    expect(textOf(message)).toContain('from="security-auditor" to="security-coordinator" in-reply-to="t-7"');
  });

  it("rejects a body without model, max_tokens or messages with 400 invalid_request_error, like the real API", async () => {
    const api = await serve();
    const client = clientOf(api);
    const cases: [Record<string, unknown>, string][] = [
      [{ max_tokens: 10, messages: params.messages }, "model: Field required"],
      [{ model: MODEL, messages: params.messages }, "max_tokens: Field required"],
      [{ model: MODEL, max_tokens: 10 }, "messages: Field required"],
      [{ model: MODEL, max_tokens: 10, messages: [] }, "messages: at least one message is required"],
    ];
    for (const [body, message] of cases) {
      const error = await rejectionOf(client.post("/v1/messages", { body }));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      const e = error as InstanceType<typeof Anthropic.BadRequestError>;
      expect(e.status).toBe(400);
      expect(e.type).toBe("invalid_request_error");
      expect(e.apiMessage).toBe(message);
      expect(e.error).toMatchObject({ type: "error", request_id: e.requestID });
    }
    expect(api.stats().messages).toBe(0);
  });

  it("accepts unknown model names", async () => {
    const api = await serve();
    const message = await clientOf(api).messages.create({ ...params, model: "claude-nonexistent-9" });
    expect(message.model).toBe("claude-nonexistent-9");
  });

  it("answers 401 without an API key, 404 elsewhere, 405 for other methods", async () => {
    const api = await serve();
    const post = (path: string, headers: Record<string, string>) =>
      fetch(`${api.url}${path}`, { method: "POST", headers, body: JSON.stringify(params) });
    const unauth = await post("/v1/messages", { "content-type": "application/json" });
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const bearer = await post("/v1/messages", { authorization: "Bearer token" });
    expect(bearer.status).toBe(200);
    const missing = await post("/v1/nothing", { "x-api-key": "k" });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("request-id")).toBe("req_fake_000003");
    expect(await missing.json()).toMatchObject({
      error: { type: "not_found_error" },
      request_id: "req_fake_000003",
    });
    const get = await fetch(`${api.url}/v1/messages`, { headers: { "x-api-key": "k" } });
    expect(get.status).toBe(405);
  });

  it("counts tokens on /v1/messages/count_tokens", async () => {
    const api = await serve();
    const { input_tokens } = await clientOf(api).messages.countTokens({
      model: MODEL,
      messages: params.messages,
    });
    expect(input_tokens).toBe(Math.ceil(Buffer.byteLength(TASK) / 4));
  });

  it("stops at max_tokens and at stop sequences like the real API", async () => {
    const api = await serve();
    const short = await clientOf(api).messages.create({ ...params, max_tokens: 5 });
    expect(short.stop_reason).toBe("max_tokens");
    expect(short.usage.output_tokens).toBe(5);
    expect(Buffer.byteLength(textOf(short))).toBeLessThanOrEqual(20);
    const stopped = await clientOf(api).messages.create({ ...params, stop_sequences: ["<status>"] });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe("<status>");
    expect(textOf(stopped)).not.toContain("<status>");
  });

  it("adds latencyMs before each response", async () => {
    const api = await serve({ latencyMs: 120 });
    const started = performance.now();
    await clientOf(api).messages.create(params);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});
