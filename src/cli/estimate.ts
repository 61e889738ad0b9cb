import type { Config } from "../config/index.js";
import { type CostEstimate, estimateRunCost, type Mode, RecordingStore } from "../models/index.js";
import type { LoadedCase } from "../suite/index.js";
import { UsageError } from "./exit.js";
import type { Output } from "./output.js";

const usd = (x: number) => `$${x.toFixed(4)}`;

/** What a record or live run of these cases under each profile would cost, from the recordings. */
export function estimatesFor(p: {
  config: Config;
  recordings: string;
  cases: readonly LoadedCase[];
  trials: number | null;
  profiles: readonly string[];
  judgeTrials?: number | null;
}): CostEstimate[] {
  const store = new RecordingStore(p.recordings);
  const planned = p.cases.map((c) => ({ id: c.id, suite: c.suite, trials: c.trials ?? p.trials ?? 1 }));
  return p.profiles.map((profile) =>
    estimateRunCost({
      cases: planned,
      profile,
      store,
      config: p.config,
      ...(p.judgeTrials == null ? {} : { judgeTrials: p.judgeTrials }),
    }),
  );
}

/** One line per profile: the point estimate, its range, by tier, and what it stands on. */
export function estimateLine(e: CostEstimate): string {
  return `estimate for ${e.profile}, ${e.trials} trial(s): ${usd(e.costUsd.point)} (range ${usd(e.costUsd.low)} to ${usd(e.costUsd.high)})${e.unknown ? `, and ${e.unknown} trial(s) nothing could price` : ""}; by tier: ${
    Object.entries(e.byTierUsd)
      .map(([t, x]) => `${t} ${usd(x)}`)
      .join(", ") || "n/a"
  }. ${e.basis}.`;
}

/**
 * `--budget-usd`: a replay spends nothing; a run with trials nothing could price cannot be bounded;
 * a run whose upper estimate is above the budget does not start. Throws a UsageError saying which.
 */
export function checkBudget(mode: Mode, budget: number, estimates: readonly CostEstimate[]): void {
  if (mode === "replay")
    throw new UsageError(
      "--budget-usd guards what a run spends: a replay spends nothing (use it with --mode record or live)",
    );
  const unknown = estimates.reduce((n, e) => n + e.unknown, 0);
  if (unknown > 0)
    throw new UsageError(
      `--budget-usd ${budget}: ${unknown} planned trial(s) have no recording to price them, so the run's cost cannot be bounded; record a few cases of each suite first, or run without a budget`,
    );
  const high = estimates.reduce((n, e) => n + e.costUsd.high, 0);
  if (high > budget)
    throw new UsageError(
      `--budget-usd ${budget}: the run's upper estimate is ${usd(high)}, ${usd(high - budget)} over the budget; raise the budget or run fewer cases (--filter, --shard, --trials)`,
    );
}

/**
 * `--estimate` and `--budget-usd` of run, ab and certify: with `estimate`, prints the estimates
 * (JSON: one object for one profile, else the list) and says the command is done; with a budget,
 * prints them to stderr and refuses what the budget cannot cover (a UsageError).
 */
export function estimateOrGuard(p: {
  estimate: boolean | undefined;
  budgetUsd: number | undefined;
  mode: Mode;
  json: boolean | undefined;
  output: Output;
  plan: Parameters<typeof estimatesFor>[0];
}): "done" | "go" {
  if (!p.estimate && p.budgetUsd === undefined) return "go";
  const estimates = estimatesFor(p.plan);
  if (p.estimate) {
    p.output.out(
      p.json
        ? JSON.stringify(estimates.length === 1 ? estimates[0] : estimates, null, 2)
        : estimates.map(estimateLine).join("\n"),
    );
    return "done";
  }
  for (const e of estimates) p.output.err(estimateLine(e));
  checkBudget(p.mode, p.budgetUsd!, estimates);
  return "go";
}
