import Table from "cli-table3";
import { complianceText, deviationLines, pct, type Summary, usd } from "../../report/index.js";

/** The console view of a summary: pass rates per suite, then cost and latency per tier. */
export function summaryTables(summary: Summary): string {
  const suites = new Table({
    head: ["suite", "cases", "pass", "fail", "error", "pass rate", "95% CI", "cost"],
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
      r.ci95 ? `${pct(r.ci95[0])}-${pct(r.ci95[1])}` : "n/a",
      usd(r.costUsd),
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
    t.ci95 ? `${pct(t.ci95[0])}-${pct(t.ci95[1])}` : "n/a",
    usd(t.costUsd),
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
  const r = summary.routing;
  const notes = [
    `cost ${usd(t.costUsd)}; compliance ${complianceText(summary.protocol)}; overhead ${pct(summary.protocol.overheadRatio)}`,
    `escalations ${r.escalations}; fallbacks ${r.fallbacks}; 429s waited out ${r.rateLimited}; served by another model ${r.servedOther}; retries after max_tokens ${r.truncationRetries}`,
  ];
  const deviations = deviationLines(summary.protocol);
  if (deviations.length)
    notes.push("deviations (replies showing each kind):", ...deviations.map((d) => `  ${d}`));
  if (Object.values(summary.byTier).some((s) => s.latencyMs.insufficientN.includes("p95")))
    notes.push("* insufficient n for a 95% interval of p95 (needs 59 samples)");
  return `${suites.toString()}\n${tiers.toString()}\n${notes.join("\n")}`;
}
