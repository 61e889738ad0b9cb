import { describe, expect, it } from "vitest";
import { type Candidate, choose, type OptimizeReport } from "../../src/optimize/index.js";

/** A verified candidate: only what choose() reads. */
const candidate = (name: string, monthly: number, criticalLost: string[]): Candidate => ({
  name,
  mode: "free-roles",
  round: 1,
  assignment: {},
  predicted: { passRate: 0.9, monthlyCostUsd: monthly, reduction: null, costUsd: monthly },
  verified: {
    passRate: 0.9,
    ci95: [0.8, 0.95],
    verdict: "inconclusive",
    monthlyCostUsd: monthly,
    reduction: 1 - monthly / 100,
    run: "r",
    errored: 0,
    basis: "synthetic",
    casesNeeded: 100,
    criticalLost,
    recordings: "rec",
    filled: null,
    reductionAgainst: {},
  },
});

const report = (candidates: Candidate[], protectedCases: string[]) =>
  ({
    baseline: { profile: "all-sonnet", passRate: 0.9, monthlyCostUsd: 100, costUsd: 1 },
    ownersProfile: null,
    margin: 0.05,
    minReduction: null,
    mode: "free-roles",
    rounds: 1,
    candidates,
    protectedCases,
  }) as unknown as OptimizeReport;

describe("choose: the proposal", () => {
  it("is never a candidate that failed, when run, a critical case the baseline passes", () => {
    const cheap = candidate("cheap", 30, ["mis-15"]);
    const safe = candidate("safe", 50, []);
    expect(choose(report([cheap, safe], ["mis-15"])).proposal).toBe("safe");
    // With the floor lifted (--allow-critical-loss: nothing protected), the cheaper one wins.
    expect(choose(report([cheap, safe], [])).proposal).toBe("cheap");
  });

  it("is none, naming the critical cases, when every candidate lost one", () => {
    const chosen = choose(report([candidate("cheap", 30, ["mis-15"])], ["mis-15"]));
    expect(chosen.proposal).toBeNull();
    expect(chosen.reason).toMatch(/failed a critical case the baseline passes \(mis-15\)/);
  });
});
