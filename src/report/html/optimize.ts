import { dot, link, ruleX, ruleY, text } from "@observablehq/plot";
import { pct, pctWithInterval, usd } from "../format.js";
import type { OptimizeView } from "../view.js";
import { type Html, html } from "./markup.js";
import type { Section } from "./section.js";

const KIND_COLOR = { measured: "var(--a)", predicted: "var(--muted)", verified: "var(--pass)" } as const;
const money = (x: number | null) => (x === null ? "n/a" : usd(x));

function frontierChart(o: OptimizeView, charts: Parameters<Section["render"]>[1]): Html | null {
  const points = o.frontier
    .filter((p) => p.passRate !== null && p.monthlyCostUsd !== null)
    .map((p) => ({
      name: p.name,
      kind: p.kind,
      cost: p.monthlyCostUsd!,
      rate: p.passRate!,
      lo: p.ci95?.[0] ?? p.passRate!,
      hi: p.ci95?.[1] ?? p.passRate!,
    }));
  if (points.length === 0) return null;
  // Each candidate's prediction joined to its verification: how far the run moved the estimate.
  const links = o.candidates.flatMap((c) => {
    const from = points.find((p) => p.kind === "predicted" && p.name === c.name);
    const to = points.find((p) => p.kind === "verified" && p.name === c.name);
    return from && to ? [{ x1: from.cost, y1: from.rate, x2: to.cost, y2: to.rate }] : [];
  });
  const labelled = points.filter(
    (p) => p.kind !== "predicted" || !points.some((q) => q.kind === "verified" && q.name === p.name),
  );
  const floor = Math.max(0, Math.floor((Math.min(...points.map((p) => p.lo)) - 0.05) * 10) / 10);
  // The lowest pass rate within the margin of the baseline's: a candidate below it is out.
  const target = o.baseline.passRate === null ? [] : [o.baseline.passRate - o.margin];
  return charts.render(
    {
      height: 380,
      width: 860,
      marginRight: 150,
      marginLeft: 50,
      inset: 30,
      x: {
        domain: [0, Math.max(...points.map((p) => p.cost)) * 1.1 || 1],
        grid: true,
        label: "monthly cost under the workload (USD)",
      },
      y: {
        domain: [floor, 1],
        tickFormat: "%",
        grid: true,
        label: "pass rate (measured and verified: 95% Wilson interval)",
      },
      color: { domain: Object.keys(KIND_COLOR), range: Object.values(KIND_COLOR), legend: true },
      marks: [
        ruleY(target, { stroke: "var(--fail)", strokeDasharray: "4 3" }),
        link(links, {
          x1: "x1",
          y1: "y1",
          x2: "x2",
          y2: "y2",
          stroke: "var(--muted)",
          strokeDasharray: "2 2",
        }),
        ruleX(points, { x: "cost", y1: "lo", y2: "hi", stroke: "kind", strokeWidth: 2 }),
        dot(
          points.filter((p) => p.kind === "predicted"),
          { x: "cost", y: "rate", stroke: "kind", r: 5, strokeWidth: 2 },
        ),
        dot(
          points.filter((p) => p.kind !== "predicted"),
          { x: "cost", y: "rate", fill: "kind", r: 5 },
        ),
        text(
          labelled.filter((p) => p.kind === "measured"),
          { x: "cost", y: "rate", text: "name", dx: 8, dy: -9, textAnchor: "start" },
        ),
        text(
          labelled.filter((p) => p.kind !== "measured"),
          {
            x: "cost",
            y: "rate",
            text: (d: (typeof points)[number]) => `${d.name} (${d.kind})`,
            dx: 8,
            dy: 9,
            textAnchor: "start",
          },
        ),
      ],
    },
    "monthly cost against pass rate of every profile measured and every candidate, predicted (hollow) and verified",
  );
}

/**
 * orchestra optimize: the proposal and why, every candidate's predicted and verified figures side
 * by side (never one for the other), the frontier, the moves against the owners' assignment, the
 * agents that drive cost, and the cases a decision would need when the suite is too small.
 */
export const optimizeSection: Section = {
  id: "optimize",
  title: "Tier optimization",
  render({ optimize: o }, charts) {
    if (!o) return null;
    const needs = o.candidates
      .map((c) => (c.verified && c.verified.verdict !== "non-inferior" ? c.verified.casesNeeded : null))
      .filter((n): n is number => n !== null);
    const moves = (c: OptimizeView["candidates"][number]) =>
      Object.entries(c.assignment)
        .filter(([a, t]) => o.owners[a] !== t)
        .map(([a, t]) => `${a} ${o.owners[a]}→${t}`);
    return html`<p id="optimize-proposal"><strong>Proposal: ${o.proposal ?? "none"}</strong> — ${o.proposalReason}. Baseline ${o.baseline.profile}: ${pct(o.baseline.passRate)} (measured), ${money(o.baseline.monthlyCostUsd)} a month; margin ${(o.margin * 100).toFixed(1)} points.${o.protectedCases.length ? html` Protected: ${o.protectedCases.length} critical case(s) the baseline passes, which no candidate may lose (${o.protectedCases.join(", ")}).` : ""}</p>
${frontierChart(o, charts)}
<div class="scroll"><table id="optimize-candidates"><thead><tr><th>candidate</th><th>mode</th><th class="n">round</th><th>predicted pass</th><th class="n">predicted monthly</th><th class="n">predicted reduction</th><th>verified pass [95% Wilson]</th><th class="n">verified monthly</th><th class="n">verified reduction</th><th>verdict</th><th class="n">errored</th><th>critical lost</th></tr></thead><tbody>
${o.candidates.map((c) => {
  const v = c.verified;
  return html`<tr data-candidate="${c.name}"><td>${c.name}</td><td>${c.mode}</td><td class="n">${c.round}</td><td class="predicted">${pct(c.predicted.passRate)} (predicted)</td><td class="n predicted">${money(c.predicted.monthlyCostUsd)}</td><td class="n predicted">${pct(c.predicted.reduction)}</td><td class="verified">${v ? html`${pctWithInterval(v.passRate, v.ci95)} (verified)` : "not verified"}</td><td class="n verified">${v ? money(v.monthlyCostUsd) : "-"}</td><td class="n verified">${v ? pct(v.reduction) : "-"}</td><td>${v?.verdict ?? "-"}</td><td class="n">${v ? v.errored : "-"}</td><td>${v ? v.criticalLost.join(", ") || "none" : "-"}</td></tr>\n`;
})}</tbody></table></div>
<p>The tier policy costs ${money(o.policyCost.difference)} a month (predicted): the best assignment keeping it ${money(o.policyCost.keepPolicy)}, the best with free roles ${money(o.policyCost.freeRoles)}.${o.minReduction === null ? "" : ` Target reduction: ${pct(o.minReduction)}.`}</p>
${needs.length ? html`<p id="optimize-cases-needed" class="banner note">This suite is too small to certify a candidate non-inferior within ${(o.margin * 100).toFixed(1)} points: at the discordance measured, a decision at 80% power needs about ${Math.max(...needs)} paired cases.</p>` : ""}
<h3>Against the owners' assignment</h3>
<ul id="optimize-moves">${o.candidates.map((c) => {
      const m = moves(c);
      return html`<li><strong>${c.name}</strong>: ${m.length} agent(s) moved${m.length ? html`: <code>${m.join(", ")}</code>` : ""}</li>`;
    })}</ul>
<h3>What drives the cost (predicted, first candidate)</h3>
<div class="scroll"><table id="optimize-drivers"><thead><tr><th>agent</th><th>tier</th><th class="n">monthly</th><th class="n">share</th></tr></thead><tbody>
${o.drivers.map((d) => html`<tr><td>${d.agent}</td><td>${d.tier}</td><td class="n">${usd(d.monthlyCostUsd)}</td><td class="n">${pct(d.share)}</td></tr>\n`)}</tbody></table></div>`;
  },
};
