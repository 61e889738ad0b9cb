import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, RecordingStore } from "../../src/models/index.js";
import { shippedConfig } from "../helpers/config.js";

const API = "https://api.anthropic.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

function sse(model: string, chunks: string[]): string {
  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_s",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 900,
            output_tokens: 1,
            cache_creation_input_tokens: 400,
            cache_read_input_tokens: 0,
            cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 400 },
          },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    ["ping", { type: "ping" }],
    ...chunks.map((text): [string, unknown] => [
      "content_block_delta",
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
    ]),
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 42 },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
}

describe("streaming through the gateway", () => {
  it("measures time to first token live, records the SSE events, and replays them to the same message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-sse-"));
    server.use(
      http.post(`${API}/v1/messages`, async ({ request }) => {
        const body = (await request.json()) as { model: string; stream?: boolean };
        expect(body.stream).toBe(true);
        return new Response(sse(body.model, ["<message ", 'type="result">', "ok</message>"]), {
          headers: { "content-type": "text/event-stream", "request-id": "req_stream_1" },
        });
      }),
    );
    const store = new RecordingStore(dir);
    const options = { config: shippedConfig, baseURL: API, apiKey: "sk-test", recordings: store };
    const request = {
      tier: "haiku",
      system: "You test.",
      messages: [{ role: "user" as const, content: "go" }],
      maxTokens: 256,
      stream: true,
      cache: "1h" as const,
    };
    const context = { agent: "test-automator", caseId: "sse-case", trial: 1 };
    const live = await createGateway({ ...options, mode: "record" }).call(request, context);
    expect(live.text).toBe('<message type="result">ok</message>');
    expect(live.ttftMs).toBeGreaterThanOrEqual(0);
    expect(live.requestId).toBe("req_stream_1");
    expect(live.usage).toMatchObject({ inputTokens: 900, outputTokens: 42, cacheWrite1hTokens: 400 });
    // haiku 5.5: 900*0.10 + 42*0.50 + 400*0.20 = 90 + 21 + 80
    expect(live.costMicroUsd).toBe(191);
    const [recording] = store.recordingsOf("sse-case");
    expect(recording?.response.kind).toBe("sse");
    expect(recording?.ttftMs).toBeGreaterThanOrEqual(0);
    store.flush();

    server.resetHandlers();
    const replayed = await createGateway({
      ...options,
      mode: "replay",
      recordings: new RecordingStore(dir),
    }).call(request, context);
    expect(replayed.message).toEqual(live.message);
    expect(replayed.ttftMs).toBe(recording?.ttftMs);
    expect(replayed.latencySource).toBe("recorded");
  });
});
