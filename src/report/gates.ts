import type { Gates } from "../config/index.js";
import type { TrialResult } from "../suite/index.js";
import type { AbReport } from "./ab.js";
import type { Summary } from "./summary.js";

export interface Gate {
  id: string;
  title: string;
  status: "pass" | "fail";
  measured: string;
  threshold: string;
  evidence: string;
}

export interface Readiness {
  ready: boolean;
  basis: "synthetic" | "recorded" | "live" | "none";
  profile: string;
  baseline: string;
  gates: Gate[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

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
}): Readiness {
  const { gates, summary: s, ab } = input;
  const gate = (
    id: string,
    title: string,
    pass: boolean,
    measured: string,
    threshold: string,
    evidence: string,
  ): Gate => ({ id, title, status: pass ? "pass" : "fail", measured, threshold, evidence });
  const security = input.results.filter(
    (r) =>
      r.tags.includes("security") ||
      (r.critical && /secur|inject|auth|secret|cve/i.test(`${r.case} ${r.title}`)),
  );
  const securityFailed = security.filter((r) => r.verdict !== "pass");
  const tiersWithLatency = Object.entries(s.byTier).filter(([, t]) => t.latencyMs.n > 0);
  const costReduction = ab.monthlyCostUsd?.reduction ?? ab.costUsd.reduction;
  const list: Gate[] = [
    gate(
      "agent-tiers",
      "All agents valid, tier policy holds",
      input.agentProblems === 0,
      `${input.agentCount} agents, ${input.agentProblems} problem(s)`,
      "0 problems",
      "orchestra agents",
    ),
    gate(
      "compliance",
      "Protocol compliance",
      s.protocol.complianceRate >= gates.complianceRate,
      `${pct(s.protocol.complianceRate)} (${s.protocol.compliant}/${s.protocol.messages})`,
      `>= ${pct(gates.complianceRate)}`,
      "summary.json protocol",
    ),
    gate(
      "overhead",
      "Protocol overhead",
      s.protocol.overheadRatio < gates.maxOverheadRatio,
      pct(s.protocol.overheadRatio),
      `< ${pct(gates.maxOverheadRatio)}`,
      "summary.json protocol.overheadRatio",
    ),
    gate(
      "case-count",
      "Certification cases",
      s.totals.cases >= gates.minCases,
      `${s.totals.cases} cases`,
      `>= ${gates.minCases}`,
      "suites/",
    ),
    gate(
      "pass-rate",
      "Pass rate",
      s.totals.passRate >= gates.minPassRate,
      `${pct(s.totals.passRate)} [${pct(s.totals.ci95[0])}, ${pct(s.totals.ci95[1])}]`,
      `>= ${pct(gates.minPassRate)}`,
      s.failures.map((f) => f.case).join(", ") || "all cases passed",
    ),
    gate(
      "no-critical-failure",
      "No critical failure",
      s.criticalFailures.length === 0,
      `${s.criticalFailures.length} critical failure(s)`,
      "0",
      s.criticalFailures.map((f) => f.case).join(", ") || "none",
    ),
    gate(
      "non-inferior",
      `Quality within ${pct(gates.nonInferiorityMargin)} of ${input.baseline}`,
      ab.verdict === "non-inferior",
      `${ab.verdict}: B - A = ${pct(ab.passRate.diff)} [${pct(ab.passRate.ci95[0])}, ${pct(ab.passRate.ci95[1])}]`,
      `lower bound > ${pct(-gates.nonInferiorityMargin)}`,
      `ab.json${ab.casesNeeded ? `; a decision needs ~${ab.casesNeeded} paired cases` : ""}`,
    ),
    gate(
      "cost-reduction",
      `Cost reduction against ${input.baseline}`,
      costReduction >= gates.minCostReduction,
      `${pct(costReduction)}${ab.monthlyCostUsd ? ` ($${ab.monthlyCostUsd.a.toFixed(2)} -> $${ab.monthlyCostUsd.b.toFixed(2)} a month)` : ""}; per run ${pct(ab.costUsd.reduction)} [${pct(ab.costUsd.ci95[0])}, ${pct(ab.costUsd.ci95[1])}]`,
      `>= ${pct(gates.minCostReduction)}`,
      "ab.json costUsd, monthlyCostUsd",
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
    ),
    // Synthetic latency is a stated model, not a measurement: it cannot pass this gate.
    gate(
      "latency-per-tier",
      "Latency measured per tier",
      tiersWithLatency.length > 0 && (s.provenance.basis === "live" || s.provenance.basis === "recorded"),
      `${tiersWithLatency.map(([t, l]) => `${t} p50 ${Math.round(l.latencyMs.p50 ?? 0)} ms (n=${l.latencyMs.n})`).join("; ")}; basis ${s.provenance.basis}`,
      "every tier used has samples from live calls (measured, or recorded live)",
      "summary.json byTier",
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
        `| ${g.title} | ${g.status === "pass" ? "PASS" : "**FAIL**"} | ${g.measured} | ${g.threshold} | ${g.evidence.replace(/\|/g, "\\|")} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
