import { barX, ruleX, text } from "@observablehq/plot";
import { CASE_CHANGES, type CaseSide, type DiffSide } from "../diff.js";
import { pct, usd } from "../format.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";

const share = (s: CaseSide | null) => (s ? (s.passShare === null ? "error" : pct(s.passShare)) : "-");
const signed = (x: number | null, f: (v: number) => string) =>
  x === null ? "-" : `${x > 0 ? "+" : ""}${f(x)}`;
const sideLine = (name: string, s: DiffSide) =>
  `${name}: ${s.label}, ${s.profiles.join(", ")} (${s.modes.join(", ")}), basis ${s.basis}, ${s.cases} cases, ${s.trials} trials, ${usd(s.costUsd)}.`;

const COLOR: Record<(typeof CASE_CHANGES)[number], string> = {
  regressed: "var(--fail)",
  fixed: "var(--pass)",
  new: "var(--a)",
  gone: "var(--b)",
  errored: "var(--error)",
  "still-failing": "var(--fail)",
  unchanged: "var(--muted)",
};

/** Two runs case by case: how many cases moved each way, then every case that changed. */
export const diffSection: Section = {
  id: "diff",
  title: "Diff",
  render({ diff: d }, charts) {
    if (!d) return null;
    const counts = CASE_CHANGES.map((change) => ({ change, n: d.counts[change] }));
    const changed = d.cases.filter((c) => c.change !== "unchanged");
    const synthetic = [d.a, d.b].filter((s) => s.basis === "synthetic" || s.basis === "none");
    const chart = charts.render(
      {
        height: 44 + 26 * counts.length,
        marginLeft: 100,
        marginRight: 40,
        x: { grid: true, label: "cases" },
        y: { domain: counts.map((c) => c.change), label: null },
        marks: [
          barX(counts, { y: "change", x: "n", fill: (c: { change: keyof typeof COLOR }) => COLOR[c.change] }),
          text(counts, {
            y: "change",
            x: "n",
            text: (c: { n: number }) => String(c.n),
            textAnchor: "start",
            dx: 4,
          }),
          ruleX([0]),
        ],
      },
      "cases per kind of change between the two runs",
    );
    return html`${synthetic.map((s) => html`<div class="banner alert" role="note"><strong>${s.basis === "none" ? "NO EVIDENCE." : "SYNTHETIC BASIS."}</strong> ${s.label} ${s.basis === "none" ? "answered no model call" : "ran on synthetic recordings: its figures demonstrate the harness and measure no Claude model"}.</div>`)}
<p>${sideLine("A", d.a)}<br>${sideLine("B", d.b)} Cost B - A: ${signed(d.costDeltaUsd, usd)}.</p>
<div class="charts">${chart}<div class="scroll"><table id="diff-counts"><thead><tr><th>change</th><th class="n">cases</th></tr></thead><tbody>
${counts.map((c) => html`<tr data-change="${c.change}"><td>${c.change}</td><td class="n">${c.n}</td></tr>\n`)}</tbody></table></div></div>
${
  changed.length
    ? html`<div class="scroll"><table id="diff-cases" class="sortable"><thead><tr><th>change</th><th>case</th><th>suite</th><th data-type="num">A</th><th data-type="num">B</th><th data-type="num">cost B - A</th><th data-type="num">latency B - A</th><th>reason (B)</th></tr></thead><tbody>
${changed.map(
  (c) =>
    html`<tr class="${c.change}"><td>${c.change}</td><td>${c.case}</td><td>${c.suite}</td><td>${share(c.a)}</td><td>${share(c.b)}</td><td>${signed(c.costDeltaUsd, usd)}</td><td>${signed(c.latencyDeltaMs, (v) => `${Math.round(v)} ms`)}</td><td>${(c.b?.reason ?? c.a?.reason ?? "").replace(/\s+/g, " ").slice(0, 300)}</td></tr>\n`,
)}</tbody></table></div>`
    : html`<p>No case changed.</p>`
}`;
  },
};
