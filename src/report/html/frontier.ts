import { dot, ruleX, text } from "@observablehq/plot";
import { pctWithInterval, usd } from "../format.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";

/**
 * Every profile compared as a point of cost against quality: monthly cost under the workload when
 * every profile has one (what the owners pay), else the cost of a run of the paired cases.
 */
export const frontierSection: Section = {
  id: "frontier",
  title: "Cost against quality",
  render({ profiles }, charts) {
    if (!profiles?.length) return null;
    const monthly = profiles.every((p) => p.monthlyCostUsd !== null);
    const points = profiles
      .filter((p) => p.passRate !== null)
      .map((p) => ({
        profile: p.profile,
        cost: monthly ? p.monthlyCostUsd! : p.costUsd,
        rate: p.passRate!,
        lo: p.ci95?.[0] ?? p.passRate!,
        hi: p.ci95?.[1] ?? p.passRate!,
      }));
    const costs = points.map((p) => p.cost);
    // Close enough to the intervals to tell them apart, and always up to 100%.
    const floor = Math.max(0, Math.floor((Math.min(...points.map((p) => p.lo)) - 0.05) * 10) / 10);
    const chart = points.length
      ? charts.render(
          {
            height: 320,
            marginRight: 40,
            marginLeft: 50,
            inset: 30,
            x: {
              domain: [0, Math.max(...costs) * 1.15 || 1],
              grid: true,
              label: monthly
                ? "monthly cost under the workload (USD)"
                : "cost of a run of the paired cases (USD)",
            },
            y: { domain: [floor, 1], tickFormat: "%", grid: true, label: "pass rate, 95% Wilson interval" },
            color: {
              domain: profiles.map((p) => p.profile),
              range: ["var(--a)", "var(--b)", "var(--pass)", "var(--error)"],
            },
            marks: [
              ruleX(points, { x: "cost", y1: "lo", y2: "hi", stroke: "profile", strokeWidth: 2 }),
              dot(points, { x: "cost", y: "rate", fill: "profile", r: 5 }),
              text(points, {
                x: "cost",
                y: "rate",
                text: "profile",
                dx: 8,
                textAnchor: "start",
                fontWeight: 600,
              }),
            ],
          },
          "cost against pass rate of every profile compared",
        )
      : null;
    return html`${chart}<div class="scroll"><table id="frontier-table"><thead><tr><th>profile</th><th>basis</th><th>pass rate [95% Wilson]</th><th class="n">cost of a run</th><th class="n">monthly cost</th></tr></thead><tbody>
${profiles.map(
  (p) =>
    html`<tr><td>${p.profile}</td><td>${p.basis}</td><td>${pctWithInterval(p.passRate, p.ci95)}</td><td class="n">${usd(p.costUsd)}</td><td class="n">${p.monthlyCostUsd === null ? "n/a" : usd(p.monthlyCostUsd)}</td></tr>\n`,
)}</tbody></table></div>`;
  },
};
