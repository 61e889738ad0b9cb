import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, RecordingStore } from "../../src/models/index.js";
import { type MissionOutcome, runMission } from "../../src/orchestra/index.js";
import { ASSERTION_TYPES, AssertionSchema, evaluate } from "../../src/suite/index.js";
import { repoRoot } from "../helpers/cli.js";
import { testAgents, testConfig } from "../helpers/orchestra.js";
import { reply, SCRIPTED_API, useScript } from "../helpers/scripted-api.js";

const server = setupServer();
const config = testConfig;
const agents = testAgents;
let outcome: MissionOutcome;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  useScript(server, {
    lead: [
      reply.plan([{ id: "t1", to: "backend-lead", objective: "Fix the backend api query." }]),
      reply.result("Fixed with a parameterized query."),
    ],
    "backend-lead": [
      reply.plan([{ id: "t1", to: "sql-helper", objective: "Rewrite the sql query of shop/q.sql." }]),
      reply.result("Done."),
    ],
    "sql-helper": [
      reply.result("Unsure.", { confidence: "0.5" }),
      reply.result("Injection found.", {
        findings: [{ severity: "high", cwe: "CWE-89", file: "shop/q.sql", line: "1", text: "concatenation" }],
      }),
    ],
  });
  const gateway = createGateway({
    config,
    mode: "live",
    baseURL: SCRIPTED_API,
    apiKey: "t",
    recordings: new RecordingStore(mkdtempSync(join(tmpdir(), "a-"))),
  });
  outcome = await runMission(
    {
      text: "Fix the orders query.",
      context: [
        { kind: "file", path: "shop/q.sql", text: "SELECT * FROM t WHERE a = '' || :q;\n", trust: "trusted" },
      ],
    },
    { config, agents, gateway, profile: "three-tier", caseId: "assert", trial: 1 },
  );
});
afterAll(() => server.close());

/** For each assertion type: one input that passes on the trace above and one that fails. */
const table: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  contains: [{ value: "parameterized" }, { value: "nowhere to be found" }],
  "not-contains": [{ value: "nowhere to be found" }, { value: "parameterized" }],
  regex: [{ pattern: "param\\w+ query" }, { pattern: "^zzz$" }],
  "message-type": [{ value: "result" }, { value: "error" }],
  compliant: [{ min: 1 }, { min: 1.0, __breakCompliance: true }],
  finding: [{ severity: "high", cwe: "CWE-89", file: "shop/q.sql" }, { severity: "critical" }],
  "delegated-to": [{ agents: ["backend-lead", "sql-helper"], exact: true }, { agents: ["py-dev"] }],
  "not-delegated-to": [{ agents: ["py-dev"] }, { agents: ["sql-helper"] }],
  "fan-out": [
    { agent: "backend-lead", min: 1, max: 1 },
    { agent: "backend-lead", min: 2 },
  ],
  escalated: [{ agent: "sql-helper", toTier: "sonnet" }, { agent: "lead" }],
  "fell-back": [{ __skip: true }, {}],
  "tier-used": [
    { agent: "sql-helper", tier: "sonnet" },
    { agent: "sql-helper", tier: "haiku" },
  ],
  "max-calls": [{ value: 10 }, { value: 3 }],
  "max-depth": [{ value: 2 }, { value: 1 }],
  "no-cycle": [{}, { __skip: true }],
  "cost-below": [{ usd: 1 }, { usd: 0.0001 }],
  "tokens-below": [{ value: 1_000_000 }, { value: 10 }],
  "latency-below": [{ ms: 600_000 }, { ms: 0.0001 }],
  blocked: [{ __skip: true }, {}],
  "error-code": [{ __skip: true }, { value: "LIMIT_EXCEEDED" }],
  rubric: [{ __skip: true }, { criteria: "mentions the fix" }],
  javascript: [{ module: "files/check.mjs" }, { module: "files/missing.mjs" }],
};

describe("assertions", () => {
  it("has a pass and a fail case in this table for every registered type", () => {
    expect(Object.keys(table).sort()).toEqual([...ASSERTION_TYPES].sort());
  });

  for (const [type, [passing, failing]] of Object.entries(table)) {
    it(`${type}: passes and fails with a reason`, async () => {
      const dir = join(repoRoot, "test/fixtures/suites");
      if (!passing.__skip) {
        const ok = await evaluate(AssertionSchema.parse({ type, ...passing }), { outcome, dir });
        expect(ok.pass, ok.reason).toBe(true);
      }
      if (!failing.__skip && !failing.__breakCompliance) {
        const bad = await evaluate(AssertionSchema.parse({ type, ...failing }), { outcome, dir });
        expect(bad.pass, bad.reason).toBe(false);
        expect(bad.reason.length).toBeGreaterThan(5);
      }
    });
  }

  it("the sides the table skips: compliant, fell-back, no-cycle, blocked and error-code", async () => {
    const dir = ".";
    const check = async (input: Record<string, unknown>, o: MissionOutcome) =>
      evaluate(AssertionSchema.parse(input), { outcome: o, dir });
    const events = outcome.trace.events;
    const edited = (
      map: (e: (typeof events)[number]) => (typeof events)[number],
      extra: (typeof events)[number][] = [],
    ) => ({
      ...outcome,
      trace: { ...outcome.trace, events: [...events.map(map), ...extra] },
    });
    const noncompliant = edited((e) =>
      e.kind === "call" && e.reply.compliant ? { ...e, reply: { ...e.reply, compliant: false } } : e,
    );
    expect((await check({ type: "compliant" }, noncompliant)).pass).toBe(false);
    // No reply that could be read is no evidence: compliant fails even at min 0.
    const unread = edited((e) =>
      e.kind === "call" ? { ...e, reply: { ...e.reply, compliant: false, read: false } } : e,
    );
    const none = await check({ type: "compliant", min: 0 }, unread);
    expect(none).toMatchObject({ pass: false });
    expect(none.reason).toMatch(/no evidence/);
    const silent = edited((e) => e, []);
    silent.trace.events = silent.trace.events.filter((e) => e.kind !== "call");
    expect((await check({ type: "compliant", min: 0 }, silent)).reason).toMatch(
      /no evidence: no agent replied/,
    );
    const fellBack = edited((e) =>
      e.kind === "call" && e.agent === "lead"
        ? { ...e, fellBackFrom: [{ model: "claude-opus-5-5", reason: "529 overloaded_error" }] }
        : e,
    );
    expect(
      await check({ type: "fell-back", agent: "lead", from: "claude-opus-5-5" }, fellBack),
    ).toMatchObject({ pass: true });
    const cyclic = edited((e) =>
      e.kind === "message" && e.id === "m1/t1/t1" ? { ...e, to: "backend-lead" } : e,
    );
    expect(await check({ type: "no-cycle" }, cyclic)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/cycle through backend-lead/),
    });
    const blocked = edited(
      (e) => e,
      [
        { kind: "screening", seq: 99, target: "lead", verdict: "block", hits: [] },
        { kind: "error", seq: 100, agent: "lead", code: "BLOCKED_INPUT", detail: "x" },
      ],
    );
    expect((await check({ type: "blocked" }, blocked)).pass).toBe(true);
    expect((await check({ type: "error-code", value: "BLOCKED_INPUT" }, blocked)).pass).toBe(true);
  });

  it("finding counts a finding of the final answer once, though the final is also in the trace", async () => {
    const { parseMessage } = await import("../../src/protocol/index.js");
    const helperReply = outcome.trace.events
      .filter((e) => e.kind === "message" && e.from === "sql-helper" && e.type === "result")
      .at(-1);
    if (helperReply?.kind !== "message") throw new Error("the trace has no sql-helper result");
    const parsed = parseMessage(helperReply.xml);
    if (!parsed.ok) throw new Error("unparseable");
    const endsWithHelper = { ...outcome, final: parsed.message, finalXml: helperReply.xml };
    const check = (min: number) =>
      evaluate(AssertionSchema.parse({ type: "finding", cwe: "CWE-89", min }), {
        outcome: endsWithHelper,
        dir: ".",
      });
    expect((await check(1)).pass).toBe(true);
    expect(await check(2)).toMatchObject({ pass: false, reason: expect.stringMatching(/found 1/) });
  });

  it("delegated-to modes: includes, exact, subset and ordered", async () => {
    const check = async (extra: Record<string, unknown>) =>
      (await evaluate(AssertionSchema.parse({ type: "delegated-to", ...extra }), { outcome, dir: "." })).pass;
    // lead -> backend-lead -> sql-helper, in that order.
    expect(await check({ agents: ["backend-lead"] })).toBe(true);
    expect(await check({ agents: ["backend-lead"], mode: "exact" })).toBe(false);
    expect(await check({ agents: ["backend-lead", "sql-helper", "py-dev"], mode: "subset" })).toBe(true);
    expect(await check({ agents: ["backend-lead", "py-dev"], mode: "subset" })).toBe(false);
    expect(await check({ agents: ["backend-lead", "sql-helper"], mode: "ordered" })).toBe(true);
    const reversed = await evaluate(
      AssertionSchema.parse({
        type: "delegated-to",
        agents: ["sql-helper", "backend-lead"],
        mode: "ordered",
      }),
      { outcome, dir: "." },
    );
    expect(reversed).toMatchObject({
      pass: false,
      reason: expect.stringContaining("expected sql-helper → backend-lead"),
    });
    // `exact: true` is mode exact; a mode given decides.
    expect(await check({ agents: ["backend-lead", "sql-helper"], exact: true })).toBe(true);
    expect(await check({ agents: ["backend-lead"], exact: true, mode: "includes" })).toBe(true);
  });

  it("regex gives the same verdict every time, a global pattern included (compiled once, lastIndex reset)", async () => {
    const a = AssertionSchema.parse({ type: "regex", pattern: "param\\w+", flags: "g" });
    const first = await evaluate(a, { outcome, dir: "." });
    const second = await evaluate(a, { outcome, dir: "." });
    expect([first.pass, second.pass]).toEqual([true, true]);
    expect(second.reason).toBe(first.reason);
    const bad = AssertionSchema.parse({ type: "regex", pattern: "(" });
    expect((await evaluate(bad, { outcome, dir: "." })).reason).toMatch(/invalid pattern/);
    expect((await evaluate(bad, { outcome, dir: "." })).reason).toMatch(/invalid pattern/);
  });

  it("fan-out counts the tasks an agent hands out, and says to whom", async () => {
    const r = await evaluate(AssertionSchema.parse({ type: "fan-out", agent: "lead", max: 0 }), {
      outcome,
      dir: ".",
    });
    expect(r).toMatchObject({
      pass: false,
      reason: "lead handed out 1 task(s) (to backend-lead), expected at most 0",
    });
    const none = await evaluate(AssertionSchema.parse({ type: "fan-out", agent: "sql-helper", max: 0 }), {
      outcome,
      dir: ".",
    });
    expect(none.pass).toBe(true);
  });

  it("tier-used takes a list of tiers, any of which passes, and names them when none matched", async () => {
    const either = await evaluate(
      AssertionSchema.parse({ type: "tier-used", agent: "sql-helper", tier: ["sonnet", "opus"] }),
      { outcome, dir: "." },
    );
    expect(either.pass, either.reason).toBe(true);
    const neither = await evaluate(
      AssertionSchema.parse({ type: "tier-used", agent: "sql-helper", tier: ["haiku", "opus"] }),
      { outcome, dir: "." },
    );
    expect(neither).toMatchObject({ pass: false, reason: expect.stringContaining("expected haiku or opus") });
    expect(AssertionSchema.safeParse({ type: "tier-used", agent: "sql-helper", tier: [] }).success).toBe(
      false,
    );
  });

  it("latency-below refuses recorded latency unless the case allows it", async () => {
    const recorded = {
      ...outcome,
      trace: {
        ...outcome.trace,
        events: outcome.trace.events.map((e) =>
          e.kind === "call" ? { ...e, latencySource: "recorded" as const } : e,
        ),
      },
    };
    const refused = await evaluate(AssertionSchema.parse({ type: "latency-below", ms: 600_000 }), {
      outcome: recorded,
      dir: ".",
    });
    expect(refused).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/recorded \(replay\), not measured: refusing to pass/),
    });
    const allowed = await evaluate(
      AssertionSchema.parse({ type: "latency-below", ms: 600_000, allowRecorded: true }),
      { outcome: recorded, dir: "." },
    );
    expect(allowed.pass).toBe(true);
  });

  it("rubric asks a judge model, passes above the threshold and reports the judge's cost apart", async () => {
    const judge = async () => ({
      text: '{"score": 0.9, "reason": "names the fix"}',
      costMicroUsd: 1234,
      model: "claude-sonnet-test",
    });
    const graded = await evaluate(AssertionSchema.parse({ type: "rubric", criteria: "mentions the fix" }), {
      outcome,
      dir: ".",
      judge,
    });
    expect(graded).toMatchObject({
      pass: true,
      judgeCostMicroUsd: 1234,
      judge: { tier: "opus", models: ["claude-sonnet-test"], trials: 1, verdicts: [true], unstable: false },
    });
    expect(graded.error).toBeUndefined();
    const low = await evaluate(AssertionSchema.parse({ type: "rubric", criteria: "x", threshold: 0.95 }), {
      outcome,
      dir: ".",
      judge,
    });
    expect(low.pass).toBe(false);
    expect(low.error).toBeUndefined();
  });

  it("rubric cannot be evaluated when its judge errors or its reply is no score: error, naming the judge", async () => {
    const rubric = AssertionSchema.parse({ type: "rubric", criteria: "x", judge: "sonnet" });
    const failing = await evaluate(rubric, {
      outcome,
      dir: ".",
      judge: async () => {
        throw new Error("every model of tier sonnet failed for judge: claude-sonnet-test (529)");
      },
    });
    expect(failing).toMatchObject({
      pass: false,
      error: true,
      reason: expect.stringMatching(/^judge sonnet failed: /),
    });
    for (const text of ["I think it is fine.", '{"score": "high"}', '{"score": 7}']) {
      const unreadable = await evaluate(rubric, {
        outcome,
        dir: ".",
        judge: async () => ({ text, costMicroUsd: 10, model: "claude-sonnet-test" }),
      });
      expect(unreadable, text).toMatchObject({
        pass: false,
        error: true,
        judgeCostMicroUsd: 10,
        reason: expect.stringMatching(/^judge sonnet \(claude-sonnet-test\): its reply is not/),
      });
    }
    const none = await evaluate(rubric, { outcome, dir: "." });
    expect(none).toMatchObject({ error: true, reason: expect.stringContaining("judge sonnet") });
  });

  it("rubric with judgeTrials asks N times, takes the majority and reports agreement", async () => {
    const scores = [0.9, 0.4, 0.8];
    let n = 0;
    const judge = async () => ({
      text: JSON.stringify({ score: scores[n++], reason: "r" }),
      costMicroUsd: 100,
      model: "claude-sonnet-test",
    });
    const graded = await evaluate(AssertionSchema.parse({ type: "rubric", criteria: "x", judge: "sonnet" }), {
      outcome,
      dir: ".",
      judge,
      judgeTrials: 3,
    });
    expect(n).toBe(3);
    expect(graded).toMatchObject({
      pass: true,
      judgeCostMicroUsd: 300,
      judge: { trials: 3, verdicts: [true, false, true], scores, unstable: true },
    });
    expect(graded.judge?.agreement).toBeCloseTo(2 / 3, 10);
    expect(graded.reason).toMatch(/2\/3 pass, agreement 67%, UNSTABLE/);
  });
});
