import type { Workload } from "../config/index.js";
import type { TrialResult } from "../suite/index.js";
import { pct, usd } from "./format.js";
import {
  casesNeeded,
  costReduction,
  mcnemarExact,
  type NiVerdict,
  niVerdict,
  type PairedTable,
  tangoInterval,
} from "./paired.js";
import type { SequentialAb } from "./sequential.js";
import { percentile } from "./stats.js";
import { compareTrials, type TrialsComparison } from "./trials.js";

export type Basis = "live" | "recorded" | "synthetic" | "none";

export interface AbReport {
  a: string;
  b: string;
  /** What the comparison stands on: the weaker basis of its two sides (synthetic < recorded < live). */
  basis: Basis;
  bases: { a: Basis; b: Basis };
  pairedCases: number;
  /** Cases present in one run only: left out of every paired number. */
  unpaired: string[];
  /** Cases left out because every trial of one side ended in error (an outage is not quality). */
  errored: string[];
  passRate: { a: number; b: number; diff: number; ci95: [number, number]; method: string };
  table: PairedTable | null;
  mcnemarP: number | null;
  margin: number;
  verdict: NiVerdict;
  casesNeeded: number | null;
  /**
   * With more than one trial per case: the Student-t interval's standard error and df, the clusters
   * it was computed over, the paired t test, the trials per case that would decide on these cases
   * (null: none would; more cases are needed), and the variance between and within cases.
   */
  trials: {
    perCase: number;
    se: number;
    df: number;
    clusters: number | null;
    test: TrialsComparison["test"];
    trialsNeeded: number | null;
    variance: { total: number; between: number; within: number };
  } | null;
  /** `orchestra ab --until-decided`: the confidence sequence's looks and where it decided. */
  sequential?: SequentialAb;
  costUsd: { a: number; b: number; reduction: number; ci95: [number, number] };
  monthlyCostUsd: { a: number; b: number; reduction: number; workload: string } | null;
  latencyMs: Record<
    string,
    {
      a: { n: number; p50: number | null; p95: number | null };
      b: { n: number; p50: number | null; p95: number | null };
    }
  >;
  byAgent: { agent: string; tierA: string; tierB: string; costUsdA: number; costUsdB: number }[];
  /** Cases whose verdict differs between A and B. */
  discordant: { case: string; a: number; b: number }[];
}

interface CaseShare {
  share: number;
  trials: number;
  passes: number;
  cluster?: string;
  cost: number;
  suite: string;
}

/**
 * Each case's pass share over its trials that were not errors: trials are collapsed per case
 * before any comparison. A case whose every trial errored has no share (`undefined`).
 */
function shares(results: readonly TrialResult[]): Map<string, CaseShare | undefined> {
  const byCase = new Map<string, TrialResult[]>();
  for (const r of results) {
    const list = byCase.get(r.case);
    if (list) list.push(r);
    else byCase.set(r.case, [r]);
  }
  const out = new Map<string, CaseShare | undefined>();
  for (const [id, all] of byCase) {
    const trials = all.filter((t) => t.verdict !== "error");
    out.set(
      id,
      trials.length === 0
        ? undefined
        : {
            share: trials.filter((t) => t.verdict === "pass").length / trials.length,
            trials: trials.length,
            passes: trials.filter((t) => t.verdict === "pass").length,
            ...(all[0]!.cluster === undefined ? {} : { cluster: all[0]!.cluster }),
            cost: trials.reduce((n, t) => n + t.costMicroUsd, 0) / trials.length,
            suite: all[0]!.suite,
          },
    );
  }
  return out;
}

/** The basis of one side: synthetic if any call was, recorded if replayed, else live. */
export function basisOf(results: readonly TrialResult[]): Basis {
  let calls = 0;
  let synthetic = 0;
  let recorded = 0;
  for (const r of results)
    for (const c of r.calls) {
      calls++;
      if (c.source === "synthetic") synthetic++;
      if (c.latencySource === "recorded") recorded++;
    }
  return calls === 0 ? "none" : synthetic > 0 ? "synthetic" : recorded > 0 ? "recorded" : "live";
}

const BASIS_ORDER: Basis[] = ["none", "synthetic", "recorded", "live"];

/**
 * The paired comparison of B against A on the cases both ran: the difference of pass rates with an
 * interval fit for paired data (Tango's score interval when every case has one trial; a paired CLT
 * interval on the per-case means otherwise), the exact McNemar test, the non-inferiority verdict
 * at the margin, and the cost reduction with a paired bootstrap interval.
 */
export function compareRuns(
  a: readonly TrialResult[],
  b: readonly TrialResult[],
  options: { margin: number; workload?: Workload; labels?: [string, string] },
): AbReport {
  const all = { a: shares(a), b: shares(b) };
  const both = [...all.a.keys()].filter((id) => all.b.has(id)).sort();
  const errored = both.filter((id) => !all.a.get(id) || !all.b.get(id));
  const paired = both.filter((id) => all.a.get(id) && all.b.get(id));
  const sa = new Map(paired.map((id) => [id, all.a.get(id)!]));
  const sb = new Map(paired.map((id) => [id, all.b.get(id)!]));
  const unpaired = [...new Set([...all.a.keys(), ...all.b.keys()])]
    .filter((id) => !(all.a.has(id) && all.b.has(id)))
    .sort();
  const n = paired.length;
  const xa = paired.map((id) => sa.get(id)!.share);
  const xb = paired.map((id) => sb.get(id)!.share);
  const pA = n ? xa.reduce((s, x) => s + x, 0) / n : 0;
  const pB = n ? xb.reduce((s, x) => s + x, 0) / n : 0;
  const binary = paired.every((id) => sa.get(id)!.trials === 1 && sb.get(id)!.trials === 1);
  let table: PairedTable | null = null;
  let trialsStats: TrialsComparison | null = null;
  let ci: [number, number];
  let method: string;
  if (binary) {
    table = { a: 0, b: 0, c: 0, d: 0 };
    paired.forEach((_, i) => {
      const [x, y] = [xa[i]!, xb[i]!];
      if (x && y) table!.a++;
      else if (x) table!.b++;
      else if (y) table!.c++;
      else table!.d++;
    });
    ci = n ? tangoInterval(table) : [-1, 1];
    method = "Tango score interval for paired proportions (95%, two-sided)";
  } else {
    // K > 1: per-case shares, a Student-t interval over cases (clustered when declared), §1-§2.
    trialsStats = compareTrials(
      paired.map((id) => {
        const x = sa.get(id)!;
        const y = sb.get(id)!;
        return {
          id,
          ...(x.cluster === undefined ? {} : { cluster: x.cluster }),
          a: { passes: x.passes, trials: x.trials },
          b: { passes: y.passes, trials: y.trials },
        };
      }),
      { margin: options.margin },
    );
    ci = trialsStats.ci95;
    method = trialsStats.method;
  }
  const pairs = paired.map((id) => ({ a: sa.get(id)!.cost, b: sb.get(id)!.cost }));
  const cost = costReduction(pairs);
  let monthly: AbReport["monthlyCostUsd"] = null;
  if (options.workload) {
    const perSuite = (s: Map<string, CaseShare>, suite: string) => {
      const own = paired.map((id) => s.get(id)!).filter((x) => x.suite === suite);
      return own.length ? own.reduce((t, x) => t + x.cost, 0) / own.length : 0;
    };
    let ma = 0;
    let mb = 0;
    for (const [suite, count] of Object.entries(options.workload.perMonth)) {
      ma += (perSuite(sa, suite) * count) / 1e6;
      mb += (perSuite(sb, suite) * count) / 1e6;
    }
    monthly = {
      a: ma,
      b: mb,
      reduction: ma > 0 ? 1 - mb / ma : 0,
      workload: options.workload.description ?? JSON.stringify(options.workload.perMonth),
    };
  }
  const latencyMs: AbReport["latencyMs"] = {};
  const tiers = [...new Set([...a, ...b].flatMap((r) => r.calls.map((c) => c.tier)))].sort();
  for (const tier of tiers) {
    const of = (rs: readonly TrialResult[]) =>
      rs.flatMap((r) => r.calls.filter((c) => c.tier === tier).map((c) => c.latencyMs));
    const la = of(a);
    const lb = of(b);
    latencyMs[tier] = {
      a: { n: la.length, p50: percentile(la, 0.5), p95: percentile(la, 0.95) },
      b: { n: lb.length, p50: percentile(lb, 0.5), p95: percentile(lb, 0.95) },
    };
  }
  const agents = [...new Set([...a, ...b].flatMap((r) => r.calls.map((c) => c.agent)))].sort();
  const byAgent = agents.map((agent) => {
    const calls = (rs: readonly TrialResult[]) => rs.flatMap((r) => r.calls.filter((c) => c.agent === agent));
    const ca = calls(a);
    const cb = calls(b);
    const tiersOf = (cs: typeof ca) => [...new Set(cs.map((c) => c.tier))].join("+") || "-";
    return {
      agent,
      tierA: tiersOf(ca),
      tierB: tiersOf(cb),
      costUsdA: ca.reduce((s, c) => s + c.costMicroUsd, 0) / 1e6,
      costUsdB: cb.reduce((s, c) => s + c.costMicroUsd, 0) / 1e6,
    };
  });
  const bases = { a: basisOf(a), b: basisOf(b) };
  const basis = BASIS_ORDER[Math.min(BASIS_ORDER.indexOf(bases.a), BASIS_ORDER.indexOf(bases.b))]!;
  return {
    a: options.labels?.[0] ?? a[0]?.profile ?? "A",
    b: options.labels?.[1] ?? b[0]?.profile ?? "B",
    basis,
    bases,
    pairedCases: n,
    unpaired,
    errored,
    passRate: { a: pA, b: pB, diff: pB - pA, ci95: ci, method },
    table,
    mcnemarP: table ? mcnemarExact(table) : null,
    margin: options.margin,
    verdict: n ? niVerdict(ci, options.margin) : "inconclusive",
    casesNeeded: table ? casesNeeded(table, options.margin) : (trialsStats?.casesNeeded ?? null),
    trials: trialsStats
      ? {
          perCase: trialsStats.variance.trialsPerCase,
          se: trialsStats.se,
          df: trialsStats.df,
          clusters: trialsStats.clusters,
          test: trialsStats.test,
          trialsNeeded: trialsStats.trialsNeeded,
          variance: {
            total: trialsStats.variance.total,
            between: trialsStats.variance.between,
            within: trialsStats.variance.within,
          },
        }
      : null,
    costUsd: {
      a: pairs.reduce((s, p) => s + p.a, 0) / 1e6,
      b: pairs.reduce((s, p) => s + p.b, 0) / 1e6,
      reduction: cost.reduction,
      ci95: cost.ci95,
    },
    monthlyCostUsd: monthly,
    latencyMs,
    byAgent,
    discordant: paired
      .filter((id) => sa.get(id)!.share !== sb.get(id)!.share)
      .map((id) => ({ case: id, a: sa.get(id)!.share, b: sb.get(id)!.share })),
  };
}

/** The banner of an A/B: what its two sides stand on. */
export function abBanner(ab: Pick<AbReport, "basis" | "bases" | "a" | "b">): string | undefined {
  if (ab.basis === "synthetic")
    return `> **SYNTHETIC BASIS.** ${ab.bases.a === "synthetic" ? ab.a : ab.b}${ab.bases.a === ab.bases.b ? ` and ${ab.b}` : ""} ran on synthetic recordings (the fake API or hand-written scenarios): this comparison demonstrates the harness and measures no Claude model.`;
  if (ab.basis === "recorded")
    return "> **Recorded basis.** Both sides replay live recordings; latencies are as recorded.";
  if (ab.basis === "none") return "> **NO EVIDENCE.** One side answered no model call.";
  return undefined;
}

/** Two decimals, with no "-0.00" for a value that rounds to zero. */
const signed2 = (x: number) => (Math.abs(x) < 0.005 ? 0 : x).toFixed(2);

export function renderAbMarkdown(ab: AbReport): string {
  const banner = abBanner(ab);
  const lines = [
    `## A/B: ${ab.b} (B) against ${ab.a} (A)`,
    "",
    ...(banner ? [banner, ""] : []),
    `Basis: A ${ab.bases.a}, B ${ab.bases.b}. Paired on ${ab.pairedCases} cases${ab.unpaired.length ? ` (${ab.unpaired.length} unpaired, left out: ${ab.unpaired.join(", ")})` : ""}${ab.errored.length ? `; ${ab.errored.length} case(s) left out because every trial of a side ended in error (an outage is not quality): ${ab.errored.join(", ")}` : ""}.`,
    "",
    "| | A | B | B - A |",
    "|---|---:|---:|---|",
    `| pass rate | ${pct(ab.passRate.a)} | ${pct(ab.passRate.b)} | ${pct(ab.passRate.diff)} [${pct(ab.passRate.ci95[0])}, ${pct(ab.passRate.ci95[1])}] |`,
    `| cost of the run | ${usd(ab.costUsd.a)} | ${usd(ab.costUsd.b)} | reduction ${pct(ab.costUsd.reduction)} [${pct(ab.costUsd.ci95[0])}, ${pct(ab.costUsd.ci95[1])}] |`,
  ];
  if (ab.monthlyCostUsd)
    lines.push(
      `| monthly cost (${ab.monthlyCostUsd.workload}) | ${usd(ab.monthlyCostUsd.a)} | ${usd(ab.monthlyCostUsd.b)} | reduction ${pct(ab.monthlyCostUsd.reduction)} |`,
    );
  lines.push(
    "",
    `- Interval: ${ab.passRate.method}.`,
    `- Non-inferiority at a ${pct(ab.margin)} margin: **${ab.verdict}** (non-inferior needs the lower bound above ${pct(-ab.margin)}).`,
  );
  if (ab.table)
    lines.push(
      `- Paired table: both pass ${ab.table.a}, only A ${ab.table.b}, only B ${ab.table.c}, both fail ${ab.table.d}; exact McNemar p = ${ab.mcnemarP?.toFixed(3)} (a test of any difference, not of non-inferiority).`,
    );
  if (ab.trials)
    lines.push(
      `- ${ab.trials.perCase.toFixed(ab.trials.perCase % 1 ? 1 : 0)} trials per case, collapsed to per-case shares; SE ${pct(ab.trials.se)} (df ${ab.trials.df}${ab.trials.clusters === null ? "" : `, clustered over ${ab.trials.clusters} clusters`}); ${ab.trials.test.method}: t = ${signed2(ab.trials.test.t)}, p = ${ab.trials.test.p.toFixed(3)}; non-inferiority p = ${ab.trials.test.niP.toFixed(3)}. Variance of the per-case difference ${ab.trials.variance.total.toFixed(4)}: between cases ${ab.trials.variance.between.toFixed(4)}, within a case ${ab.trials.variance.within.toFixed(4)} per trial.`,
      `- Trials per case that would decide on these ${ab.pairedCases} cases: ${ab.trials.trialsNeeded === null ? "none (the between-case variance alone keeps the interval wider than the margin: add cases)" : `about ${ab.trials.trialsNeeded}`}.`,
    );
  if (ab.verdict === "inconclusive" && ab.casesNeeded)
    lines.push(
      ab.table && ab.table.b + ab.table.c === 0
        ? `- No discordant pair in this run, so no pilot for the power analysis: the interval clears the margin from about ${ab.casesNeeded} paired cases if none appear (one-sided alpha 0.025); each discordant pair that does raises the number.`
        : `- A decision at 80% power would need about ${ab.casesNeeded} paired cases (one-sided alpha 0.025, true difference 0, ${ab.table ? "discordance" : "variance of the per-case difference"} from this run).`,
    );
  if (ab.discordant.length)
    lines.push(
      `- Cases that differ: ${ab.discordant.map((d) => `${d.case} (A ${pct(d.a)}, B ${pct(d.b)})`).join(", ")}.`,
    );
  lines.push("", "| agent | tier A | tier B | cost A | cost B |", "|---|---|---|---:|---:|");
  for (const row of ab.byAgent)
    if (row.tierA !== row.tierB || row.costUsdA !== row.costUsdB)
      lines.push(
        `| ${row.agent} | ${row.tierA} | ${row.tierB} | ${usd(row.costUsdA)} | ${usd(row.costUsdB)} |`,
      );
  lines.push("", "| tier | A calls | A p50 | B calls | B p50 |", "|---|---:|---:|---:|---:|");
  for (const [tier, l] of Object.entries(ab.latencyMs))
    lines.push(
      `| ${tier} | ${l.a.n} | ${l.a.p50 === null ? "n/a" : `${Math.round(l.a.p50)} ms`} | ${l.b.n} | ${l.b.p50 === null ? "n/a" : `${Math.round(l.b.p50)} ms`} |`,
    );
  return `${lines.join("\n")}\n`;
}
