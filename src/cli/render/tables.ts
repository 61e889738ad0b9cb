import Table from "cli-table3";
import type { Summary } from "../../report/index.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const usd = (x: number) => (x < 0.01 && x > 0 ? `$${x.toFixed(6)}` : `$${x.toFixed(4)}`);

/** The console view of a summary: pass rates per suite, then cost and latency per tier. */
export function summaryTables(summary: Summary): string {
  const suites = new Table({
    head: ["suite", "cases", "pass", "fail", "error", "pass rate", "95% CI"],
    style: { head: [], border: [] },
  });
  for (const [name, r] of Object.entries(summary.bySuite)) {
    suites.push([
      name,
      r.cases,
      r.passed,
      r.failed,
      r.errored,
      pct(r.passRate),
      `${pct(r.ci95[0])}-${pct(r.ci95[1])}`,
    ]);
  }
  const t = summary.totals;
  suites.push([
    "all",
    t.cases,
    t.passed,
    t.failed,
    t.errored,
    pct(t.passRate),
    `${pct(t.ci95[0])}-${pct(t.ci95[1])}`,
  ]);
  const tiers = new Table({
    head: ["tier", "calls", "input tok", "output tok", "cost", "p50", "p95", "latency"],
    style: { head: [], border: [] },
  });
  for (const [tier, s] of Object.entries(summary.byTier)) {
    tiers.push([
      tier,
      s.calls,
      s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens,
      s.outputTokens,
      usd(s.costUsd),
      s.latencyMs.p50 === null ? "n/a" : `${Math.round(s.latencyMs.p50)} ms`,
      s.latencyMs.p95 === null
        ? "n/a"
        : `${Math.round(s.latencyMs.p95)} ms${s.latencyMs.insufficientN.includes("p95") ? "*" : ""}`,
      s.latencyMs.source,
    ]);
  }
  const notes = [
    `cost ${usd(t.costUsd)}; compliance ${pct(summary.protocol.complianceRate)}; overhead ${pct(summary.protocol.overheadRatio)}; escalations ${summary.routing.escalations}; fallbacks ${summary.routing.fallbacks}`,
  ];
  if (Object.values(summary.byTier).some((s) => s.latencyMs.insufficientN.includes("p95")))
    notes.push("* insufficient n for a 95% interval of p95 (needs 59 samples)");
  return `${suites.toString()}\n${tiers.toString()}\n${notes.join("\n")}`;
}
