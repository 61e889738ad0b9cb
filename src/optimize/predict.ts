import type { Workload } from "../config/index.js";
import type { Assignment, CaseEvidence, Evidence } from "./evidence.js";

export interface Prediction {
  /** Mean over cases of the predicted chance that the case passes. */
  passRate: number;
  /** Predicted cost of one run of the cases, USD. */
  costUsd: number;
  /** Predicted monthly cost under the workload, USD; null without a workload. */
  monthlyCostUsd: number | null;
  /** Cases whose prediction rests on an observed combination (the rest combine per-agent parts). */
  observedCases: number;
}

export interface PredictOptions {
  workload?: Workload;
  /** Cost of a call on `to` relative to `from` (price ratio of the tiers' models), for tiers never observed. */
  priceRatio: (from: string, to: string) => number;
}

/**
 * A cheap index over the evidence, so that the search can score thousands of assignments: the
 * pooled rate and cost of each agent on each tier, and the cases each agent takes part in.
 */
export class Predictor {
  private readonly pooled = new Map<string, { rate: number | null; costMicro: number | null }>();
  readonly casesOf = new Map<string, number[]>();

  constructor(
    readonly evidence: Evidence,
    private readonly options: PredictOptions,
  ) {
    for (const a of evidence.agents)
      this.pooled.set(`${a.agent}\0${a.tier}`, {
        rate: a.rate,
        costMicro: a.costPerTaskUsd === null ? null : a.costPerTaskUsd * 1e6,
      });
    evidence.cases.forEach((c, i) => {
      for (const a of c.agents) this.casesOf.set(a, [...(this.casesOf.get(a) ?? []), i]);
    });
  }

  /** The chance the agent's part of this case succeeds on `tier`: this case's own record, else the pooled rate. */
  partRate(c: CaseEvidence, agent: string, tier: string): number {
    const own = c.parts.get(agent)?.get(tier);
    if (own && own.trials > 0) return own.ok / own.trials;
    // No record of this agent on this tier anywhere is no credit: evidence, not hope.
    return this.pooled.get(`${agent}\0${tier}`)?.rate ?? 0;
  }

  partCostMicro(c: CaseEvidence, agent: string, tier: string): number {
    const own = c.parts.get(agent)?.get(tier);
    if (own && own.trials > 0) return own.costMicroUsd / own.trials;
    const pooled = this.pooled.get(`${agent}\0${tier}`)?.costMicro;
    if (pooled !== null && pooled !== undefined) return pooled;
    // Never on this tier: the cost of an observed tier, scaled by the tiers' prices.
    for (const [seen, p] of c.parts.get(agent) ?? [])
      if (p.trials > 0) return (p.costMicroUsd / p.trials) * this.options.priceRatio(seen, tier);
    return 0;
  }

  /** The predicted pass chance and cost of one case under the assignment. */
  caseOf(i: number, assignment: Assignment): { pass: number; costMicro: number; observed: boolean } {
    const c = this.evidence.cases[i]!;
    let costMicro = 0;
    for (const a of c.agents) costMicro += this.partCostMicro(c, a, assignment[a] ?? "?");
    if (c.failsEverywhere) return { pass: 0, costMicro, observed: true };
    const seen = c.observed.find((o) => c.agents.every((a) => o.tiers[a] === assignment[a]));
    if (seen) return { pass: seen.passShare, costMicro, observed: true };
    let pass = 1;
    for (const a of c.agents) pass *= this.partRate(c, a, assignment[a] ?? "?");
    return { pass, costMicro, observed: false };
  }

  predict(assignment: Assignment): Prediction {
    const n = this.evidence.cases.length;
    let pass = 0;
    let cost = 0;
    let observed = 0;
    const perSuite = new Map<string, { cost: number; n: number }>();
    this.evidence.cases.forEach((c, i) => {
      const p = this.caseOf(i, assignment);
      pass += p.pass;
      cost += p.costMicro;
      if (p.observed) observed++;
      const s = perSuite.get(c.suite) ?? { cost: 0, n: 0 };
      s.cost += p.costMicro;
      s.n += 1;
      perSuite.set(c.suite, s);
    });
    let monthly: number | null = null;
    if (this.options.workload) {
      monthly = 0;
      for (const [suite, count] of Object.entries(this.options.workload.perMonth)) {
        const s = perSuite.get(suite);
        if (s?.n) monthly += ((s.cost / s.n) * count) / 1e6;
      }
    }
    return {
      passRate: n ? pass / n : 0,
      costUsd: cost / 1e6,
      monthlyCostUsd: monthly,
      observedCases: observed,
    };
  }
}
