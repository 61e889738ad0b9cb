import type { Agent } from "../agents/index.js";
import type { Config } from "../config/index.js";
import { type AbReport, compareRuns, wilson } from "../report/index.js";
import type { TrialResult } from "../suite/index.js";
import { type AgentTierEvidence, type Assignment, type EvidenceRun, gatherEvidence } from "./evidence.js";
import { type Prediction, Predictor } from "./predict.js";
import { searchAssignment } from "./search.js";

export type PolicyMode = "keep-policy" | "free-roles";

export interface Verified {
  passRate: number | null;
  ci95: [number, number] | null;
  /** The non-inferiority verdict against the baseline at the margin (the A/B's). */
  verdict: AbReport["verdict"];
  monthlyCostUsd: number | null;
  reduction: number | null;
  /** The run folder the figures come from. */
  run: string;
  /** Trials that ended in error (a call no recording answered, an outage). */
  errored: number;
  basis: AbReport["basis"];
  /** Paired cases a non-inferiority decision would need at this discordance (the power analysis). */
  casesNeeded: number | null;
  /** Critical cases the candidate passed less often than the baseline did. */
  criticalLost: string[];
}

/** A verification as optimize.json keeps it: where its recordings are, and what had to be recorded. */
export interface VerifiedRun extends Verified {
  /** The recordings folder the verifying replay read (`orchestra ab --recordings` gives the same figures). */
  recordings: string;
  /** Cases the recordings missed and that were recorded for it: against the fake API's scenarios or the API. */
  filled: { cases: number; via: "fake-api" | "api"; costUsd: number; skipped: string[] } | null;
  /** The verified monthly reduction (else per run) against each evidence profile's run. */
  reductionAgainst: Record<string, number | null>;
}

export interface Candidate {
  name: string;
  mode: PolicyMode;
  /** The search round that proposed it: round 1 learns from the profiles' runs, each later round also from the candidates verified before it. */
  round: number;
  assignment: Assignment;
  predicted: { passRate: number; monthlyCostUsd: number | null; reduction: number | null; costUsd: number };
  verified: VerifiedRun | null;
}

export interface FrontierPoint {
  name: string;
  /** measured: a profile's own run; predicted: the optimizer's estimate; verified: a candidate's run. */
  kind: "measured" | "predicted" | "verified";
  passRate: number | null;
  ci95: [number, number] | null;
  monthlyCostUsd: number | null;
}

export interface Sensitivity {
  agent: string;
  tier: string;
  /** Moving the agent one tier down or up from the proposal: the change of monthly cost and predicted quality. */
  down: { tier: string; monthlyCostUsd: number; passRate: number } | null;
  up: { tier: string; monthlyCostUsd: number; passRate: number } | null;
}

/** optimize.json (contract). Every figure is labelled: `predicted` is the model's, `verified` a run's. */
export interface OptimizeReport {
  baseline: { profile: string; passRate: number | null; monthlyCostUsd: number | null; costUsd: number };
  /** The evidence profile that runs every agent on its file's tier (the owners' assignment), if any. */
  ownersProfile: string | null;
  margin: number;
  minReduction: number | null;
  mode: PolicyMode;
  /** The lowest predicted pass rate a candidate may have: the baseline's less the margin. */
  target: number | null;
  evidence: {
    profiles: string[];
    /** Every run learned from; `candidate` marks an earlier round's candidate run (a refinement). */
    runs: { profile: string; trials: number; cases: number; run: string; candidate: boolean }[];
  };
  /** Search rounds run: a candidate that misses the margin when verified teaches the next round. */
  rounds: number;
  /** What each agent's part of a case did on each tier, pooled over the cases it took part in. */
  agents: AgentTierEvidence[];
  candidates: Candidate[];
  proposal: string | null;
  proposalReason: string;
  frontier: FrontierPoint[];
  sensitivity: Sensitivity[];
  /** The monthly cost of the tier policy: the best keep-policy candidate against the best free one. */
  policyCost: { keepPolicy: number | null; freeRoles: number | null; difference: number | null };
  /** The agents that drive the proposal's cost, most first. */
  drivers: { agent: string; tier: string; monthlyCostUsd: number; share: number }[];
  /** Critical cases the baseline passes, which no candidate may be predicted to pass less often (empty when lifted). */
  protectedCases: string[];
  /** Agents no case exercises: the evidence says nothing of them, and moving them costs nothing measurable. */
  unexercised: string[];
  /** Cases searched, assignments scored, and how long the search took. */
  search: { cases: number; agents: number; evaluated: number; ms: number };
}

export interface OptimizeInput {
  config: Config;
  agents: readonly Agent[];
  /** `candidate`: an earlier round's verified candidate, evidence but no measured frontier point. */
  runs: readonly (EvidenceRun & { run: string; candidate?: boolean })[];
  baseline: string;
  /** The search round (1 unless refining); names the candidates after round 1 (`free-roles-r2`). */
  round?: number;
  margin: number;
  minReduction?: number;
  mode: PolicyMode;
  /**
   * Keep every critical case the baseline passes at least as likely to pass (default true): the
   * margin is about the mean, and certification fails on one critical case.
   */
  protectCritical?: boolean;
}

function shareRate(results: readonly TrialResult[]): number | null {
  const byCase = new Map<string, { n: number; pass: number }>();
  for (const r of results) {
    if (r.verdict === "error") continue;
    const e = byCase.get(r.case) ?? { n: 0, pass: 0 };
    e.n++;
    if (r.verdict === "pass") e.pass++;
    byCase.set(r.case, e);
  }
  if (byCase.size === 0) return null;
  return [...byCase.values()].reduce((s, e) => s + e.pass / e.n, 0) / byCase.size;
}

/** Tiers cheapest first: the escalation order of the config (haiku, sonnet, opus). */
export function tiersCheapestFirst(config: Config): string[] {
  const order = config.orchestra.escalation.order.filter((t) => t in config.tiers);
  return [...order, ...Object.keys(config.tiers).filter((t) => !order.includes(t))];
}

/**
 * The search for the cheapest assignment within the margin, on the evidence of several runs:
 * candidates for both policy modes, each with its predicted figures (verification is the caller's:
 * it runs the candidates and fills `verified`), the frontier, the sensitivity of the proposal-to-be
 * and what the policy costs.
 */
export function planOptimization(input: OptimizeInput): {
  report: OptimizeReport;
  predictor: Predictor;
  predict: (a: Assignment) => Prediction;
} {
  const { config } = input;
  const round = input.round ?? 1;
  const tiers = tiersCheapestFirst(config);
  const price = (tier: string) => {
    const p = config.prices.models[config.tiers[tier]?.model ?? ""];
    return p ? p.input + p.output : 1;
  };
  const evidence = gatherEvidence(input.runs);
  const predictor = new Predictor(evidence, {
    ...(config.workload ? { workload: config.workload } : {}),
    priceRatio: (from, to) => price(to) / Math.max(1e-9, price(from)),
  });
  const baselineRun = input.runs.find((r) => r.profile === input.baseline);
  const baselineMeasured = baselineRun ? predictor.predict(baselineRun.assignment) : undefined;
  const baselinePass = baselineRun ? shareRate(baselineRun.results) : null;
  const target = baselinePass === null ? null : baselinePass - input.margin;
  const objective = (p: Prediction) => p.monthlyCostUsd ?? p.costUsd;
  const reductionOf = (p: Prediction) => {
    if (!baselineMeasured) return null;
    const a = objective(baselineMeasured);
    return a > 0 ? 1 - objective(p) / a : null;
  };
  const owners: Assignment = Object.fromEntries(input.agents.map((a) => [a.name, a.tier]));
  const cheapest: Assignment = Object.fromEntries(input.agents.map((a) => [a.name, tiers[0]!]));
  const starts = [baselineRun?.assignment, owners].filter((a): a is Assignment => a !== undefined);
  // Critical cases the baseline passes keep the baseline's pass chance: the floor of the search.
  const protect =
    input.protectCritical === false || !baselineRun
      ? []
      : evidence.cases.flatMap((c, index) => {
          if (!c.critical) return [];
          const min = predictor.caseOf(index, baselineRun.assignment).pass;
          return min > 0 ? [{ index, min }] : [];
        });
  const started = performance.now();
  let evaluated = 0;
  const run = (mode: PolicyMode) => {
    const result = searchAssignment(predictor, {
      agents: input.agents.map((a) => ({ name: a.name, role: a.role })),
      tiers,
      target: target ?? 1,
      protect,
      ...(mode === "keep-policy"
        ? { policy: { roleTiers: config.policy.roleTiers, tierCounts: config.policy.tierCounts } }
        : {}),
      // The policy's tier counts hold only from the owners' own assignment; freed roles may start anywhere.
      starts: mode === "keep-policy" ? [owners] : [...starts, cheapest],
      ...(config.workload ? { workload: config.workload } : {}),
    });
    evaluated += result.evaluated;
    // Free roles: an agent no case exercises keeps its file's tier. The evidence neither prices nor
    // scores it, so whatever tier the search's start gave it would be a move with nothing behind it.
    if (mode === "free-roles")
      for (const a of input.agents) if (!predictor.casesOf.has(a.name)) result.assignment[a.name] = a.tier;
    const p = predictor.predict(result.assignment);
    const candidate: Candidate = {
      name: round === 1 ? mode : `${mode}-r${round}`,
      mode,
      round,
      assignment: result.assignment,
      predicted: {
        passRate: p.passRate,
        monthlyCostUsd: p.monthlyCostUsd,
        reduction: reductionOf(p),
        costUsd: p.costUsd,
      },
      verified: null,
    };
    return { candidate, feasible: result.feasible };
  };
  const policy = run("keep-policy");
  const free = run("free-roles");
  const ms = performance.now() - started;
  const chosen = input.mode === "keep-policy" ? policy : free;
  const other = input.mode === "keep-policy" ? free : policy;
  const candidates = [chosen.candidate, other.candidate];

  // Sensitivity of the chosen candidate: each agent one tier down and one up.
  const base = predictor.predict(chosen.candidate.assignment);
  const sensitivity: Sensitivity[] = input.agents.map((agent) => {
    const tier = chosen.candidate.assignment[agent.name]!;
    const at = tiers.indexOf(tier);
    const moved = (to: string | undefined) => {
      if (!to) return null;
      const p = predictor.predict({ ...chosen.candidate.assignment, [agent.name]: to });
      return {
        tier: to,
        monthlyCostUsd: objective(p) - objective(base),
        passRate: p.passRate - base.passRate,
      };
    };
    return { agent: agent.name, tier, down: moved(tiers[at - 1]), up: moved(tiers[at + 1]) };
  });
  // What drives the chosen candidate's cost: each agent's share of the monthly bill.
  const total = objective(base);
  const drivers = input.agents
    .map((agent) => {
      let own = 0;
      evidence.cases.forEach((c) => {
        if (!c.agents.includes(agent.name)) return;
        const inSuite = evidence.cases.filter((x) => x.suite === c.suite).length;
        const w = config.workload ? (config.workload.perMonth[c.suite] ?? 0) / inSuite : 1;
        own += (predictor.partCostMicro(c, agent.name, chosen.candidate.assignment[agent.name]!) * w) / 1e6;
      });
      return {
        agent: agent.name,
        tier: chosen.candidate.assignment[agent.name]!,
        monthlyCostUsd: own,
        share: own / Math.max(1e-12, total),
      };
    })
    .filter((d) => d.monthlyCostUsd > 0)
    .sort((a, b) => b.monthlyCostUsd - a.monthlyCostUsd)
    .slice(0, 10);
  // The measured points: each run paired with the baseline's, as `orchestra ab` pairs them.
  const measured = input.runs
    .filter((r) => !r.candidate)
    .map((r) => {
      const ab = baselineRun
        ? compareRuns(baselineRun.results, r.results, {
            margin: input.margin,
            ...(config.workload ? { workload: config.workload } : {}),
          })
        : undefined;
      const n = ab?.pairedCases ?? 0;
      return {
        name: r.profile,
        kind: "measured" as const,
        passRate: ab && n ? ab.passRate.b : shareRate(r.results),
        ci95: ab && n ? wilson(ab.passRate.b * n, n) : null,
        monthlyCostUsd: ab
          ? (ab.monthlyCostUsd?.b ?? ab.costUsd.b)
          : objective(predictor.predict(r.assignment)),
      };
    });
  const frontier: FrontierPoint[] = [
    ...measured,
    ...candidates.map((c) => ({
      name: c.name,
      kind: "predicted" as const,
      passRate: c.predicted.passRate,
      ci95: null,
      monthlyCostUsd: c.predicted.monthlyCostUsd ?? c.predicted.costUsd,
    })),
  ];
  const keepCost = policy.feasible ? objective(predictor.predict(policy.candidate.assignment)) : null;
  const freeCost = free.feasible ? objective(predictor.predict(free.candidate.assignment)) : null;
  const report: OptimizeReport = {
    baseline: {
      profile: input.baseline,
      passRate: baselinePass,
      monthlyCostUsd: config.workload
        ? (measured.find((m) => m.name === input.baseline)?.monthlyCostUsd ?? null)
        : null,
      costUsd: baselineMeasured?.costUsd ?? 0,
    },
    ownersProfile:
      input.runs
        .filter((r) => !r.candidate)
        .find((r) => input.agents.every((a) => r.assignment[a.name] === owners[a.name]))?.profile ?? null,
    margin: input.margin,
    minReduction: input.minReduction ?? null,
    mode: input.mode,
    target,
    evidence: {
      profiles: input.runs.filter((r) => !r.candidate).map((r) => r.profile),
      runs: input.runs.map((r) => ({
        profile: r.profile,
        trials: r.results.length,
        cases: new Set(r.results.map((t) => t.case)).size,
        run: r.run,
        candidate: r.candidate === true,
      })),
    },
    rounds: round,
    agents: evidence.agents,
    candidates,
    proposal: null,
    proposalReason: "not verified yet",
    frontier,
    sensitivity,
    policyCost: {
      keepPolicy: keepCost,
      freeRoles: freeCost,
      difference: keepCost !== null && freeCost !== null ? keepCost - freeCost : null,
    },
    drivers,
    protectedCases: protect.map((p) => evidence.cases[p.index]!.case),
    unexercised: input.agents.map((a) => a.name).filter((a) => !predictor.casesOf.has(a)),
    search: { cases: evidence.cases.length, agents: input.agents.length, evaluated, ms: Math.round(ms) },
  };
  return { report, predictor, predict: (a) => predictor.predict(a) };
}

/** A candidate's verified figures, from its run against the baseline's. */
export function verify(
  candidate: readonly TrialResult[],
  baseline: readonly TrialResult[],
  options: { margin: number; workload?: Config["workload"]; run: string; labels: [string, string] },
): Verified {
  const ab = compareRuns(baseline, candidate, {
    margin: options.margin,
    ...(options.workload ? { workload: options.workload } : {}),
    labels: options.labels,
  });
  const cases = new Set(candidate.filter((t) => t.verdict !== "error").map((t) => t.case)).size;
  const passRate = shareRate(candidate);
  const critical = [...new Set(candidate.filter((t) => t.critical).map((t) => t.case))].sort();
  const caseShare = (results: readonly TrialResult[], id: string) =>
    shareRate(results.filter((t) => t.case === id));
  const criticalLost = critical.filter((id) => {
    const was = caseShare(baseline, id);
    const now = caseShare(candidate, id);
    return was !== null && now !== null && now < was;
  });
  return {
    passRate,
    ci95: passRate === null || cases === 0 ? null : wilson(passRate * cases, cases),
    verdict: ab.verdict,
    monthlyCostUsd: ab.monthlyCostUsd?.b ?? null,
    reduction: ab.monthlyCostUsd?.reduction ?? ab.costUsd.reduction,
    run: options.run,
    errored: candidate.filter((t) => t.verdict === "error").length,
    basis: ab.bases.b,
    casesNeeded: ab.casesNeeded,
    criticalLost,
  };
}

/**
 * The proposal: the cheapest verified candidate (of the chosen mode) whose verified pass rate stays
 * within the margin of the baseline's, with no trial in error; or none, and why.
 */
export function choose(report: OptimizeReport): { proposal: string | null; reason: string } {
  const eligible = report.candidates.filter((c) => report.mode === "free-roles" || c.mode === "keep-policy");
  const verified = eligible.filter((c) => c.verified);
  if (verified.length === 0)
    return { proposal: null, reason: "no candidate was verified (no run answered its calls)" };
  const losesCritical = (c: Candidate) =>
    c.verified!.criticalLost.some((id) => report.protectedCases.includes(id));
  const ok = verified.filter(
    (c) =>
      c.verified!.errored === 0 &&
      !losesCritical(c) &&
      c.verified!.passRate !== null &&
      report.baseline.passRate !== null &&
      c.verified!.passRate >= report.baseline.passRate - report.margin,
  );
  if (ok.length === 0) {
    const errored = verified.reduce((n, c) => n + c.verified!.errored, 0);
    const best = Math.max(...verified.map((c) => c.verified!.passRate ?? 0));
    return {
      proposal: null,
      reason:
        errored > 0
          ? `the candidates' runs had trials in error (${errored}): they were not fully verified`
          : verified.every(losesCritical)
            ? `every verified candidate failed a critical case the baseline passes (${[...new Set(verified.flatMap((c) => c.verified!.criticalLost))].join(", ")})`
            : `no verified candidate stays within the margin of the baseline's pass rate (${verified.length} run over ${report.rounds} round(s); the best verified at ${(best * 100).toFixed(1)}%)`,
    };
  }
  const cost = (c: Candidate) => c.verified!.monthlyCostUsd ?? Number.POSITIVE_INFINITY;
  const best = [...ok].sort((a, b) => cost(a) - cost(b))[0]!;
  const v = best.verified!;
  const points = (x: number) => `${(x * 100).toFixed(1)}%`;
  const owners = report.ownersProfile;
  const saving = [
    v.reduction === null
      ? null
      : `${points(v.reduction)} a month against ${report.baseline.profile}${v.reduction < 0 ? ` (it costs more than ${report.baseline.profile})` : ""}`,
    owners && owners !== report.baseline.profile && typeof v.reductionAgainst[owners] === "number"
      ? `${points(v.reductionAgainst[owners]!)} against ${owners} (the owners' assignment)`
      : null,
  ].filter(Boolean);
  const short =
    report.minReduction !== null && (v.reduction ?? Number.NEGATIVE_INFINITY) < report.minReduction
      ? `, short of the ${points(report.minReduction)} target`
      : "";
  const decided =
    v.verdict === "non-inferior"
      ? `verified non-inferior within ${(report.margin * 100).toFixed(1)} points`
      : `verified within ${(report.margin * 100).toFixed(1)} points on the point estimate, but ${v.verdict} at this suite's size${v.casesNeeded ? ` (a decision needs about ${v.casesNeeded} paired cases)` : ""}`;
  return {
    proposal: best.name,
    reason: `${decided}; verified reduction ${saving.join(", ") || "n/a"}${short}`,
  };
}
