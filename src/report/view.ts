import type { TrialResult } from "../suite/index.js";
import type { AbReport, Basis } from "./ab.js";
import type { DiffReport } from "./diff.js";
import type { Readiness } from "./gates.js";
import { wilson } from "./stats.js";
import type { Summary } from "./summary.js";

/** Which command's report it is. */
export type ReportKind = "run" | "ab" | "certify" | "merge" | "diff" | "optimize";

/**
 * What the tier optimizer's report shows (orchestra optimize's OptimizeReport, which the optimizer
 * owns, fits it): every figure says whether it is measured, predicted or verified.
 */
export interface OptimizeView {
  baseline: { profile: string; passRate: number | null; monthlyCostUsd: number | null };
  margin: number;
  minReduction: number | null;
  mode: string;
  proposal: string | null;
  proposalReason: string;
  /** Critical cases the baseline passes, the search's floor. */
  protectedCases: string[];
  frontier: {
    name: string;
    kind: "measured" | "predicted" | "verified";
    passRate: number | null;
    ci95: [number, number] | null;
    monthlyCostUsd: number | null;
  }[];
  candidates: {
    name: string;
    mode: string;
    round: number;
    assignment: Record<string, string>;
    predicted: { passRate: number; monthlyCostUsd: number | null; reduction: number | null };
    verified: {
      passRate: number | null;
      ci95: [number, number] | null;
      verdict: string;
      monthlyCostUsd: number | null;
      reduction: number | null;
      errored: number;
      casesNeeded: number | null;
      criticalLost: string[];
      reductionAgainst: Record<string, number | null>;
    } | null;
  }[];
  drivers: { agent: string; tier: string; monthlyCostUsd: number; share: number }[];
  policyCost: { keepPolicy: number | null; freeRoles: number | null; difference: number | null };
  /** The agent files' own tiers (the owners' assignment). */
  owners: Record<string, string>;
}

/** One profile compared: its quality against its cost, a point of the frontier. */
export interface ProfilePoint {
  profile: string;
  basis: Basis;
  /** Pass rate over the paired scored cases (the A/B's), and its Wilson interval. */
  passRate: number | null;
  ci95: [number, number] | null;
  /** Mean cost of a run of the paired cases, and the monthly cost under the workload. */
  costUsd: number;
  monthlyCostUsd: number | null;
}

/**
 * Everything a report of any kind says, in one shape: every renderer (Markdown, HTML, the GitHub
 * step summary) draws from it, so they cannot disagree. Each kind fills what it has: a run its
 * summary and results, an A/B its comparison, a certification all of them and its readiness.
 */
export interface ReportView {
  kind: ReportKind;
  title: string;
  summary?: Summary;
  /** The trials behind the summary (the candidate's, for a certification): per-case table, trees. */
  results?: readonly TrialResult[];
  /** The baseline's trials (an A/B or a certification). */
  baselineResults?: readonly TrialResult[];
  ab?: AbReport;
  readiness?: Readiness;
  diff?: DiffReport;
  /** Cost against quality of every profile compared (the frontier). */
  profiles?: ProfilePoint[];
  optimize?: OptimizeView;
}

/** The two profiles of an A/B as points of the frontier. */
export function frontierOf(ab: AbReport): ProfilePoint[] {
  const n = ab.pairedCases;
  const point = (side: "a" | "b"): ProfilePoint => ({
    profile: ab[side],
    basis: ab.bases[side],
    passRate: n ? ab.passRate[side] : null,
    ci95: n ? wilson(ab.passRate[side] * n, n) : null,
    costUsd: ab.costUsd[side],
    monthlyCostUsd: ab.monthlyCostUsd ? ab.monthlyCostUsd[side] : null,
  });
  return [point("a"), point("b")];
}
