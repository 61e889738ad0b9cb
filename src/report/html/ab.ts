import { dot, rect, ruleX, ruleY, text } from "@observablehq/plot";
import type { AbReport } from "../ab.js";
import { ms, pct, usd } from "../format.js";
import { type Html, html } from "./markup.js";
import type { Section } from "./section.js";

const VERDICT_COLOR: Record<AbReport["verdict"], string> = {
  "non-inferior": "var(--pass)",
  inferior: "var(--fail)",
  inconclusive: "var(--error)",
};

const signedPct = (x: number) => `${x > 0 ? "+" : ""}${Math.round(x * 1000) / 10}%`;

const interval = (ci: readonly [number, number]) => `[${pct(ci[0])}, ${pct(ci[1])}]`;

/**
 * B - A with its 95% interval against the two lines that decide: 0 (no difference) and -margin
 * (the most quality B may lose). Non-inferior when the whole interval is right of -margin.
 */
function forest(ab: AbReport, charts: Parameters<Section["render"]>[1]): Html {
  const [lo, hi] = ab.passRate.ci95;
  const row = { label: "pass rate B - A", diff: ab.passRate.diff, lo, hi };
  const left = Math.min(lo, -ab.margin);
  const right = Math.max(hi, 0);
  const pad = Math.max(0.01, (right - left) * 0.08);
  const lines = [
    { x: 0, label: "0" },
    { x: -ab.margin, label: `-margin ${pct(-ab.margin)}` },
  ];
  return charts.render(
    {
      height: 150,
      marginLeft: 110,
      marginTop: 30,
      marginRight: 230,
      width: 860,
      x: {
        domain: [left - pad, right + pad],
        tickFormat: signedPct,
        grid: true,
        label: "B - A pass rate, 95% interval",
      },
      y: { domain: [row.label], label: null },
      marks: [
        // Where the whole interval must lie for B to be non-inferior.
        rect([{ x1: -ab.margin, x2: right + pad }], {
          x1: "x1",
          x2: "x2",
          fill: "var(--pass)",
          fillOpacity: 0.08,
        }),
        ruleX([0], { stroke: "currentColor" }),
        ruleX([-ab.margin], { stroke: "var(--fail)", strokeDasharray: "5,4", strokeWidth: 1.5 }),
        text(lines, { x: "x", text: "label", frameAnchor: "top", dy: -18 }),
        ruleY([row], { y: "label", x1: "lo", x2: "hi", stroke: VERDICT_COLOR[ab.verdict], strokeWidth: 3 }),
        dot([row], { y: "label", x: "diff", r: 6, fill: VERDICT_COLOR[ab.verdict], stroke: "var(--bg)" }),
        text([row], {
          y: "label",
          x: "hi",
          text: () => `${pct(row.diff)} ${interval(ab.passRate.ci95)}: ${ab.verdict}`,
          textAnchor: "start",
          dx: 10,
          fontWeight: 600,
        }),
      ],
    },
    `forest plot: B - A pass rate ${pct(row.diff)} with its 95% interval against 0 and the margin`,
  );
}

/** The paired comparison: pass rates, McNemar, the non-inferiority verdict, costs and monthly costs. */
export const abSection: Section = {
  id: "ab",
  title: "A/B",
  render({ ab }, charts) {
    if (!ab) return null;
    const m = ab.monthlyCostUsd;
    const moved = ab.byAgent.filter((r) => r.tierA !== r.tierB || r.costUsdA !== r.costUsdB);
    return html`<h3>${ab.b} (B) against ${ab.a} (A)</h3>
<p>Basis: A ${ab.bases.a}, B ${ab.bases.b}. Paired on ${ab.pairedCases} cases${ab.unpaired.length ? `; ${ab.unpaired.length} unpaired, left out: ${ab.unpaired.join(", ")}` : ""}${ab.errored.length ? `; ${ab.errored.length} case(s) left out because every trial of a side ended in error (an outage is not quality): ${ab.errored.join(", ")}` : ""}.</p>
${forest(ab, charts)}
<div class="scroll"><table id="ab-table"><thead><tr><th></th><th class="n">A: ${ab.a}</th><th class="n">B: ${ab.b}</th><th>B - A</th></tr></thead><tbody>
<tr data-row="pass-rate"><td>pass rate</td><td class="n">${pct(ab.passRate.a)}</td><td class="n">${pct(ab.passRate.b)}</td><td>${pct(ab.passRate.diff)} ${interval(ab.passRate.ci95)}</td></tr>
<tr data-row="cost"><td>cost of the run</td><td class="n">${usd(ab.costUsd.a)}</td><td class="n">${usd(ab.costUsd.b)}</td><td>reduction ${pct(ab.costUsd.reduction)} ${interval(ab.costUsd.ci95)}</td></tr>
${m ? html`<tr data-row="monthly"><td>monthly cost (${m.workload})</td><td class="n">${usd(m.a)}</td><td class="n">${usd(m.b)}</td><td>reduction ${pct(m.reduction)}</td></tr>` : ""}
</tbody></table></div>
<dl class="kv">
<dt>verdict</dt><dd><span class="v ${ab.verdict === "non-inferior" ? "pass" : ab.verdict === "inferior" ? "fail" : "error"}" id="ab-verdict">${ab.verdict}</span> at a ${pct(ab.margin)} margin (non-inferior needs the lower bound above ${pct(-ab.margin)})</dd>
<dt>interval</dt><dd>${ab.passRate.method}</dd>
${
  ab.table
    ? html`<dt>paired table</dt><dd>both pass ${ab.table.a}, only A ${ab.table.b}, only B ${ab.table.c}, both fail ${ab.table.d}</dd>
<dt>McNemar</dt><dd>exact p = <span id="mcnemar">${ab.mcnemarP === null ? "n/a" : ab.mcnemarP.toFixed(3)}</span> (a test of any difference, not of non-inferiority)</dd>`
    : ab.trials
      ? html`<dt>trials</dt><dd>${ab.trials.perCase.toFixed(ab.trials.perCase % 1 ? 1 : 0)} per case, collapsed to per-case shares; SE ${pct(ab.trials.se)}, df ${ab.trials.df}${ab.trials.clusters === null ? "" : `, clustered over ${ab.trials.clusters} clusters`}</dd>
<dt>paired t test</dt><dd>t = ${(Math.abs(ab.trials.test.t) < 0.005 ? 0 : ab.trials.test.t).toFixed(2)}, p = <span id="paired-t">${ab.trials.test.p.toFixed(3)}</span>; non-inferiority p = ${ab.trials.test.niP.toFixed(3)}</dd>
<dt>trials to decide</dt><dd>${ab.trials.trialsNeeded === null ? "none on these cases: the between-case variance alone is too wide, add cases" : `about ${ab.trials.trialsNeeded} per case on these ${ab.pairedCases} cases`}</dd>`
      : ""
}
${ab.verdict === "inconclusive" && ab.casesNeeded ? html`<dt>to decide</dt><dd>about ${ab.casesNeeded} paired cases at 80% power (one-sided alpha 0.025, true difference 0${ab.table ? ", discordance from this run" : ", variance of the per-case difference from this run"})</dd>` : ""}
${
  ab.sequential
    ? html`<dt>sequential</dt><dd id="sequential">${
        ab.sequential.decidedAt
          ? html`decided <strong>${ab.sequential.decidedAt.verdict}</strong> after ${ab.sequential.decidedAt.n} paired case(s), B - A in ${interval(ab.sequential.decidedAt.ci)}`
          : html`undecided after ${ab.sequential.casesRun} of ${ab.sequential.casesAvailable} case(s)${ab.sequential.looks.at(-1) ? html`, B - A in ${interval(ab.sequential.looks.at(-1)!.ci)}` : ""}`
      }; looks after every ${ab.sequential.roundSize} case(s) (${ab.sequential.method}); the fixed design needs about ${ab.sequential.fixedDesignCases ?? "n/a"} paired cases</dd>`
    : ""
}
${ab.discordant.length ? html`<dt>cases that differ</dt><dd>${ab.discordant.map((d, i) => html`${i ? ", " : ""}<code>${d.case}</code> (A ${pct(d.a)}, B ${pct(d.b)})`)}</dd>` : ""}
</dl>
<h3>Latency per tier, A and B</h3>
<div class="scroll"><table id="ab-latency"><thead><tr><th>tier</th><th class="n">A calls</th><th class="n">A p50</th><th class="n">A p95</th><th class="n">B calls</th><th class="n">B p50</th><th class="n">B p95</th></tr></thead><tbody>
${Object.entries(ab.latencyMs).map(
  ([tier, l]) =>
    html`<tr><td>${tier}</td><td class="n">${l.a.n}</td><td class="n">${ms(l.a.p50)}</td><td class="n">${ms(l.a.p95)}</td><td class="n">${l.b.n}</td><td class="n">${ms(l.b.p50)}</td><td class="n">${ms(l.b.p95)}</td></tr>\n`,
)}</tbody></table></div>
${
  moved.length
    ? html`<details><summary>Agents whose tier or cost differs (${moved.length})</summary><div class="scroll"><table class="sortable"><thead><tr><th>agent</th><th>tier A</th><th>tier B</th><th class="n" data-type="num">cost A</th><th class="n" data-type="num">cost B</th></tr></thead><tbody>
${moved.map((r) => html`<tr><td>${r.agent}</td><td>${r.tierA}</td><td>${r.tierB}</td><td class="n">${usd(r.costUsdA)}</td><td class="n">${usd(r.costUsdB)}</td></tr>\n`)}</tbody></table></div></details>`
    : ""
}`;
  },
};
