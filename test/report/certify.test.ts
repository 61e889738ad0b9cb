import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../../src/models/index.js";
import { compareRuns, evaluateGates, renderCertification, summarize } from "../../src/report/index.js";
import type { TrialResult } from "../../src/suite/index.js";
import { orchestra } from "../helpers/cli.js";
import { shippedConfig } from "../helpers/config.js";

const zero = { ...ZERO_USAGE };

function trial(
  id: string,
  profile: string,
  pass: boolean,
  costMicroUsd: number,
  extra: Partial<TrialResult> = {},
): TrialResult {
  const tier = profile === "all-sonnet" ? "sonnet" : "haiku";
  return {
    case: id,
    suite: id.startsWith("m") ? "mission" : "individual",
    title: id,
    critical: false,
    tags: [],
    trial: 1,
    profile,
    mode: "replay",
    verdict: pass ? "pass" : "fail",
    reason: pass ? null : "assertion failed",
    assertions: [],
    final: { type: "result" },
    trace: {
      agents: ["a"],
      messages: 2,
      calls: 1,
      maxDepth: 0,
      fallbacks: 0,
      escalations: 0,
      correctiveRetries: 0,
      agentMessages: 1,
      compliantMessages: 1,
      recoveredMessages: 0,
      deviations: {},
      deviationExamples: [],
      messageBytes: 10_000,
      markupBytes: 300,
      contextBytesBefore: 0,
      contextBytesAfter: 0,
    },
    calls: [
      {
        agent: "a",
        tier,
        model: `m-${tier}`,
        usage: zero,
        costMicroUsd,
        latencyMs: 1000,
        latencySource: "recorded",
        fellBack: false,
        escalation: false,
        corrective: false,
        source: "live",
      },
    ],
    usage: zero,
    costMicroUsd,
    judgeCostMicroUsd: 0,
    latencyMs: 1000,
    latencySource: "recorded",
    provenance: { live: 1, synthetic: 0, models: [`m-${tier}`] },
    durationMs: 1,
    tree: [],
    ...extra,
  };
}

/** 60 cases; B passes all A passes, costs 20% of A. */
function runs(n = 60, bFailures = 0) {
  const a = Array.from({ length: n }, (_, i) => trial(`${i < 20 ? "m" : "i"}${i}`, "all-sonnet", true, 1000));
  const b = Array.from({ length: n }, (_, i) =>
    trial(
      `${i < 20 ? "m" : "i"}${i}`,
      "three-tier",
      i >= bFailures,
      200,
      i === 5 ? { tags: ["security"] } : {},
    ),
  );
  return { a, b };
}

function gates(
  a: TrialResult[],
  b: TrialResult[],
  overrides: Partial<Parameters<typeof evaluateGates>[0]> = {},
) {
  const ab = compareRuns(a, b, { margin: 0.05, workload: shippedConfig.workload! });
  return evaluateGates({
    gates: shippedConfig.gates,
    agentProblems: 0,
    agentCount: 47,
    summary: summarize(b),
    results: b,
    ab,
    profile: "three-tier",
    baseline: "all-sonnet",
    ...overrides,
  });
}

const statusOf = (r: ReturnType<typeof evaluateGates>, id: string) =>
  r.gates.find((g) => g.id === id)?.status;

describe("readiness gates", () => {
  it("all pass on a run that meets every threshold", () => {
    const { a, b } = runs(600);
    const r = gates(a, b);
    expect(r.gates.filter((g) => g.status === "fail").map((g) => `${g.id}: ${g.measured}`)).toEqual([]);
    expect(r.ready).toBe(true);
  });

  it("a certification whose trials nearly all errored passes no gate on evidence it does not have", () => {
    const { a, b } = runs(600);
    // Every candidate trial errored before any reply; the baseline's cost stands alone.
    const errored = b.map((t) => ({
      ...t,
      verdict: "error" as const,
      reason: "outage: UNAVAILABLE",
      calls: [],
      costMicroUsd: 0,
      trace: { ...t.trace, agentMessages: 0, compliantMessages: 0, messageBytes: 0, markupBytes: 0 },
    }));
    const r = gates(a, errored);
    const measured = (id: string) => r.gates.find((g) => g.id === id)!;
    for (const id of [
      "compliance",
      "overhead",
      "pass-rate",
      "non-inferior",
      "cost-reduction",
      "fallbacks",
      "error-rate",
    ]) {
      expect(measured(id).status, id).toBe("fail");
    }
    expect(measured("compliance").measured).toBe("no evidence: 0 agent replies");
    expect(measured("overhead").measured).toBe("no evidence: 0 message bytes");
    expect(measured("cost-reduction").measured).toMatch(/^no evidence/);
    expect(measured("error-rate").measured).toMatch(/^600 of 600 trials \(100.0%\)/);
    expect(r.ready).toBe(false);
  });

  it("fails the pass rate when it stands on fewer scored cases than a certification needs", () => {
    const { a, b } = runs(600);
    const mostlyErrored = b.map((t, i) => (i >= 10 ? { ...t, verdict: "error" as const } : t));
    const g = gates(a, mostlyErrored).gates.find((x) => x.id === "pass-rate")!;
    expect(g.status).toBe("fail");
    expect(g.measured).toMatch(/on 10 of 600 cases \(the rest only errored\): too few to certify/);
  });

  it("fails the fallback gate on a fallback a case does not assert, not on one it does", () => {
    const { a, b } = runs(600);
    const fell = (t: TrialResult, asserted: boolean) => ({
      ...t,
      calls: t.calls.map((c) => ({ ...c, fellBack: true })),
      assertions: asserted ? [{ type: "fell-back", pass: true, reason: "" }] : [],
    });
    expect(
      statusOf(
        gates(
          a,
          b.map((t, i) => (i === 3 ? fell(t, true) : t)),
        ),
        "fallbacks",
      ),
    ).toBe("pass");
    expect(
      statusOf(
        gates(
          a,
          b.map((t, i) => (i === 3 ? fell(t, false) : t)),
        ),
        "fallbacks",
      ),
    ).toBe("fail");
  });

  it("the A/B leaves out cases a side only errored on, says how many, and an outage moves no figure", () => {
    const { a, b } = runs(100);
    const outage = b.map((t, i) => (i < 10 ? { ...t, verdict: "error" as const, costMicroUsd: 50 } : t));
    const clean = compareRuns(a.slice(10), b.slice(10), { margin: 0.05 });
    const ab = compareRuns(a, outage, { margin: 0.05 });
    expect(ab.errored).toHaveLength(10);
    expect(ab.pairedCases).toBe(90);
    expect(ab.passRate).toEqual(clean.passRate);
    expect(ab.costUsd).toEqual(clean.costUsd);
    expect(ab.basis).toBe("recorded");
    // The summary keeps the spend of the errored trials and leaves them out of the pass rate.
    const s = summarize(outage);
    expect(s.totals).toMatchObject({ errored: 10, scoredCases: 90, passRate: 1 });
    expect(s.totals.erroredCostUsd).toBeCloseTo(10 * 50e-6, 12);
  });

  it("refuses a partial run: the complete gate fails for either side", () => {
    const { a, b } = runs(600);
    const partial = { planned: 700, done: 600, reason: "interrupted" };
    expect(statusOf(gates(a, b, { summary: summarize(b, { partial }) }), "complete")).toBe("fail");
    expect(statusOf(gates(a, b, { baselinePartial: partial }), "complete")).toBe("fail");
    expect(statusOf(gates(a, b), "complete")).toBe("pass");
  });

  it("gives every gate numbers a script can compare, and a pass is always a number on the right side", () => {
    const compare = (v: number, c: string, t: number) =>
      c === ">=" ? v >= t : c === ">" ? v > t : c === "<=" ? v <= t : v < t;
    const { a, b } = runs(600);
    const worse = b.map((t, i) => (i < 40 ? { ...t, verdict: "fail" as const } : t));
    for (const r of [gates(a, b), gates(a, worse), gates(a, b, { agentProblems: 2 })]) {
      for (const g of r.gates) {
        expect(typeof g.threshold, g.id).toBe("number");
        expect(["ratio", "count", "usd"]).toContain(g.unit);
        if (g.status === "pass") {
          expect(g.value, g.id).not.toBeNull();
          expect(compare(g.value!, g.comparator, g.threshold), g.id).toBe(true);
        }
        if (g.value === null) expect(g.status, g.id).toBe("fail");
      }
    }
    const passRate = gates(a, worse).gates.find((g) => g.id === "pass-rate")!;
    expect(passRate).toMatchObject({
      value: 560 / 600,
      comparator: ">=",
      threshold: 0.95,
      unit: "ratio",
      status: "fail",
    });
  });

  it("each gate flips when its input crosses its threshold", () => {
    const { a, b } = runs(600);
    expect(statusOf(gates(a, b, { agentProblems: 1 }), "agent-tiers")).toBe("fail");
    const noncompliant = b.map((t, i) =>
      i === 0 ? { ...t, trace: { ...t.trace, compliantMessages: 0 } } : t,
    );
    expect(statusOf(gates(a, noncompliant), "compliance")).toBe("fail");
    const verbose = b.map((t) => ({ ...t, trace: { ...t.trace, markupBytes: 600 } }));
    expect(statusOf(gates(a, verbose), "overhead")).toBe("fail");
    const few = runs(49);
    expect(statusOf(gates(few.a, few.b), "case-count")).toBe("fail");
    const failing = runs(600, 31); // 31/600 fail: 94.8%
    expect(statusOf(gates(failing.a, failing.b), "pass-rate")).toBe("fail");
    expect(statusOf(gates(runs(600, 30).a, runs(600, 30).b), "pass-rate")).toBe("pass"); // 95.0%
    const critical = b.map((t, i) => (i === 0 ? { ...t, critical: true, verdict: "fail" as const } : t));
    expect(statusOf(gates(a, critical), "no-critical-failure")).toBe("fail");
    expect(statusOf(gates(failing.a, failing.b), "non-inferior")).toBe("fail");
    const expensive = b.map((t) => ({ ...t, costMicroUsd: 290 }));
    expect(statusOf(gates(a, expensive), "cost-reduction")).toBe("fail"); // 71%
    expect(
      statusOf(
        gates(
          a,
          b.map((t) => ({ ...t, costMicroUsd: 280 })),
        ),
        "cost-reduction",
      ),
    ).toBe("pass"); // 72%
    const insecure = b.map((t, i) => (i === 5 ? { ...t, verdict: "fail" as const } : t));
    expect(statusOf(gates(a, insecure), "security-cases")).toBe("fail");
    const synthetic = b.map((t) => ({
      ...t,
      calls: t.calls.map((c) => ({ ...c, source: "synthetic" as const })),
    }));
    expect(statusOf(gates(a, synthetic), "latency-per-tier")).toBe("fail");
  });
});

describe("monthly cost", () => {
  it("is the mean case cost of each suite times the workload, by hand", () => {
    const a = [
      trial("m1", "all-sonnet", true, 2_000_000),
      trial("m2", "all-sonnet", true, 4_000_000),
      trial("i1", "all-sonnet", true, 500_000),
    ];
    const b = [
      trial("m1", "three-tier", true, 1_000_000),
      trial("m2", "three-tier", true, 1_000_000),
      trial("i1", "three-tier", true, 100_000),
    ];
    const ab = compareRuns(a, b, {
      margin: 0.05,
      workload: { perMonth: { mission: 300, individual: 1200, coordinator: 400, edge: 0 } },
    });
    // A: missions mean $3 x 300 = $900, individual $0.50 x 1200 = $600, coordinator: no case -> $0
    expect(ab.monthlyCostUsd?.a).toBeCloseTo(1500, 9);
    // B: $1 x 300 + $0.10 x 1200 = $420
    expect(ab.monthlyCostUsd?.b).toBeCloseTo(420, 9);
    expect(ab.monthlyCostUsd?.reduction).toBeCloseTo(1 - 420 / 1500, 12);
    expect(ab.costUsd.reduction).toBeCloseTo(1 - 2.1 / 6.5, 12);
  });
});

describe("re-rendering", () => {
  it("gives byte-identical outputs from the same results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cert-"));
    const { a, b } = runs(60, 2);
    for (const [profile, rs] of [
      ["all-sonnet", a],
      ["three-tier", b],
    ] as const) {
      mkdirSync(join(dir, profile));
      writeFileSync(join(dir, profile, "results.jsonl"), `${rs.map((r) => JSON.stringify(r)).join("\n")}\n`);
    }
    writeFileSync(
      join(dir, "certification.json"),
      JSON.stringify({
        profile: "three-tier",
        baseline: "all-sonnet",
        agentCount: 47,
        agentProblems: 0,
        gates: shippedConfig.gates,
        workload: shippedConfig.workload,
      }),
    );
    await renderCertification(dir);
    const files = ["summary.json", "ab.json", "readiness.json", "report.md", "junit.xml", "results.jsonl"];
    const first = files.map((f) => readFileSync(join(dir, f), "utf8"));
    const copy = mkdtempSync(join(tmpdir(), "cert-copy-"));
    cpSync(dir, copy, { recursive: true });
    const { code } = orchestra(["report", copy]);
    expect(code).toBe(0);
    expect(files.map((f) => readFileSync(join(copy, f), "utf8"))).toEqual(first);
  });

  it("merges shard folders into the run the whole would have been", () => {
    const { b } = runs(30, 3);
    const dirs = [0, 1, 2].map((k) => {
      const d = mkdtempSync(join(tmpdir(), `shard-${k}-`));
      writeFileSync(
        join(d, "results.jsonl"),
        `${b
          .filter((_, i) => i % 3 === k)
          .map((r) => JSON.stringify(r))
          .join("\n")}\n`,
      );
      return d;
    });
    const whole = mkdtempSync(join(tmpdir(), "whole-"));
    writeFileSync(join(whole, "results.jsonl"), `${b.map((r) => JSON.stringify(r)).join("\n")}\n`);
    expect(orchestra(["report", whole]).code).toBe(0);
    const merged = join(mkdtempSync(join(tmpdir(), "merged-")), "out");
    expect(orchestra(["merge", ...dirs, "--out", merged]).code).toBe(0);
    expect(readFileSync(join(merged, "summary.json"), "utf8")).toBe(
      readFileSync(join(whole, "summary.json"), "utf8"),
    );
  });
});
