import type { Workload } from "../config/index.js";
import type { Assignment } from "./evidence.js";
import type { Predictor } from "./predict.js";

export interface SearchAgent {
  name: string;
  role: string;
}

export interface SearchPolicy {
  /** Tiers a role may run on (absent: any). */
  roleTiers: Partial<Record<string, readonly string[]>>;
  /** How many agents each tier must hold (empty: any). */
  tierCounts: Record<string, number>;
}

export interface SearchOptions {
  agents: readonly SearchAgent[];
  /** The tiers, cheapest first. */
  tiers: readonly string[];
  /** The lowest predicted pass rate allowed (the baseline's, less the margin). */
  target: number;
  /** Keep the tier policy: only swaps that keep the tier counts, only tiers a role may use. */
  policy?: SearchPolicy;
  /**
   * Cases whose predicted pass chance may not fall below a floor (critical cases the baseline
   * passes): a candidate that trades one away for cost is no candidate, whatever the mean says.
   */
  protect?: readonly { index: number; min: number }[];
  /** Assignments to start from (the baseline, the owners'); the search keeps the best it reaches. */
  starts: readonly Assignment[];
  workload?: Workload;
}

export interface SearchResult {
  assignment: Assignment;
  passRate: number;
  /** Monthly cost under the workload when there is one, else the cost of a run. */
  cost: number;
  feasible: boolean;
  /** Assignments scored: the search is local, never the 3^47 of an enumeration. */
  evaluated: number;
}

/**
 * Per-case scores of one assignment, updated move by move: a move re-scores only the cases its
 * agents take part in, so a search over 47 agents scores thousands of assignments in milliseconds.
 */
class Scored {
  readonly pass: number[];
  readonly cost: number[];
  constructor(
    predictor: Predictor,
    readonly assignment: Assignment,
  ) {
    const n = predictor.evidence.cases.length;
    this.pass = new Array(n);
    this.cost = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = predictor.caseOf(i, assignment);
      this.pass[i] = p.pass;
      this.cost[i] = p.costMicro;
    }
  }
}

export function searchAssignment(predictor: Predictor, options: SearchOptions): SearchResult {
  const cases = predictor.evidence.cases;
  const n = cases.length || 1;
  // The objective: the monthly bill (each suite's mean case cost times its tasks a month), else a run's cost.
  const weight = cases.map((c) => {
    if (!options.workload) return 1;
    const inSuite = cases.filter((x) => x.suite === c.suite).length;
    return (options.workload.perMonth[c.suite] ?? 0) / Math.max(1, inSuite);
  });
  let evaluated = 0;
  const floor = new Map((options.protect ?? []).map((p) => [p.index, p.min]));
  /** How far a case's pass chance is below its floor (0 when unprotected or above it). */
  const shortOf = (i: number, pass: number) => Math.max(0, (floor.get(i) ?? 0) - pass - 1e-12);
  const allowed = (agent: SearchAgent) =>
    options.policy?.roleTiers[agent.role]?.filter((t) => options.tiers.includes(t)) ?? options.tiers;
  const counts =
    options.policy && Object.keys(options.policy.tierCounts).length > 0
      ? options.policy.tierCounts
      : undefined;

  const totals = (s: Scored) => {
    let pass = 0;
    let cost = 0;
    let short = 0;
    for (let i = 0; i < s.pass.length; i++) {
      pass += s.pass[i]!;
      cost += s.cost[i]! * weight[i]!;
      short += shortOf(i, s.pass[i]!);
    }
    return { pass: pass / n, cost: cost / 1e6, short };
  };
  /** The totals if `changes` were applied, and the per-case scores that change. */
  const tryMove = (
    s: Scored,
    base: { pass: number; cost: number; short: number },
    changes: [string, string][],
  ) => {
    evaluated++;
    const next = { ...s.assignment };
    for (const [a, t] of changes) next[a] = t;
    const touched = new Set<number>();
    for (const [a] of changes) for (const i of predictor.casesOf.get(a) ?? []) touched.add(i);
    let pass = base.pass * n;
    let cost = base.cost * 1e6;
    let short = base.short;
    const updates: [number, number, number][] = [];
    for (const i of touched) {
      const p = predictor.caseOf(i, next);
      pass += p.pass - s.pass[i]!;
      cost += (p.costMicro - s.cost[i]!) * weight[i]!;
      short += shortOf(i, p.pass) - shortOf(i, s.pass[i]!);
      updates.push([i, p.pass, p.costMicro]);
    }
    return { pass: pass / n, cost: cost / 1e6, short: Math.max(0, short), next, updates };
  };
  const apply = (s: Scored, move: ReturnType<typeof tryMove>) => {
    Object.assign(s.assignment, move.next);
    for (const [i, p, c] of move.updates) {
      s.pass[i] = p;
      s.cost[i] = c;
    }
  };
  /** Every move the mode allows: one agent to another tier, or (with tier counts) two agents swapping. */
  const moves = (s: Scored): [string, string][][] => {
    const out: [string, string][][] = [];
    if (counts) {
      for (let i = 0; i < options.agents.length; i++)
        for (let j = i + 1; j < options.agents.length; j++) {
          const a = options.agents[i]!;
          const b = options.agents[j]!;
          const ta = s.assignment[a.name]!;
          const tb = s.assignment[b.name]!;
          if (ta === tb || !allowed(a).includes(tb) || !allowed(b).includes(ta)) continue;
          out.push([
            [a.name, tb],
            [b.name, ta],
          ]);
        }
    } else {
      for (const a of options.agents)
        for (const t of allowed(a)) if (t !== s.assignment[a.name]) out.push([[a.name, t]]);
    }
    return out;
  };

  let best: SearchResult | undefined;
  for (const start of options.starts) {
    const s = new Scored(predictor, { ...start });
    let now = totals(s);
    // Reach the target first (and every protected case's floor): the move that gains the most
    // quality per dollar, until none gains. A protected case below its floor counts as n cases.
    while (now.pass < options.target - 1e-12 || now.short > 1e-12) {
      let pick: ReturnType<typeof tryMove> | undefined;
      let score = 0;
      for (const m of moves(s)) {
        const r = tryMove(s, now, m);
        const gain = r.pass - now.pass + (now.short - r.short);
        if (gain <= 1e-12) continue;
        const value = gain / Math.max(1e-9, r.cost - now.cost + 1e-6);
        if (!pick || value > score) {
          pick = r;
          score = value;
        }
      }
      if (!pick) break;
      apply(s, pick);
      now = { pass: pick.pass, cost: pick.cost, short: pick.short };
    }
    // Then save: the move that saves the most while the target holds, until none saves.
    for (;;) {
      let pick: ReturnType<typeof tryMove> | undefined;
      for (const m of moves(s)) {
        const r = tryMove(s, now, m);
        if (r.pass < options.target - 1e-12 || r.short > now.short + 1e-12 || r.cost >= now.cost - 1e-9)
          continue;
        if (!pick || r.cost < pick.cost || (r.cost === pick.cost && r.pass > pick.pass)) pick = r;
      }
      if (!pick) break;
      apply(s, pick);
      now = { pass: pick.pass, cost: pick.cost, short: pick.short };
    }
    const feasible = now.pass >= options.target - 1e-12 && now.short <= 1e-12;
    const result = {
      assignment: { ...s.assignment },
      passRate: now.pass,
      cost: now.cost,
      feasible,
      evaluated: 0,
    };
    if (
      !best ||
      (feasible && !best.feasible) ||
      (feasible === best.feasible && (feasible ? result.cost < best.cost : result.passRate > best.passRate))
    )
      best = result;
  }
  if (!best) throw new Error("searchAssignment needs at least one start");
  return { ...best, evaluated };
}
