import { dot, ruleX, ruleY } from "@observablehq/plot";
import { pctWithInterval } from "../format.js";
import type { RateStats } from "../summary.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";

/** A left margin wide enough for the longest tick label of a band axis. */
export function marginFor(labels: readonly string[]): number {
  return Math.min(260, 14 + 6.6 * Math.max(4, ...labels.map((l) => l.length)));
}

interface Row {
  label: string;
  rate: number;
  lo: number;
  hi: number;
}

/** Pass rate per suite with its 95% Wilson interval; a suite with no scored trial is `n/a`. */
export const suitesSection: Section = {
  id: "suites",
  title: "Pass rate per suite",
  render({ summary }, charts) {
    if (!summary) return null;
    const t = summary.totals;
    const all: [string, RateStats][] = [...Object.entries(summary.bySuite), ["all", t]];
    const rows: Row[] = all
      .filter(([, r]) => r.passRate !== null && r.ci95 !== null)
      .map(([label, r]) => ({ label, rate: r.passRate!, lo: r.ci95![0], hi: r.ci95![1] }));
    const labels = all.map(([s]) => s);
    const chart = rows.length
      ? charts.render(
          {
            height: 44 + 30 * rows.length,
            marginLeft: marginFor(labels),
            marginRight: 24,
            x: {
              domain: [0, 1],
              tickFormat: "%",
              grid: true,
              label: "pass rate, with its 95% Wilson interval",
            },
            y: { domain: rows.map((r) => r.label), label: null },
            marks: [
              ruleY(rows, { y: "label", x1: "lo", x2: "hi", stroke: "var(--a)", strokeWidth: 2 }),
              dot(rows, { y: "label", x: "rate", fill: "var(--a)", r: 4, tip: false }),
              ruleX([0]),
            ],
          },
          "pass rate per suite with 95% Wilson intervals",
        )
      : null;
    return html`${chart}<div class="scroll"><table id="suite-table"><thead><tr><th>suite</th><th class="n">cases</th><th class="n">trials</th><th class="n">pass</th><th class="n">fail</th><th class="n">error</th><th>pass rate [95% Wilson]</th></tr></thead><tbody>
${all.map(
  ([s, r]) =>
    html`<tr${s === "all" ? html` class="total"` : ""} data-suite="${s}"><td>${s}</td><td class="n">${r.cases}</td><td class="n">${r.trials}</td><td class="n">${r.passed}</td><td class="n">${r.failed}</td><td class="n">${r.errored}</td><td>${pctWithInterval(r.passRate, r.ci95)}</td></tr>\n`,
)}</tbody></table></div>
${t.errored ? html`<p class="muted">The pass rate is over the trials that were not errors: ${t.errored} errored trial(s) are outages or missing recordings, not quality.</p>` : ""}`;
  },
};
