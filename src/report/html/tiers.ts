import { barX, ruleX, text } from "@observablehq/plot";
import { usd } from "../format.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";
import { marginFor } from "./suites.js";

const KINDS = [
  ["input", "inputTokens"],
  ["output", "outputTokens"],
  ["cache read", "cacheReadTokens"],
  ["cache write", "cacheWriteTokens"],
] as const;

/** Cost and tokens per tier, cache reads and cache writes apart (they are priced apart). */
export const tiersSection: Section = {
  id: "tiers",
  title: "Cost and tokens per tier",
  render({ summary }, charts) {
    if (!summary) return null;
    const tiers = Object.entries(summary.byTier);
    const t = summary.totals;
    const totalLine = html`<p>Cost ${usd(t.costUsd)} (${usd(t.costPerPassUsd ?? 0)} per passing trial)${t.erroredCostUsd ? html`, of which ${usd(t.erroredCostUsd)} spent by trials that ended in error` : ""}${t.judgeCostUsd ? html`; judge models ${usd(t.judgeCostUsd)}, not counted above` : ""}.</p>`;
    if (!tiers.length)
      return html`${totalLine}<p class="muted">No model call was answered: no tier to show.</p>`;
    const margin = marginFor(tiers.map(([tier]) => tier));
    const tokens = tiers.flatMap(([tier, s]) => KINDS.map(([kind, key]) => ({ tier, kind, tokens: s[key] })));
    const costs = tiers.map(([tier, s]) => ({ tier, cost: s.costUsd, label: usd(s.costUsd) }));
    const height = 56 + 30 * tiers.length;
    const tokenChart = charts.render(
      {
        height: height + 24,
        marginLeft: margin,
        x: { grid: true, label: "tokens", tickFormat: "s" },
        y: { domain: tiers.map(([tier]) => tier), label: null },
        color: {
          domain: KINDS.map(([kind]) => kind),
          range: ["var(--a)", "var(--b)", "var(--pass)", "var(--error)"],
          legend: true,
        },
        marks: [barX(tokens, { y: "tier", x: "tokens", fill: "kind" }), ruleX([0])],
      },
      "tokens per tier by kind: input, output, cache read, cache write",
    );
    const costChart = charts.render(
      {
        height,
        marginLeft: margin,
        marginRight: 70,
        x: { grid: true, label: "cost (USD)" },
        y: { domain: tiers.map(([tier]) => tier), label: null },
        marks: [
          barX(costs, { y: "tier", x: "cost", fill: "var(--a)" }),
          text(costs, { y: "tier", x: "cost", text: "label", textAnchor: "start", dx: 4 }),
          ruleX([0]),
        ],
      },
      "cost per tier",
    );
    return html`${totalLine}<div class="charts">${tokenChart}${costChart}</div>
<div class="scroll"><table id="tier-table"><thead><tr><th>tier</th><th class="n">calls</th><th class="n">input</th><th class="n">output</th><th class="n">cache read</th><th class="n">cache write</th><th class="n">cost</th><th class="n">fallbacks</th><th class="n">escalations</th><th class="n">429s waited</th></tr></thead><tbody>
${tiers.map(
  ([tier, s]) =>
    html`<tr data-tier="${tier}"><td>${tier}</td><td class="n">${s.calls}</td><td class="n">${s.inputTokens}</td><td class="n">${s.outputTokens}</td><td class="n">${s.cacheReadTokens}</td><td class="n">${s.cacheWriteTokens}</td><td class="n">${usd(s.costUsd)}</td><td class="n">${s.fallbacks}</td><td class="n">${s.escalations}</td><td class="n">${s.rateLimited}</td></tr>\n`,
)}</tbody></table></div>`;
  },
};
