import type { Gates } from "../config/index.js";
import type { TrialResult } from "../suite/index.js";
import type { AbReport } from "./ab.js";
import { pct } from "./format.js";
import { complianceText } from "./render.js";
import type { Summary } from "./summary.js";

/** How a gate's value is compared with its threshold. */
export type Comparator = ">=" | ">" | "<=" | "<";
/** ratio: a fraction (0.95 is 95%); count: a number of things; usd: dollars. */
export type GateUnit = "ratio" | "count" | "usd";

export interface Gate {
  id: string;
  title: string;
  status: "pass" | "fail";
  /** What was measured, for people. */
  measured: string;
  /** The number a script compares: null when there is no evidence (the gate then fails). */
  value: number | null;
  comparator: Comparator;
  /** The number the value is compared with. */
  threshold: number;
  unit: GateUnit;
  /** The threshold, for people. */
  thresholdText: string;
  evidence: string;
}

export interface Readiness {
  ready: boolean;
  basis: "synthetic" | "recorded" | "live" | "none";
  profile: string;
  baseline: string;
  gates: Gate[];
}

const NO_EVIDENCE = "no evidence";

/** One gate per owners' criterion (DESIGN.md, readiness.json), each with what was measured and where. */
export function evaluateGates(input: {
  gates: Gates;
  agentProblems: number;
  agentCount: number;
  summary: Summary;
  results: readonly TrialResult[];
  ab: AbReport;
  profile: string;
  baseline: string;
  /** The baseline run's partial (null: complete): a comparison with half a baseline is partial too. */
  baselinePartial?: Summary["partial"];
}): Readiness {
  const { gates, summary: s, ab } = input;
  const gate = (
    id: string,
    title: string,
    pass: boolean,
    measured: string,
    thresholdText: string,
    evidence: string,
    numeric: { value: number | null; comparator: Comparator; threshold: number; unit: GateUnit },
  ): Gate => ({
    id,
    title,
    status: pass ? "pass" : "fail",
    measured,
    value: numeric.value,
    comparator: numeric.comparator,
    threshold: numeric.threshold,
    unit: numeric.unit,
    thresholdText,
    evidence,
  });
  const security = input.results.filter(
    (r) =>
      r.tags.includes("security") ||
      (r.critical && /secur|inject|auth|secret|cve/i.test(`${r.case} ${r.title}`)),
  );
  const securityFailed = security.filter((r) => r.verdict !== "pass");
  const tiersWithLatency = Object.entries(s.byTier).filter(([, t]) => t.latencyMs.n > 0);
  const costReduction = ab.monthlyCostUsd?.reduction ?? ab.costUsd.reduction;
  // A side whose cost comes only from errored trials has no scored case to price: no evidence.
  const costEvidence = ab.pairedCases > 0 && ab.costUsd.a > 0 && ab.costUsd.b > 0;
  const calls = input.results.reduce((n, r) => n + r.calls.length, 0);
  const fallbackRate = calls > 0 ? s.routing.unexpectedFallbacks / calls : null;
  const errorRate = s.totals.trials > 0 ? s.totals.errored / s.totals.trials : null;
  const p = s.protocol;
  const shareOf = (part: Summary["partial"]) => (part ? part.done / Math.max(1, part.planned) : 1);
  const doneShare =
    s.totals.trials > 0 ? Math.min(shareOf(s.partial), shareOf(input.baselinePartial ?? null)) : null;
  const list: Gate[] = [
    gate(
      "agent-tiers",
      "All agents valid, tier policy holds",
      input.agentProblems === 0,
      `${input.agentCount} agents, ${input.agentProblems} problem(s)`,
      "0 problems",
      "orchestra agents",
      { value: input.agentProblems, comparator: "<=", threshold: 0, unit: "count" },
    ),
    gate(
      "complete",
      "Every planned trial ran",
      !s.partial && !input.baselinePartial && s.totals.trials > 0,
      [
        s.partial
          ? `${input.profile} partial: ${s.partial.done} of ${s.partial.planned} trials (${s.partial.reason})`
          : s.totals.trials > 0
            ? `${input.profile} ${s.totals.trials} of ${s.totals.trials} trials`
            : `${NO_EVIDENCE}: 0 trials`,
        input.baselinePartial
          ? `${input.baseline} partial: ${input.baselinePartial.done} of ${input.baselinePartial.planned} trials (${input.baselinePartial.reason})`
          : `${input.baseline} complete`,
      ].join("; "),
      "the whole plan, both profiles",
      "run.json of each profile; summary.json partial",
      { value: doneShare, comparator: ">=", threshold: 1, unit: "ratio" },
    ),
    gate(
      "compliance",
      "Protocol compliance (strict reading)",
      p.complianceRate !== null && p.complianceRate >= gates.complianceRate,
      complianceText(p),
      `>= ${pct(gates.complianceRate)} of replies strictly compliant`,
      `summary.json protocol${
        Object.keys(p.deviations).length
          ? `; deviations: ${Object.entries(p.deviations)
              .map(([k, n]) => `${k} ${n}`)
              .join(", ")}`
          : ""
      }`,
      { value: p.complianceRate, comparator: ">=", threshold: gates.complianceRate, unit: "ratio" },
    ),
    gate(
      "overhead",
      "Protocol overhead",
      p.overheadRatio !== null && p.overheadRatio < gates.maxOverheadRatio,
      p.overheadRatio === null ? `${NO_EVIDENCE}: 0 message bytes` : pct(p.overheadRatio),
      `< ${pct(gates.maxOverheadRatio)}`,
      "summary.json protocol.overheadRatio",
      { value: p.overheadRatio, comparator: "<", threshold: gates.maxOverheadRatio, unit: "ratio" },
    ),
    gate(
      "case-count",
      "Certification cases",
      s.totals.scoredCases >= gates.minCases,
      `${s.totals.scoredCases} cases scored${s.totals.cases > s.totals.scoredCases ? ` (${s.totals.cases - s.totals.scoredCases} more only errored)` : ""}`,
      `>= ${gates.minCases}`,
      "suites/",
      { value: s.totals.scoredCases, comparator: ">=", threshold: gates.minCases, unit: "count" },
    ),
    // A rate over a few scored cases, the rest errored, is not the suite's pass rate.
    gate(
      "pass-rate",
      "Pass rate",
      s.totals.passRate !== null &&
        s.totals.passRate >= gates.minPassRate &&
        s.totals.scoredCases >= gates.minCases,
      s.totals.passRate === null
        ? `${NO_EVIDENCE}: every trial errored`
        : `${pct(s.totals.passRate)} [${pct(s.totals.ci95?.[0])}, ${pct(s.totals.ci95?.[1])}]${s.totals.scoredCases < s.totals.cases ? ` on ${s.totals.scoredCases} of ${s.totals.cases} cases (the rest only errored)${s.totals.scoredCases < gates.minCases ? `: too few to certify (gates.minCases ${gates.minCases})` : ""}` : ""}`,
      `>= ${pct(gates.minPassRate)}`,
      s.failures.map((f) => f.case).join(", ") || "all cases passed",
      { value: s.totals.passRate, comparator: ">=", threshold: gates.minPassRate, unit: "ratio" },
    ),
    gate(
      "no-critical-failure",
      "No critical failure",
      s.criticalFailures.length === 0 && s.totals.scoredCases > 0,
      s.totals.scoredCases > 0
        ? `${s.criticalFailures.length} critical failure(s)`
        : `${NO_EVIDENCE}: no case scored`,
      "0",
      s.criticalFailures.map((f) => f.case).join(", ") || "none",
      {
        value: s.totals.scoredCases > 0 ? s.criticalFailures.length : null,
        comparator: "<=",
        threshold: 0,
        unit: "count",
      },
    ),
    gate(
      "non-inferior",
      `Quality within ${pct(gates.nonInferiorityMargin)} of ${input.baseline}`,
      ab.pairedCases > 0 && ab.verdict === "non-inferior",
      ab.pairedCases === 0
        ? `${NO_EVIDENCE}: no case scored on both sides`
        : `${ab.verdict}: B - A = ${pct(ab.passRate.diff)} [${pct(ab.passRate.ci95[0])}, ${pct(ab.passRate.ci95[1])}]`,
      `lower bound > ${pct(-gates.nonInferiorityMargin)}`,
      `ab.json${ab.errored.length ? `; ${ab.errored.length} case(s) left out as errored` : ""}${ab.casesNeeded ? `; a decision needs ~${ab.casesNeeded} paired cases` : ""}`,
      {
        value: ab.pairedCases > 0 ? ab.passRate.ci95[0] : null,
        comparator: ">",
        threshold: -gates.nonInferiorityMargin,
        unit: "ratio",
      },
    ),
    gate(
      "cost-reduction",
      `Cost reduction against ${input.baseline}`,
      costEvidence && costReduction >= gates.minCostReduction,
      costEvidence
        ? `${pct(costReduction)}${ab.monthlyCostUsd ? ` ($${ab.monthlyCostUsd.a.toFixed(2)} -> $${ab.monthlyCostUsd.b.toFixed(2)} a month)` : ""}; per run ${pct(ab.costUsd.reduction)} [${pct(ab.costUsd.ci95[0])}, ${pct(ab.costUsd.ci95[1])}]`
        : `${NO_EVIDENCE}: ${ab.pairedCases === 0 ? "no case scored on both sides" : "a side spent nothing on its scored cases"}`,
      `>= ${pct(gates.minCostReduction)}`,
      "ab.json costUsd, monthlyCostUsd",
      {
        value: costEvidence ? costReduction : null,
        comparator: ">=",
        threshold: gates.minCostReduction,
        unit: "ratio",
      },
    ),
    gate(
      "security-cases",
      "Security cases pass",
      security.length > 0 && securityFailed.length === 0,
      `${security.length - securityFailed.length}/${security.length} passed`,
      "all, and at least one",
      securityFailed.map((r) => r.case).join(", ") ||
        security
          .map((r) => r.case)
          .slice(0, 6)
          .join(", ") ||
        "no security case found",
      {
        value: security.length > 0 ? securityFailed.length : null,
        comparator: "<=",
        threshold: 0,
        unit: "count",
      },
    ),
    // Synthetic latency is a stated model, not a measurement: it cannot pass this gate.
    gate(
      "latency-per-tier",
      "Latency measured per tier",
      tiersWithLatency.length > 0 && (s.provenance.basis === "live" || s.provenance.basis === "recorded"),
      `${tiersWithLatency.map(([t, l]) => `${t} p50 ${Math.round(l.latencyMs.p50 ?? 0)} ms (n=${l.latencyMs.n})`).join("; ") || NO_EVIDENCE}; basis ${s.provenance.basis}`,
      "every tier used has samples from live calls (measured, or recorded live)",
      "summary.json byTier",
      {
        value:
          s.provenance.basis === "live" || s.provenance.basis === "recorded" ? tiersWithLatency.length : 0,
        comparator: ">=",
        threshold: Math.max(1, Object.keys(s.byTier).length),
        unit: "count",
      },
    ),
    // A fallback measures another model: a certification must say the models it names answered.
    gate(
      "fallbacks",
      "Calls answered by the model under test",
      fallbackRate !== null && fallbackRate <= gates.maxFallbackRate,
      fallbackRate === null
        ? `${NO_EVIDENCE}: 0 calls`
        : `${s.routing.unexpectedFallbacks} of ${calls} calls served by a fallback model (${pct(fallbackRate)}); ${s.routing.fallbacks - s.routing.unexpectedFallbacks} more in cases that assert fell-back`,
      `<= ${pct(gates.maxFallbackRate)} (gates.maxFallbackRate)`,
      "results.jsonl calls[].fellBack; summary.json byTier.fallbacks",
      { value: fallbackRate, comparator: "<=", threshold: gates.maxFallbackRate, unit: "ratio" },
    ),
    gate(
      "error-rate",
      "Trials that ended in error",
      errorRate !== null && errorRate <= gates.maxErrorRate,
      errorRate === null
        ? `${NO_EVIDENCE}: 0 trials`
        : `${s.totals.errored} of ${s.totals.trials} trials (${pct(errorRate)})${s.totals.erroredCostUsd ? `, $${s.totals.erroredCostUsd.toFixed(4)} spent on them` : ""}`,
      `<= ${pct(gates.maxErrorRate)} (gates.maxErrorRate)`,
      s.failures
        .filter((f) => f.verdict === "error")
        .map((f) => f.case)
        .slice(0, 6)
        .join(", ") || "none",
      { value: errorRate, comparator: "<=", threshold: gates.maxErrorRate, unit: "ratio" },
    ),
  ];
  return {
    ready: list.every((g) => g.status === "pass"),
    basis: s.provenance.basis,
    profile: input.profile,
    baseline: input.baseline,
    gates: list,
  };
}

export function renderReadinessMarkdown(r: Readiness): string {
  const lines = [
    `## Production readiness: ${r.ready ? "READY" : "NOT READY"}`,
    "",
    `${r.profile} against the ${r.baseline} baseline; basis: **${r.basis}**.`,
    "",
    "| gate | status | measured | threshold | evidence |",
    "|---|---|---|---|---|",
    ...r.gates.map(
      (g) =>
        `| ${g.title} | ${g.status === "pass" ? "PASS" : "**FAIL**"} | ${g.measured} | ${g.thresholdText} | ${g.evidence.replace(/\|/g, "\\|")} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
