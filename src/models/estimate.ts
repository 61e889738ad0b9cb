import type { Config } from "../config/index.js";
import { costMicroUsd } from "./pricing.js";
import type { Recording } from "./recording.js";
import type { RecordingStore } from "./store.js";
import { fromApiUsage, type TokenUsage } from "./usage.js";

/** One planned case of a run to estimate: its suite and how many trials it will run. */
export interface PlannedCase {
  id: string;
  suite: string;
  trials: number;
}

export interface CostEstimate {
  profile: string;
  trials: number;
  /** Trials priced from their own recordings (the profile's take of the case), at today's rates. */
  recorded: number;
  /** Trials with no recording of their own, priced from the recorded cases of their suite (else of the run). */
  extrapolated: number;
  /** Trials nothing could price: no case of the profile is recorded. */
  unknown: number;
  /**
   * USD: the sum of the recorded trials plus, for the others, nothing (a case may call no model),
   * the mean and the dearest recorded case of their suite.
   */
  costUsd: { low: number; point: number; high: number };
  /** Point estimate by tier (the tier whose model or fallback answered the recorded calls). */
  byTierUsd: Record<string, number>;
  /** How the estimate was made, for people. */
  basis: string;
}

/** The usage of a recorded 200: from the JSON body, or from a stream's message_start and last message_delta. */
function usageOf(r: Recording): TokenUsage | undefined {
  const res = r.response;
  if (res.kind === "json" && res.status === 200)
    return fromApiUsage((res.body as { usage?: Parameters<typeof fromApiUsage>[0] }).usage);
  if (res.kind === "sse" && res.status === 200) {
    let start: Parameters<typeof fromApiUsage>[0] | undefined;
    let output: number | undefined;
    for (const e of res.events) {
      try {
        const data = JSON.parse(e.data) as {
          type?: string;
          message?: { usage?: Parameters<typeof fromApiUsage>[0] };
          usage?: { output_tokens?: number };
        };
        if (data.type === "message_start") start = data.message?.usage;
        if (data.type === "message_delta" && typeof data.usage?.output_tokens === "number")
          output = data.usage.output_tokens;
      } catch {
        // A cut stream's broken event prices nothing.
      }
    }
    const usage = fromApiUsage(start);
    return output === undefined ? usage : { ...usage, outputTokens: output };
  }
  return undefined;
}

/**
 * What a record or live run of these cases under `profile` would cost, calling no model: each
 * trial priced from the profile's own recording of its case (the same requests, today's rates;
 * trial 1's recording for a later trial not recorded), and trials with no recording of their own
 * from the recorded cases of their suite: the cheapest, the mean and the dearest. A live model may
 * answer otherwise (more calls after an escalation, longer answers): the range is the recordings',
 * not a bound on the API's bill.
 */
export function estimateRunCost(p: {
  cases: readonly PlannedCase[];
  profile: string;
  store: RecordingStore;
  config: Config;
  /** Repetitions of each rubric judge the run will ask for (recordings may hold more takes). */
  judgeTrials?: number;
}): CostEstimate {
  const judgeTrials = p.judgeTrials ?? 1;
  const tierOf = new Map<string, string>();
  for (const [tier, t] of Object.entries(p.config.tiers))
    for (const model of [t.model, ...(t.fallback ?? [])]) if (!tierOf.has(model)) tierOf.set(model, tier);
  const perCase = new Map<string, { byTrial: Map<number, number>; byTier: Map<string, number> }>();
  for (const c of p.cases) {
    const own = p.store
      .recordingsOf(c.id)
      .filter((r) => r.profile === p.profile && !(r.agent === "judge" && r.seq > judgeTrials));
    if (own.length === 0) continue;
    const byTrial = new Map<number, number>();
    const byTier = new Map<string, number>();
    for (const r of own) {
      const usage = usageOf(r);
      if (!usage) continue;
      const micro = costMicroUsd(p.config.prices, r.model, usage);
      byTrial.set(r.trial, (byTrial.get(r.trial) ?? 0) + micro);
      if (r.trial === 1) {
        const tier = tierOf.get(r.model) ?? "other";
        byTier.set(tier, (byTier.get(tier) ?? 0) + micro);
      }
    }
    perCase.set(c.id, { byTrial, byTier });
  }
  const costOf = (id: string, trial: number) => {
    const known = perCase.get(id)!;
    return known.byTrial.get(trial) ?? known.byTrial.get(1) ?? [...known.byTrial.values()][0] ?? 0;
  };
  const recordedOfSuite = (suite: string) =>
    p.cases.filter((c) => c.suite === suite && perCase.has(c.id)).map((c) => costOf(c.id, 1));
  const everyRecorded = p.cases.filter((c) => perCase.has(c.id)).map((c) => costOf(c.id, 1));
  let low = 0;
  let point = 0;
  let high = 0;
  let recorded = 0;
  let extrapolated = 0;
  let unknown = 0;
  const byTier = new Map<string, number>();
  for (const c of p.cases) {
    if (perCase.has(c.id)) {
      for (let t = 1; t <= c.trials; t++) {
        const micro = costOf(c.id, t);
        low += micro;
        point += micro;
        high += micro;
        recorded++;
      }
      for (const [tier, micro] of perCase.get(c.id)!.byTier)
        byTier.set(tier, (byTier.get(tier) ?? 0) + micro * c.trials);
      continue;
    }
    const pool = recordedOfSuite(c.suite).length ? recordedOfSuite(c.suite) : everyRecorded;
    if (pool.length === 0) {
      unknown += c.trials;
      continue;
    }
    const mean = pool.reduce((s, x) => s + x, 0) / pool.length;
    // Nothing recorded may mean nothing called (an input blocked before any model): low is 0.
    point += mean * c.trials;
    high += Math.max(...pool) * c.trials;
    extrapolated += c.trials;
  }
  const trials = p.cases.reduce((n, c) => n + c.trials, 0);
  return {
    profile: p.profile,
    trials,
    recorded,
    extrapolated,
    unknown,
    costUsd: { low: low / 1e6, point: point / 1e6, high: high / 1e6 },
    byTierUsd: Object.fromEntries([...byTier.entries()].sort().map(([t, m]) => [t, m / 1e6])),
    basis: `${recorded} trial(s) priced from their own recordings at today's rates, ${extrapolated} from the recorded cases of their suite (none to the dearest, the mean as the point), ${unknown} with nothing to price them`,
  };
}
