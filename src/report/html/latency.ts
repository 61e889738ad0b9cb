import { boxX } from "@observablehq/plot";
import { ms } from "../format.js";
import type { LatencyStats } from "../summary.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";
import { marginFor } from "./suites.js";

function statsCells(l: LatencyStats) {
  return html`<td class="n">${l.n}</td><td class="n">${ms(l.p50)}</td><td class="n">${ms(l.p90)}</td><td class="n">${ms(l.p95)}</td><td class="n">${ms(l.max)}</td><td>${l.source}</td><td>${l.insufficientN.length ? `insufficient n for ${l.insufficientN.join(", ")}` : ""}</td>`;
}

/**
 * The distribution of latency per call on each tier, from every call of the trials shown, each
 * row labelled with where its figures come from: `recorded` in replay (as recorded, not measured
 * now; in synthetic fixtures a stated model), `measured` from live calls.
 */
export const latencySection: Section = {
  id: "latency",
  title: "Latency per tier",
  render({ summary, results = [], baselineResults = [] }, charts) {
    const trials = [...baselineResults, ...results];
    const calls = trials.flatMap((r) => r.calls.map((c) => ({ profile: r.profile, c })));
    if (!calls.length && !summary) return null;
    const profiles = [...new Set(trials.map((r) => r.profile))];
    const sources = new Map<string, Set<string>>();
    for (const { profile, c } of calls) {
      const key = `${c.tier}\u0000${profile}`;
      const set = sources.get(key) ?? new Set<string>();
      set.add(c.latencySource);
      sources.set(key, set);
    }
    const labelOf = (tier: string, profile: string) => {
      const set = sources.get(`${tier}\u0000${profile}`)!;
      const source = set.size > 1 ? "mixed" : [...set][0]!;
      return profiles.length > 1 ? `${tier} · ${profile} (${source})` : `${tier} (${source})`;
    };
    const rows = calls.map(({ profile, c }) => ({
      row: labelOf(c.tier, profile),
      tier: c.tier,
      profile,
      latency: c.latencyMs,
    }));
    const domain = [...new Set(rows.map((r) => `${r.tier}\u0000${r.profile}`))]
      .sort((x, y) => {
        const [tx, px] = x.split("\u0000") as [string, string];
        const [ty, py] = y.split("\u0000") as [string, string];
        return tx.localeCompare(ty) || profiles.indexOf(px) - profiles.indexOf(py);
      })
      .map((k) => {
        const [tier, profile] = k.split("\u0000") as [string, string];
        return labelOf(tier, profile);
      });
    const chart = rows.length
      ? charts.render(
          {
            height: 52 + 34 * domain.length,
            marginLeft: marginFor(domain),
            x: { grid: true, label: "latency per call (ms)", nice: true },
            y: { domain, label: null },
            color: { domain: profiles, range: ["var(--a)", "var(--b)", "var(--pass)", "var(--error)"] },
            marks: [boxX(rows, { x: "latency", y: "row", fill: "profile", stroke: "currentColor", r: 2 })],
          },
          "latency per call by tier: box plots of every call",
        )
      : null;
    const table = summary
      ? html`<div class="scroll"><table id="latency-table"><thead><tr><th>tier</th><th class="n">n</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">max</th><th>source</th><th>note</th></tr></thead><tbody>
${Object.entries(summary.byTier).map(([tier, s]) => html`<tr data-tier="${tier}"><td>${tier}</td>${statsCells(s.latencyMs)}</tr>\n`)}<tr class="total" data-tier=""><td>per case (critical path)</td>${statsCells(summary.latencyPerCase)}</tr>
</tbody></table></div>`
      : null;
    const note = summary
      ? html`<p class="muted">Percentiles are type-7; a percentile whose 95% interval cannot be had at this n (29 samples for p90, 59 for p95) says so. The table is ${summary.runs.map((r) => r.profile).join(", ")}'s.</p>`
      : null;
    return html`${chart}${table}${note}`;
  },
};
