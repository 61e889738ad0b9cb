import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orchestra } from "../helpers/cli.js";

describe("orchestra run --estimate and --budget-usd", () => {
  it("prices the planned trials from the recordings, calling no model, within range of what the run costs", () => {
    const est = orchestra(["run", "--estimate", "--profile", "three-tier", "--json"], {
      env: { ANTHROPIC_API_KEY: "" },
    });
    expect(est.code, est.stderr).toBe(0);
    const estimate = JSON.parse(est.stdout);
    expect(estimate).toMatchObject({ profile: "three-tier", trials: 58, unknown: 0 });
    expect(estimate.recorded + estimate.extrapolated).toBe(58);
    expect(Object.keys(estimate.byTierUsd).sort()).toEqual(["haiku", "opus", "sonnet"]);
    // The run the recordings replay: its model and judge cost lies within the stated range.
    const dir = mkdtempSync(join(tmpdir(), "estimate-"));
    orchestra(["run", "--profile", "three-tier", "--out", dir]);
    const results = readFileSync(join(dir, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const actual = results.reduce((n, r) => n + r.costMicroUsd + r.judgeCostMicroUsd, 0) / 1e6;
    expect(actual).toBeGreaterThanOrEqual(estimate.costUsd.low - 1e-9);
    expect(actual).toBeLessThanOrEqual(estimate.costUsd.high + 1e-9);
  });

  it("refuses to start a run whose upper estimate is above the budget, saying by how much", () => {
    const r = orchestra(["run", "--mode", "record", "--budget-usd", "1"], {
      env: { ANTHROPIC_API_KEY: "sk-test" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--budget-usd 1: the run's upper estimate is \$\d+\.\d{4}, \$\d+\.\d{4} over the budget/,
    );
  });

  it("says a replay spends nothing rather than taking a budget", () => {
    const r = orchestra(["run", "--budget-usd", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a replay spends nothing/);
  });

  it("refuses a budget it cannot bound: planned trials with nothing recorded to price them", () => {
    const empty = mkdtempSync(join(tmpdir(), "no-recordings-"));
    const r = orchestra(["run", "--mode", "record", "--budget-usd", "5", "--recordings", empty], {
      env: { ANTHROPIC_API_KEY: "sk-test" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/have no recording to price them/);
  });

  it("certify estimates both profiles' runs, and refuses a budget below their upper estimate", () => {
    const est = orchestra(["certify", "--estimate", "--json"]);
    expect(est.code, est.stderr).toBe(0);
    const estimates = JSON.parse(est.stdout);
    expect(estimates.map((e: { profile: string }) => e.profile)).toEqual(["all-sonnet", "three-tier"]);
    const r = orchestra(["certify", "--mode", "record", "--budget-usd", "2"], {
      env: { ANTHROPIC_API_KEY: "sk-test" },
    });
    expect(r.code).toBe(2);
    const high = estimates.reduce((n: number, e: { costUsd: { high: number } }) => n + e.costUsd.high, 0);
    expect(r.stderr).toContain(`the run's upper estimate is $${high.toFixed(4)}`);
  });

  it("ab estimates both profiles' runs, refuses a budget below them, and refuses run folders", () => {
    const est = orchestra(["ab", "--a", "all-sonnet", "--b", "three-tier", "--estimate", "--json"]);
    expect(est.code, est.stderr).toBe(0);
    expect(JSON.parse(est.stdout)).toHaveLength(2);
    const r = orchestra(
      ["ab", "--a", "all-sonnet", "--b", "three-tier", "--mode", "record", "--budget-usd", "3"],
      {
        env: { ANTHROPIC_API_KEY: "sk-test" },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/over the budget/);
    const folder = orchestra(["ab", "--a", "reports", "--b", "three-tier", "--estimate"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/is not a profile/);
  });
});
