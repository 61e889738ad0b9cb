import type { TrialResult } from "../suite/index.js";
import { type Basis, basisOf } from "./ab.js";
import { pct, usd } from "./format.js";

/** What happened to a case between two runs. */
export const CASE_CHANGES = [
  "regressed",
  "fixed",
  "new",
  "gone",
  "errored",
  "still-failing",
  "unchanged",
] as const;
export type CaseChange = (typeof CASE_CHANGES)[number];

export interface CaseSide {
  /** Share of its trials that were not errors that passed; null when every trial errored. */
  passShare: number | null;
  trials: number;
  errored: number;
  costUsd: number;
  /** Mean end-to-end latency of its scored trials; null without any. */
  latencyMs: number | null;
  /** The first failing or erroring trial's reason. */
  reason: string | null;
}

export interface CaseDiff {
  case: string;
  suite: string;
  title: string;
  change: CaseChange;
  a: CaseSide | null;
  b: CaseSide | null;
  /** B - A, per trial on average; null when the case ran on one side only. */
  costDeltaUsd: number | null;
  latencyDeltaMs: number | null;
}

export interface DiffSide {
  label: string;
  profiles: string[];
  modes: string[];
  basis: Basis;
  cases: number;
  trials: number;
  costUsd: number;
}

export interface DiffReport {
  a: DiffSide;
  b: DiffSide;
  counts: Record<CaseChange, number>;
  /** Every case, the changes that matter first (regressed, fixed, new, gone, errored, still failing, unchanged). */
  cases: CaseDiff[];
  costDeltaUsd: number;
}

function sideOf(trials: readonly TrialResult[]): CaseSide {
  const scored = trials.filter((t) => t.verdict !== "error");
  const bad = trials.find((t) => t.verdict !== "pass");
  return {
    passShare: scored.length ? scored.filter((t) => t.verdict === "pass").length / scored.length : null,
    trials: trials.length,
    errored: trials.length - scored.length,
    costUsd: trials.reduce((n, t) => n + t.costMicroUsd, 0) / 1e6 / trials.length,
    latencyMs: scored.length ? scored.reduce((n, t) => n + t.latencyMs, 0) / scored.length : null,
    reason: bad?.reason ?? null,
  };
}

function byCase(results: readonly TrialResult[]): Map<string, TrialResult[]> {
  const out = new Map<string, TrialResult[]>();
  for (const r of results) {
    const list = out.get(r.case);
    if (list) list.push(r);
    else out.set(r.case, [r]);
  }
  return out;
}

function changeOf(a: CaseSide | null, b: CaseSide | null): CaseChange {
  if (!a) return "new";
  if (!b) return "gone";
  if (a.passShare === null || b.passShare === null)
    return a.passShare === b.passShare ? "unchanged" : "errored";
  if (b.passShare < a.passShare) return "regressed";
  if (b.passShare > a.passShare) return "fixed";
  return b.passShare < 1 ? "still-failing" : "unchanged";
}

/**
 * Two runs case by case: what regressed (a lower pass share), what was fixed, what is new or gone,
 * what only errored on a side (an outage is not a regression), with cost and latency deltas and
 * each side's basis. A run diffed with itself has nothing but unchanged and still-failing cases.
 */
export function diffRuns(
  a: readonly TrialResult[],
  b: readonly TrialResult[],
  labels: [string, string] = ["A", "B"],
): DiffReport {
  const ca = byCase(a);
  const cb = byCase(b);
  const ids = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  const cases: CaseDiff[] = ids.map((id) => {
    const ta = ca.get(id);
    const tb = cb.get(id);
    const first = (ta ?? tb)![0]!;
    const sa = ta ? sideOf(ta) : null;
    const sb = tb ? sideOf(tb) : null;
    return {
      case: id,
      suite: first.suite,
      title: first.title,
      change: changeOf(sa, sb),
      a: sa,
      b: sb,
      costDeltaUsd: sa && sb ? sb.costUsd - sa.costUsd : null,
      latencyDeltaMs: sa?.latencyMs != null && sb?.latencyMs != null ? sb.latencyMs - sa.latencyMs : null,
    };
  });
  const order = (c: CaseDiff) => CASE_CHANGES.indexOf(c.change);
  cases.sort((x, y) => order(x) - order(y) || x.case.localeCompare(y.case));
  const counts = Object.fromEntries(CASE_CHANGES.map((c) => [c, 0])) as Record<CaseChange, number>;
  for (const c of cases) counts[c.change]++;
  const side = (label: string, rs: readonly TrialResult[], per: Map<string, TrialResult[]>): DiffSide => ({
    label,
    profiles: [...new Set(rs.map((r) => r.profile))].sort(),
    modes: [...new Set(rs.map((r) => r.mode))].sort(),
    basis: basisOf(rs),
    cases: per.size,
    trials: rs.length,
    costUsd: rs.reduce((n, r) => n + r.costMicroUsd, 0) / 1e6,
  });
  const sa = side(labels[0], a, ca);
  const sb = side(labels[1], b, cb);
  return { a: sa, b: sb, counts, cases, costDeltaUsd: sb.costUsd - sa.costUsd };
}

const share = (s: CaseSide | null) => (s ? (s.passShare === null ? "error" : pct(s.passShare)) : "-");
const signed = (x: number | null, f: (v: number) => string) =>
  x === null ? "-" : `${x > 0 ? "+" : ""}${f(x)}`;

export function renderDiffMarkdown(d: DiffReport): string {
  const lines = [
    `## Diff: ${d.b.label} (B) against ${d.a.label} (A)`,
    "",
    `A: ${d.a.profiles.join(", ")} (${d.a.modes.join(", ")}), basis ${d.a.basis}, ${d.a.cases} cases, ${d.a.trials} trials, ${usd(d.a.costUsd)}.`,
    `B: ${d.b.profiles.join(", ")} (${d.b.modes.join(", ")}), basis ${d.b.basis}, ${d.b.cases} cases, ${d.b.trials} trials, ${usd(d.b.costUsd)} (${signed(d.costDeltaUsd, usd)}).`,
    "",
    `**${d.counts.regressed} regressed**, ${d.counts.fixed} fixed, ${d.counts.new} new, ${d.counts.gone} gone, ${d.counts.errored} errored on one side, ${d.counts["still-failing"]} still failing, ${d.counts.unchanged} unchanged.`,
    "",
  ];
  const shown = d.cases.filter((c) => c.change !== "unchanged");
  if (shown.length) {
    lines.push(
      "| change | case | A | B | cost B - A | latency B - A | reason (B) |",
      "|---|---|---:|---:|---:|---:|---|",
    );
    for (const c of shown)
      lines.push(
        `| ${c.change} | ${c.case} | ${share(c.a)} | ${share(c.b)} | ${signed(c.costDeltaUsd, usd)} | ${signed(c.latencyDeltaMs, (v) => `${Math.round(v)} ms`)} | ${(c.b?.reason ?? c.a?.reason ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 160)} |`,
      );
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}
