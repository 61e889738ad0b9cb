import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeApi,
  type FakeApiOptions,
  parseFaultSpec,
  parseScenario,
  startFakeApi,
} from "../../src/fake-api/index.js";
import { createGateway, RecordingStore } from "../../src/models/index.js";
import type { InputError } from "../../src/shared/problem.js";
import { repoRoot } from "../helpers/cli.js";
import { shippedConfig } from "../helpers/config.js";

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(options: FakeApiOptions = {}) {
  api = await startFakeApi({ port: 0, ...options });
  return api;
}

const client = (url: string, extra: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
  new Anthropic({ baseURL: url, apiKey: "test-key", maxRetries: 0, timeout: 5000, ...extra });
const params = {
  model: "claude-sonnet-5-5",
  max_tokens: 256,
  messages: [
    {
      role: "user" as const,
      content:
        '<message type="task-assignment" id="m1/t1" from="backend-coordinator" to="django-expert"></message>',
    },
  ],
};

describe("the fake Anthropic API, driven by the real SDK", () => {
  it("answers with a real Message and a default protocol reply addressed back to the sender", async () => {
    const { url } = await serve();
    const { data, response, request_id } = await client(url).messages.create(params).withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-5-5",
      stop_reason: "end_turn",
    });
    const text = data.content[0]?.type === "text" ? data.content[0].text : "";
    expect(text).toContain('from="django-expert" to="backend-coordinator" in-reply-to="m1/t1"');
    expect(request_id).toBe("req_fake_000001");
    expect(response.headers.get("x-orchestra-synthetic")).toBe("true");
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("4000");
  });

  it("streams the real event sequence, with usage", async () => {
    const { url } = await serve();
    const stream = client(url).messages.stream(params);
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    const message = await stream.finalMessage();
    expect([...new Set(events)]).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(message.usage.output_tokens).toBeGreaterThan(10);
  });

  it("simulates the prompt cache: a write on the first call, reads after", async () => {
    const { url } = await serve();
    const system = [
      {
        type: "text" as const,
        text: "You are the Django expert. ".repeat(50),
        cache_control: { type: "ephemeral" as const, ttl: "1h" as const },
      },
    ];
    const first = await client(url).messages.create({ ...params, system });
    const second = await client(url).messages.create({ ...params, system });
    expect(first.usage).toMatchObject({
      cache_creation_input_tokens: 338,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_1h_input_tokens: 338 },
    });
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 338 });
  });

  it("matches scenario rules by agent, model and call, with `times` on faults", async () => {
    const scenario = parseScenario(
      `rules:
  - match: { agent: django-expert, call: 1 }
    fault: 529
  - match: { agent: django-expert }
    reply: "<message>scripted</message>"
    usage: { input_tokens: 1200, output_tokens: 345 }
  - match: { model: claude-opus-5-5 }
    fault: 500
    times: 1
    reply: "opus after one failure"
`,
      "s.yaml",
    );
    const { url, stats } = await serve({ scenario });
    await expect(client(url).messages.create(params)).rejects.toMatchObject({ status: 529 });
    const ok = await client(url).messages.create(params);
    expect(ok.content[0]).toMatchObject({ text: "<message>scripted</message>" });
    expect(ok.usage).toMatchObject({ input_tokens: 1200, output_tokens: 345 });
    const opus = {
      ...params,
      model: "claude-opus-5-5",
      messages: [{ role: "user" as const, content: "hi" }],
    };
    await expect(client(url).messages.create(opus)).rejects.toMatchObject({ status: 500 });
    expect((await client(url).messages.create(opus)).content[0]).toMatchObject({
      text: "opus after one failure",
    });
    expect(stats().faults).toEqual({ "529": 1, "500": 1 });
  });

  it("answers 429 with retry-after above its rate limit, and the SDK retries after retry-after-ms", async () => {
    const { url, stats } = await serve({ rpm: 2 });
    await client(url).messages.create(params);
    await client(url).messages.create(params);
    const error = await client(url)
      .messages.create(params)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const headers = (error as InstanceType<typeof Anthropic.RateLimitError>).headers;
    expect(Number(headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(stats().faults["429"]).toBe(1);
  });

  it("a scripted 429 is retried by the SDK honoring retry-after-ms, then succeeds", async () => {
    const scenario = parseScenario(
      "rules:\n  - match: {}\n    fault: 429\n    times: 1\n    reply: ok\n",
      "s.yaml",
    );
    const { url, stats } = await serve({ scenario });
    const started = Date.now();
    const message = await client(url, { maxRetries: 2 }).messages.create(params);
    expect(message.content[0]).toMatchObject({ text: "ok" });
    expect(stats().requests).toBe(2);
    expect(Date.now() - started).toBeLessThan(400); // 20 ms hinted, not the SDK's 0.5-1 s default
  });

  it("times out: the client gives up and the server is closed without hanging", async () => {
    const { url } = await serve({ faults: [{ kind: "timeout", rate: 1 }] });
    await expect(client(url, { timeout: 150 }).messages.create(params)).rejects.toBeInstanceOf(
      Anthropic.APIConnectionTimeoutError,
    );
  });

  for (const kind of ["cut", "garbage", "sse-error"] as const) {
    it(`fails cleanly on a ${kind} fault, streaming and not`, async () => {
      const { url } = await serve({ faults: [{ kind, rate: 1 }] });
      await expect(client(url).messages.stream(params).finalMessage()).rejects.toThrow();
      await expect(client(url).messages.create(params)).rejects.toThrow();
    });
  }

  it("injects faults by rate reproducibly for a seed", async () => {
    const run = async (seed: number) => {
      const server = await startFakeApi({ port: 0, seed, faults: [{ kind: "500", rate: 0.5 }] });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await client(server.url)
            .messages.create(params)
            .then(
              () => "ok",
              () => "500",
            ),
        );
      await server.close();
      return outcomes.join(",");
    };
    const a = await run(7);
    expect(await run(7)).toBe(a);
    expect(a).toContain("ok");
    expect(a).toContain("500");
  });

  it("reports scenario errors with file, line and column", () => {
    try {
      parseScenario("rules:\n  - match: { agent: x }\n    fault: 418\n", "bad.yaml");
      expect.unreachable();
    } catch (err) {
      expect((err as InputError).problems[0]).toMatchObject({
        file: "bad.yaml",
        line: 3,
        field: "rules.0.fault",
      });
    }
    expect(() => parseFaultSpec("529:2")).toThrow(/KIND:RATE/);
  });

  it("listens on 127.0.0.1 only", async () => {
    const { url } = await serve();
    expect(new URL(url).hostname).toBe("127.0.0.1");
  });
});

describe("the gateway against the fake API", () => {
  it("records through it (provenance synthetic), then replays with the server stopped to identical messages", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-rec-"));
    const { url } = await serve();
    const request = {
      tier: "haiku",
      system: "You run tests.",
      messages: [{ role: "user" as const, content: "run" }],
      maxTokens: 128,
    };
    const context = { agent: "test-automator", caseId: "fake-case", trial: 1 };
    const recorder = createGateway({
      config: shippedConfig,
      mode: "record",
      recordings: new RecordingStore(dir),
      baseURL: url,
    });
    const live = [
      await recorder.call(request, context),
      await recorder.call({ ...request, stream: true }, context),
    ];
    recorder.flush();
    await api?.close();
    api = undefined;
    const replayer = createGateway({
      config: shippedConfig,
      mode: "replay",
      recordings: new RecordingStore(dir),
    });
    const replayed = [
      await replayer.call(request, context),
      await replayer.call({ ...request, stream: true }, context),
    ];
    expect(replayed.map((r) => r.message)).toEqual(live.map((r) => r.message));
    expect(replayed.map((r) => r.provenance.source)).toEqual(["synthetic", "synthetic"]);
    expect(readFileSync(join(dir, "fake-case.jsonl"), "utf8")).toContain('"source":"synthetic"');
  });

  it("falls back through the chain on a 529 storm, with the SDK's retries first", async () => {
    const scenario = parseScenario(
      "rules:\n  - match: { model: claude-haiku-5-5 }\n    fault: 529\n",
      "s.yaml",
    );
    const { url, stats } = await serve({ scenario });
    const gateway = createGateway({ config: shippedConfig, mode: "live", baseURL: url, maxRetries: 1 });
    const result = await gateway.call(
      { tier: "haiku", system: "x", messages: [{ role: "user", content: "y" }], maxTokens: 64 },
      { agent: "a", caseId: "c", trial: 1 },
    );
    expect(result.model).toBe("claude-haiku-4-5");
    expect(result.fellBackFrom).toEqual([{ model: "claude-haiku-5-5", reason: "529 overloaded_error" }]);
    expect(stats().byModel).toEqual({ "claude-haiku-5-5": 2, "claude-haiku-4-5": 1 });
  });
});

describe("orchestra fake-api", () => {
  it("prints its URL on the first line and serves the SDK until stopped", async () => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/orchestra.js"), "fake-api", "--port", "0"], {
      cwd: repoRoot,
    });
    const firstLine = await new Promise<string>((resolveLine, reject) => {
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.includes("\n")) resolveLine(buffer.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    try {
      expect(firstLine).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const message = await client(firstLine.slice("listening on ".length)).messages.create(params);
      expect(message.type).toBe("message");
    } finally {
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
