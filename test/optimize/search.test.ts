import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Assignment,
  type EvidenceRun,
  gatherEvidence,
  Predictor,
  searchAssignment,
} from "../../src/optimize/index.js";
import { PRICE, trial } from "../helpers/trials.js";

const TIERS = ["haiku", "sonnet", "opus"] as const;

const single = (agents: readonly string[], tier: string): Assignment =>
  Object.fromEntries(agents.map((a) => [a, tier]));

const priceRatio = (from: string, to: string) =>
  PRICE[to as keyof typeof PRICE] / PRICE[from as keyof typeof PRICE];

describe("evidence per agent and tier", () => {
  it("blames a mission's failure on the agent whose tier never passed it, narrowed by its own messages", () => {
    const agents = ["planner", "coder", "tester"];
    const runs: EvidenceRun[] = TIERS.map((tier) => ({
      profile: `all-${tier}`,
      assignment: single(agents, tier),
      results: [
        trial({
          case: "m-1",
          profile: `all-${tier}`,
          // On haiku the planner's reply cannot be read and the mission fails.
          verdict: tier === "haiku" ? "fail" : "pass",
          calls: agents.map((agent) => ({ agent, tier })),
          unread: tier === "haiku" ? ["planner"] : [],
        }),
      ],
    }));
    const evidence = gatherEvidence(runs);
    const rate = (agent: string, tier: string) =>
      evidence.agents.find((a) => a.agent === agent && a.tier === tier)!;
    // Every agent's haiku part never passed the case; only the planner's messages show trouble.
    expect(rate("planner", "haiku")).toMatchObject({ parts: 1, succeeded: 0, signals: { unreadReplies: 1 } });
    expect(rate("coder", "haiku")).toMatchObject({ parts: 1, succeeded: 1 });
    expect(rate("tester", "haiku")).toMatchObject({ parts: 1, succeeded: 1 });
    expect(rate("planner", "opus").rate).toBe(1);

    const predictor = new Predictor(evidence, { priceRatio });
    const search = searchAssignment(predictor, {
      agents: agents.map((name) => ({ name, role: "specialist" })),
      tiers: TIERS,
      target: 1,
      starts: [single(agents, "sonnet")],
    });
    expect(search.assignment).toEqual({ planner: "sonnet", coder: "haiku", tester: "haiku" });
    expect(search.feasible).toBe(true);
  });

  it("a failure under every profile teaches nothing about tiers and stays a failure", () => {
    const runs: EvidenceRun[] = TIERS.map((tier) => ({
      profile: `all-${tier}`,
      assignment: { a: tier },
      results: [
        trial({ case: "hard", profile: `all-${tier}`, verdict: "fail", calls: [{ agent: "a", tier }] }),
      ],
    }));
    const evidence = gatherEvidence(runs);
    expect(evidence.cases[0]!.failsEverywhere).toBe(true);
    expect(evidence.agents.every((a) => a.parts === 0 && a.rate === null)).toBe(true);
    const predictor = new Predictor(evidence, { priceRatio });
    expect(predictor.predict({ a: "opus" }).passRate).toBe(0);
  });

  it("a protected critical case is a floor: the margin may not be spent on it", () => {
    const runs: EvidenceRun[] = TIERS.map((tier) => ({
      profile: `all-${tier}`,
      assignment: { guard: tier, helper: tier },
      results: [
        // The critical case fails on haiku; the other passes on any tier.
        trial({
          case: "crit",
          suite: "individual",
          profile: `all-${tier}`,
          verdict: tier === "haiku" ? "fail" : "pass",
          calls: [{ agent: "guard", tier }],
          critical: true,
        }),
        trial({
          case: "other",
          suite: "individual",
          profile: `all-${tier}`,
          verdict: "pass",
          calls: [{ agent: "helper", tier }],
        }),
      ],
    }));
    const evidence = gatherEvidence(runs);
    const crit = evidence.cases.findIndex((c) => c.case === "crit");
    expect(evidence.cases.map((c) => c.critical)).toEqual(evidence.cases.map((c) => c.case === "crit"));
    const predictor = new Predictor(evidence, { priceRatio });
    const options = {
      agents: ["guard", "helper"].map((name) => ({ name, role: "specialist" })),
      tiers: TIERS,
      // A margin wide enough to give the critical case away.
      target: 0.5,
      starts: [{ guard: "sonnet", helper: "sonnet" }],
    };
    expect(searchAssignment(predictor, options).assignment).toEqual({ guard: "haiku", helper: "haiku" });
    const kept = searchAssignment(predictor, { ...options, protect: [{ index: crit, min: 1 }] });
    expect(kept.assignment).toEqual({ guard: "sonnet", helper: "haiku" });
    expect(kept.feasible).toBe(true);
    // From a start below the floor, the repair lifts the critical case first.
    const lifted = searchAssignment(predictor, {
      ...options,
      protect: [{ index: crit, min: 1 }],
      starts: [{ guard: "haiku", helper: "haiku" }],
    });
    expect(lifted.assignment.guard).toBe("sonnet");
  });

  it("an errored trial is no evidence of quality", () => {
    const runs: EvidenceRun[] = [
      {
        profile: "all-haiku",
        assignment: { a: "haiku" },
        results: [
          trial({
            case: "c",
            profile: "all-haiku",
            verdict: "error",
            calls: [{ agent: "a", tier: "haiku" }],
          }),
        ],
      },
    ];
    const evidence = gatherEvidence(runs);
    expect(evidence.agents).toEqual([]);
    expect(evidence.cases[0]!.observed).toEqual([]);
  });
});

/** Random evidence: agents with roles, cases of one to three agents, each agent's part failing on tiers below its own need. */
const evidenceArb = fc
  .record({
    agents: fc.integer({ min: 4, max: 12 }),
    needs: fc.array(fc.constantFrom(0, 1, 2), { minLength: 12, maxLength: 12 }),
    cases: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 3 }), {
      minLength: 3,
      maxLength: 20,
    }),
  })
  .map(({ agents, needs, cases }) => {
    const names = Array.from({ length: agents }, (_, i) => `agent-${i}`);
    const used = cases.map((c) => [...new Set(c.map((i) => names[i % agents]!))]);
    const runs: EvidenceRun[] = TIERS.map((tier, level) => ({
      profile: `all-${tier}`,
      assignment: single(names, tier),
      results: used.map((members, i) => {
        const failing = members.filter((m) => needs[names.indexOf(m)]! > level);
        return trial({
          case: `c-${i}`,
          profile: `all-${tier}`,
          verdict: failing.length ? "fail" : "pass",
          calls: members.map((agent) => ({ agent, tier })),
          against: failing,
        });
      }),
    }));
    return { names, runs };
  });

describe("the search", () => {
  it("with the tier policy kept, never leaves a role's tiers nor changes the tier counts", () => {
    fc.assert(
      fc.property(evidenceArb, fc.integer({ min: 0, max: 1000 }), ({ names, runs }, seed) => {
        const predictor = new Predictor(gatherEvidence(runs), { priceRatio });
        // A start that keeps the policy: the first agent is the orchestrator (opus only), the rest spread.
        const start: Assignment = Object.fromEntries(
          names.map((n, i) => [n, i === 0 ? "opus" : TIERS[(i + seed) % 3]!]),
        );
        const counts: Record<string, number> = {};
        for (const t of Object.values(start)) counts[t] = (counts[t] ?? 0) + 1;
        const result = searchAssignment(predictor, {
          agents: names.map((name, i) => ({ name, role: i === 0 ? "orchestrator" : "specialist" })),
          tiers: TIERS,
          target: 0.5,
          policy: { roleTiers: { orchestrator: ["opus"] }, tierCounts: counts },
          starts: [start],
        });
        const got: Record<string, number> = {};
        for (const t of Object.values(result.assignment)) got[t] = (got[t] ?? 0) + 1;
        expect(got).toEqual(counts);
        expect(result.assignment[names[0]!]).toBe("opus");
      }),
      { numRuns: 60 },
    );
  });

  it("free, it never ends above the cost of a start that met the target, nor below the target when it says feasible", () => {
    fc.assert(
      fc.property(evidenceArb, ({ names, runs }) => {
        const predictor = new Predictor(gatherEvidence(runs), { priceRatio });
        const start = single(names, "opus");
        const target = predictor.predict(start).passRate - 0.05;
        const result = searchAssignment(predictor, {
          agents: names.map((name) => ({ name, role: "specialist" })),
          tiers: TIERS,
          target,
          starts: [start],
        });
        expect(result.feasible).toBe(true);
        expect(predictor.predict(result.assignment).passRate).toBeGreaterThanOrEqual(target - 1e-9);
        expect(predictor.predict(result.assignment).costUsd).toBeLessThanOrEqual(
          predictor.predict(start).costUsd + 1e-12,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("with protected cases, a feasible result keeps every protected case at its floor", () => {
    fc.assert(
      fc.property(evidenceArb, fc.integer({ min: 0, max: 1000 }), ({ names, runs }, seed) => {
        const predictor = new Predictor(gatherEvidence(runs), { priceRatio });
        const start = single(names, "opus");
        const cases = predictor.evidence.cases;
        // Every third case (from a seeded offset) is protected at the pass chance it has on opus.
        const protect = cases
          .map((_, index) => ({ index, min: predictor.caseOf(index, start).pass }))
          .filter((p, i) => (i + seed) % 3 === 0 && p.min > 0);
        const result = searchAssignment(predictor, {
          agents: names.map((name) => ({ name, role: "specialist" })),
          tiers: TIERS,
          target: predictor.predict(start).passRate - 0.2,
          protect,
          starts: [start, single(names, "haiku")],
        });
        // The opus start meets every floor, so the search always can.
        expect(result.feasible).toBe(true);
        for (const p of protect)
          expect(predictor.caseOf(p.index, result.assignment).pass).toBeGreaterThanOrEqual(p.min - 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it("on 47 agents and 3 tiers scores a few thousand assignments, never the 3^47 of an enumeration", () => {
    const names = Array.from({ length: 47 }, (_, i) => `agent-${i}`);
    const runs: EvidenceRun[] = TIERS.map((tier, level) => ({
      profile: `all-${tier}`,
      assignment: single(names, tier),
      results: Array.from({ length: 60 }, (_, i) => {
        const members = [names[i % 47]!, names[(i * 7 + 3) % 47]!, names[(i * 13 + 5) % 47]!];
        const failing = members.filter((m) => names.indexOf(m) % 5 > level + 1);
        return trial({
          case: `c-${i}`,
          profile: `all-${tier}`,
          verdict: failing.length ? "fail" : "pass",
          calls: [...new Set(members)].map((agent) => ({ agent, tier })),
        });
      }),
    }));
    const predictor = new Predictor(gatherEvidence(runs), { priceRatio });
    const start = single(names, "sonnet");
    const result = searchAssignment(predictor, {
      agents: names.map((name) => ({ name, role: "specialist" })),
      tiers: TIERS,
      target: predictor.predict(start).passRate - 0.05,
      starts: [start, single(names, "haiku")],
    });
    expect(result.feasible).toBe(true);
    expect(result.evaluated).toBeLessThan(100_000);
    expect(predictor.predict(result.assignment).costUsd).toBeLessThan(predictor.predict(start).costUsd);
  });
});
