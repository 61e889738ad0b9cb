import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.js";
import {
  createGateway,
  type Mode,
  PriceDateError,
  priceTableDigest,
  RecordingStore,
  rateAt,
} from "../../src/models/index.js";
import type { InputError } from "../../src/shared/problem.js";
import { orchestra, repoRoot } from "../helpers/cli.js";
import { shippedConfig } from "../helpers/config.js";

const API = "https://api.anthropic.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers every request with usage read from its prompt: `cache N` gives N cache-read tokens. */
function answerWithCacheReads() {
  server.use(
    http.post(`${API}/v1/messages`, async ({ request }) => {
      const body = (await request.json()) as { model: string; messages: { content: string }[] };
      const cacheRead = Number(/cache (\d+)/.exec(body.messages[0]!.content)?.[1] ?? 0);
      return HttpResponse.json({
        id: "msg_test",
        type: "message",
        role: "assistant",
        model: body.model,
        content: [{ type: "text", text: '<message type="result">done</message>' }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 1200,
          output_tokens: 300,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: cacheRead,
        },
      });
    }),
  );
}

function gateway(config: Config, mode: Mode, dir: string, at?: string) {
  return createGateway({
    config,
    mode,
    recordings: new RecordingStore(dir),
    baseURL: API,
    ...(mode === "replay" ? {} : { apiKey: "test-key" }),
    maxRetries: 0,
    ...(at ? { clock: () => new Date(at) } : {}),
  });
}

const call = (cacheRead: number) => ({
  tier: "sonnet",
  system: "You are a specialist.",
  messages: [{ role: "user" as const, content: `Fix it (cache ${cacheRead}).` }],
  maxTokens: 1024,
});
const context = { agent: "python-expert", caseId: "dated-prices", trial: 1 };

/** Sonnet 5.5 at 2 in / 10 out per MTok, and cacheRead per MTok. */
const sonnet = (cacheRead: number, rate: number) => 1200 * 2 + 300 * 10 + cacheRead * rate;

describe("dated prices: a call is priced at the rate in force on its recordedAt", () => {
  it("prices Sonnet 5.5 cache reads at $0.20 before 2026-10-07 and $0.10 from that day (UTC), recorded and replayed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dated-prices-"));
    answerWithCacheReads();
    // The last second of the old rate, then the first of the new one (UTC).
    const early = gateway(shippedConfig, "record", dir, "2026-10-06T23:59:59.000Z");
    const before = await early.call(call(800), context);
    early.flush();
    const late = gateway(shippedConfig, "record", dir, "2026-10-07T00:00:00.000Z");
    const after = await late.call(call(1000), context);
    late.flush();
    expect(before.provenance.recordedAt).toBe("2026-10-06T23:59:59.000Z");
    expect(before.costMicroUsd).toBe(sonnet(800, 0.2));
    expect(after.costMicroUsd).toBe(sonnet(1000, 0.1));

    server.resetHandlers(); // replay needs no network
    const replayer = gateway(shippedConfig, "replay", dir, "2030-01-01T00:00:00.000Z");
    const replayedBefore = await replayer.call(call(800), context);
    const replayedAfter = await replayer.call(call(1000), context);
    // The recording's date prices it, not the replay's clock.
    expect(replayedBefore.provenance.recordedAt).toBe("2026-10-06T23:59:59.000Z");
    expect(replayedBefore.usage.cacheReadTokens).toBe(800);
    expect(replayedBefore.costMicroUsd).toBe(5_560);
    expect(replayedAfter.provenance.recordedAt).toBe("2026-10-07T00:00:00.000Z");
    expect(replayedAfter.usage.cacheReadTokens).toBe(1000);
    expect(replayedAfter.costMicroUsd).toBe(5_500);
  });

  it("refuses to price a call dated before every `from` of its model, with what to do (never $0)", async () => {
    const config = parseConfig(
      `version: 1
tiers:
  sonnet: { model: claude-sonnet-5-5 }
prices:
  source: test
  retrieved: "2026-11-25"
  batchDiscount: 0.5
  models:
    claude-sonnet-5-5:
      - { from: "2026-10-07", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.10 }
      - { from: "2025-06-01", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.20 }
`,
      "orchestra.config.yaml",
    );
    const dir = mkdtempSync(join(tmpdir(), "dated-prices-early-"));
    answerWithCacheReads();
    const early = gateway(config, "live", dir, "2025-05-31T12:00:00.000Z").call(call(10), context);
    await expect(early).rejects.toThrow(PriceDateError);
    await expect(
      gateway(config, "live", dir, "2025-05-31T12:00:00.000Z").call(call(10), context),
    ).rejects.toThrow(
      'no price for model "claude-sonnet-5-5" on 2025-05-31: its earliest rate in orchestra.config.yaml (prices.models.claude-sonnet-5-5) is from 2025-06-01; add the rate in force on 2025-05-31 with an earlier `from`',
    );
    // The first day of the earliest rate is priced.
    const first = await gateway(config, "live", dir, "2025-06-01T00:00:00.000Z").call(call(10), context);
    expect(first.costMicroUsd).toBe(sonnet(10, 0.2));
  });
});

describe("the shipped recordings", () => {
  it("are all priced at each model's latest rate, the single rates the table had before it was dated", () => {
    const store = new RecordingStore(join(repoRoot, "fixtures/recordings"));
    const cases = readdirSync(store.dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => f.slice(0, -".jsonl".length));
    let n = 0;
    for (const id of cases)
      for (const r of store.recordingsOf(id)) {
        const { from: _from, ...rate } = rateAt(shippedConfig.prices, r.model, r.provenance.recordedAt);
        expect(rate, `${id} ${r.model} ${r.provenance.recordedAt}`).toEqual(
          shippedConfig.prices.models[r.model],
        );
        n++;
      }
    expect(n).toBeGreaterThan(1000);
  });
});

describe("dated prices in orchestra.config.yaml", () => {
  const config = (sonnet: string) => `version: 1
tiers:
  sonnet: { model: claude-sonnet-5-5 }
prices:
  source: test
  retrieved: "2026-11-25"
  batchDiscount: 0.5
  models:
    claude-sonnet-5-5:
${sonnet}`;
  const problemsOf = (text: string) => {
    try {
      parseConfig(text, "orchestra.config.yaml");
    } catch (err) {
      return (err as InputError).problems;
    }
    return [];
  };

  it("loads a dated list in any order, newest first, and keeps the single-object form as always in force", () => {
    const loaded = parseConfig(
      config(`      - { from: "2025-01-01", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 }
      - { from: 2026-10-07, input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 }
`),
      "c.yaml",
    );
    expect(loaded.prices.rates["claude-sonnet-5-5"]?.map((r) => [r.from, r.cacheRead])).toEqual([
      ["2026-10-07", 0.1],
      ["2025-01-01", 0.2],
    ]);
    // Price ratios (orchestra optimize) read the latest rate.
    expect(loaded.prices.models["claude-sonnet-5-5"]).toEqual({
      input: 2,
      output: 10,
      cacheWrite5m: 2.5,
      cacheWrite1h: 4,
      cacheRead: 0.1,
    });
    expect(shippedConfig.prices.rates["claude-opus-5-5"]?.map((r) => r.from)).toEqual([null]);
    expect(shippedConfig.prices.rates["claude-sonnet-5-5"]?.map((r) => [r.from, r.cacheRead])).toEqual([
      ["2026-10-07", 0.1],
      ["2025-01-01", 0.2],
    ]);
  });

  it("names the path, the line, what was expected and the fix of two rates with the same `from`", () => {
    const problems = problemsOf(
      config(`      - { from: "2026-10-07", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 }
      - { from: "2026-10-07", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 }
`),
    );
    expect(problems).toEqual([
      {
        file: "orchestra.config.yaml",
        line: 11,
        column: 17,
        field: "prices.models.claude-sonnet-5-5.1.from",
        message: "two rates of claude-sonnet-5-5 start on 2026-10-07 (entries 0 and 1)",
        expected: "a different `from` date for each rate of a model",
        fix: "keep one rate from 2026-10-07, or correct the `from` of the other",
      },
    ]);
  });

  it.each([
    ["10/07/2026", 'a date YYYY-MM-DD, e.g. "2026-10-07"'],
    ["2026-13-01", 'a date that exists on the calendar, YYYY-MM-DD, e.g. "2026-10-07"'],
  ])("names the path and line of a bad `from` (%s)", (from, message) => {
    const problems = problemsOf(
      config(`      - { from: "2026-10-07", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 }
      - { from: "${from}", input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 }
`),
    );
    expect(problems).toEqual([
      {
        file: "orchestra.config.yaml",
        line: 11,
        column: 17,
        field: "prices.models.claude-sonnet-5-5.1.from",
        message,
        expected: "the first day (UTC) the rate applies, YYYY-MM-DD",
        fix: 'write the day the rate took effect as YYYY-MM-DD, e.g. from: "2026-10-07"; an undated price is a single object instead of a list',
      },
    ]);
  });

  it("names the path of a dated rate without `from`", () => {
    const problems = problemsOf(
      config(`      - { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 }
`),
    );
    expect(problems).toMatchObject([
      {
        line: 10,
        field: "prices.models.claude-sonnet-5-5.0.from",
        expected: "string",
        fix: expect.stringContaining("YYYY-MM-DD"),
      },
    ]);
  });
});

describe("summary.json names the price table of the run", () => {
  it("gives source, retrieved, the digest and the `from` of the rates that priced each model; report.md one line", () => {
    const out = mkdtempSync(join(tmpdir(), "dated-prices-run-"));
    const run = orchestra(["run", "suites/core.yaml", "--filter", "core-sqli-review", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.prices).toEqual({
      source: shippedConfig.prices.source,
      retrieved: "2026-11-25",
      digest: priceTableDigest(shippedConfig.prices),
      models: expect.any(Object),
    });
    expect(summary.prices.digest).toMatch(/^[0-9a-f]{64}$/);
    const models = summary.prices.models as Record<string, string[]>;
    expect(Object.keys(models).length).toBeGreaterThan(0);
    // The shipped recordings date from 2026-11-25: Sonnet 5.5 at the rate of 2026-10-07, others undated.
    for (const [model, from] of Object.entries(models))
      expect(from, model).toEqual(model === "claude-sonnet-5-5" ? ["2026-10-07"] : ["always"]);
    const run2 = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(run2.prices.digest).toBe(summary.prices.digest);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain(
      `Prices: ${shippedConfig.prices.source}, retrieved 2026-11-25, digest ${summary.prices.digest.slice(0, 12)}; rates: `,
    );
  }, 60_000);
});
