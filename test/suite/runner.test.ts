import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Mode, RecordingStore } from "../../src/models/index.js";
import { summarize } from "../../src/report/index.js";
import type { InputError } from "../../src/shared/problem.js";
import { loadSuites, parseResults, runSuite, selectCases } from "../../src/suite/index.js";
import { orchestra, repoRoot } from "../helpers/cli.js";
import { testAgents, testConfig } from "../helpers/orchestra.js";
import { reply, SCRIPTED_API, useScript } from "../helpers/scripted-api.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testConfig;
const agents = testAgents;
const suite = join(repoRoot, "test/fixtures/suites/mini.yaml");

const script = {
  "py-dev": [
    reply.result("Use a parameterized query.", {
      findings: [
        {
          severity: "critical",
          cwe: "CWE-89",
          file: "shop/views.py",
          line: "3",
          text: "q is concatenated into SQL.",
        },
      ],
    }),
  ],
  "backend-lead": [
    reply.plan([{ id: "t1", to: "py-dev", objective: "Write the python backend view." }]),
    reply.result("Done."),
  ],
};

function run(
  outDir: string,
  extra: Partial<Parameters<typeof runSuite>[0]> = {},
  mode: Mode = "live",
  recordings = mkdtempSync(join(tmpdir(), "rec-")),
) {
  const gateway = createGateway({
    config,
    mode,
    baseURL: SCRIPTED_API,
    apiKey: "t",
    recordings: new RecordingStore(recordings),
  });
  return runSuite({
    cases: loadSuites([suite]),
    config,
    agents,
    gateway,
    profile: "three-tier",
    mode,
    concurrency: 2,
    outDir,
    ...extra,
  });
}

describe("the suite runner", () => {
  it("runs each case, evaluates every assertion, and appends a result line per trial", async () => {
    useScript(server, script);
    const out = mkdtempSync(join(tmpdir(), "run-"));
    const outcome = await run(out);
    const byCase = Object.fromEntries(outcome.results.map((r) => [r.case, r]));
    expect(byCase["mini-sqli"]?.verdict, byCase["mini-sqli"]?.reason ?? "").toBe("pass");
    expect(byCase["mini-plan"]?.verdict, byCase["mini-plan"]?.reason ?? "").toBe("pass");
    expect(byCase["mini-blocked"]?.verdict, byCase["mini-blocked"]?.reason ?? "").toBe("pass");
    const lines = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(
      expect.arrayContaining([
        "case",
        "suite",
        "trial",
        "profile",
        "verdict",
        "assertions",
        "trace",
        "usage",
        "costMicroUsd",
        "latencyMs",
        "provenance",
      ]),
    );
  });

  it("fails a case with one readable reason per failed assertion", async () => {
    useScript(server, { ...script, "py-dev": [reply.result("Looks fine to me.")] });
    const outcome = await run(mkdtempSync(join(tmpdir(), "run-")), { filter: "mini-sqli" });
    const [result] = outcome.results;
    expect(result?.verdict).toBe("fail");
    expect(result?.reason).toBe(
      'finding: need 1 finding(s) matching critical CWE-89 shop/views.py, found 0 (no findings at all) | contains: "parameter" is not in the final message',
    );
  });

  it("marks a missing recording as an error naming the record command, and goes on", async () => {
    const outcome = await run(mkdtempSync(join(tmpdir(), "run-")), {}, "replay");
    const sqli = outcome.results.find((r) => r.case === "mini-sqli");
    expect(sqli?.verdict).toBe("error");
    expect(sqli?.reason).toContain("npx orchestra run --mode record --filter mini-sqli");
    expect(outcome.results.find((r) => r.case === "mini-blocked")?.verdict).toBe("pass");
  });

  it("resumes after a kill: keeps finished trials, drops a torn line, runs only the missing ones", async () => {
    useScript(server, script);
    const out = mkdtempSync(join(tmpdir(), "run-"));
    await run(out, { trials: 2, concurrency: 1 });
    const file = join(out, "results.jsonl");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(6);
    // Keep four complete lines and half of the fifth, as a kill -9 mid-write would.
    writeFileSync(file, `${lines.slice(0, 4).join("\n")}\n${lines[4]!.slice(0, 40)}`);
    const log = useScript(server, script);
    const outcome = await run(out, { trials: 2, concurrency: 1, resume: true });
    expect(outcome.resumed).toBe(4);
    const after = parseResults(readFileSync(file, "utf8"));
    expect(after.dropped).toBe(0);
    expect(after.results.map((r) => `${r.case}#${r.trial}`).sort()).toEqual([
      "mini-blocked#1",
      "mini-blocked#2",
      "mini-plan#1",
      "mini-plan#2",
      "mini-sqli#1",
      "mini-sqli#2",
    ]);
    expect(log.calls.length).toBeLessThanOrEqual(3); // only the two missing trials made calls
  });

  it("starts no trial once the spend reaches --budget-usd, ends partial and resumable", async () => {
    useScript(server, script);
    const out = mkdtempSync(join(tmpdir(), "run-budget-"));
    // One trial at a time: the first trial's cost already reaches a budget of one micro-dollar.
    const outcome = await run(out, { concurrency: 1, trials: 2, budgetUsd: 0.000001 });
    expect(outcome.stopped).toBe("budget");
    expect(outcome.results).toHaveLength(1);
    expect(outcome.planned).toBe(6);
    expect(outcome.spentUsd).toBeGreaterThan(0.000001);
    // Resumed with room to spend, it runs only what is missing.
    useScript(server, script);
    const rest = await run(out, { concurrency: 1, trials: 2, resume: true, budgetUsd: 10 });
    expect(rest.stopped).toBeUndefined();
    expect(rest.resumed).toBe(1);
    expect(rest.results).toHaveLength(6);
  });

  it("partitions cases into shards whose merged summary equals the unsharded one", async () => {
    useScript(server, script);
    const whole = await run(mkdtempSync(join(tmpdir(), "run-")));
    const cases = loadSuites([suite]);
    const shards = [1, 2, 3].map((index) =>
      selectCases(cases, undefined, { index, count: 3 }).map((c) => c.id),
    );
    expect(shards.flat().sort()).toEqual(cases.map((c) => c.id).sort());
    const parts = [];
    for (const index of [1, 2, 3]) {
      server.resetHandlers();
      useScript(server, script);
      parts.push(...(await run(mkdtempSync(join(tmpdir(), "run-")), { shard: { index, count: 3 } })).results);
    }
    const strip = (s: ReturnType<typeof summarize>) =>
      JSON.parse(JSON.stringify({ ...s, latencyPerCase: null, byTier: Object.keys(s.byTier) }));
    expect(strip(summarize(parts))).toEqual(strip(summarize(whole.results)));
  });
});

describe("suite files", () => {
  it("reports loader errors with file, line, column and schema path, and names the known assertions", () => {
    try {
      loadSuites([join(repoRoot, "test/fixtures/suites/broken.yaml")], repoRoot);
      expect.unreachable();
    } catch (err) {
      const problems = (err as InputError).problems;
      expect(problems[0]).toMatchObject({
        file: "test/fixtures/suites/broken.yaml",
        line: 9,
        field: "cases.0.expect.0.type",
        message: 'unknown assertion "contans"',
      });
      expect(problems[0]?.expected).toContain("contains, not-contains, regex");
    }
  });

  it("rejects duplicate ids across files", () => {
    const dir = mkdtempSync(join(tmpdir(), "dup-"));
    const text = readFileSync(suite, "utf8").replace(
      /file: files\//g,
      `file: ${join(repoRoot, "test/fixtures/suites/files")}/`,
    );
    writeFileSync(join(dir, "a.yaml"), text);
    writeFileSync(join(dir, "b.yaml"), text);
    expect(() => loadSuites([dir], dir)).toThrow(/duplicate case id "mini-sqli", also in a.yaml/);
  });

  it("exits 2 from the CLI with file:line:column for a malformed suite", () => {
    const { code, stderr } = orchestra(["run", "test/fixtures/suites/broken.yaml"]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'test/fixtures/suites/broken.yaml:9:17: cases.0.expect.0.type: unknown assertion "contans"',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("results.jsonl", () => {
  it("survives a torn last line and a blank line", () => {
    const dir = mkdtempSync(join(tmpdir(), "torn-"));
    const file = join(dir, "results.jsonl");
    writeFileSync(file, "");
    appendFileSync(file, '{"case": "x"');
    expect(parseResults(readFileSync(file, "utf8"))).toMatchObject({
      results: [],
      validBytes: 0,
      dropped: 1,
    });
  });
});
