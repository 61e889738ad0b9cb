import { pct, usd } from "../report/index.js";
import type { Candidate, OptimizeReport } from "./optimize.js";

const money = (x: number | null) => (x === null ? "n/a" : usd(x));
const signedMoney = (x: number) => `${x < 0 ? "-" : "+"}${usd(Math.abs(x))}`;
const signedPct = (x: number | null) =>
  x === null ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} pts`;

function assignmentDiff(c: Candidate, owners: Record<string, string>): string[] {
  return Object.entries(c.assignment)
    .filter(([a, t]) => owners[a] !== t)
    .map(([a, t]) => `${a} ${owners[a]}→${t}`);
}

/**
 * optimize's report.md: the proposal against the baseline and the owners' assignment, every figure
 * labelled predicted or verified, the frontier, the agents that drive cost, the sensitivity, and
 * how many cases a decision would need when this suite is too small to certify a candidate.
 */
export function renderOptimizeMarkdown(r: OptimizeReport, owners: Record<string, string>): string {
  const lines = [
    "# Tier optimization",
    "",
    `Baseline ${r.baseline.profile}: pass rate ${pct(r.baseline.passRate)} (measured), ${money(r.baseline.monthlyCostUsd)} a month. Margin ${(r.margin * 100).toFixed(1)} points: a candidate may be predicted down to ${pct(r.target)}. Mode: ${r.mode}. Evidence: ${r.evidence.runs.map((x) => `${x.profile} (${x.trials} trials)`).join(", ")}.`,
    "",
    `**Proposal: ${r.proposal ?? "none"}** — ${r.proposalReason}.`,
    "",
    "Predicted figures are the optimizer's estimate from the evidence; verified figures are the candidate's own run. The verification runs the same cases the search learned from: it checks the prediction, and is no held-out estimate (new cases or trials give one).",
    ...(r.rounds > 1
      ? [
          "",
          `${r.rounds} search rounds: a ${r.mode} candidate that missed the margin when run became evidence for the next round (${r.evidence.runs
            .filter((x) => x.candidate)
            .map((x) => x.profile)
            .join(", ")}).`,
        ]
      : []),
    ...(r.protectedCases.length
      ? [
          "",
          `Protected: ${r.protectedCases.length} critical case(s) the baseline passes (${r.protectedCases.join(", ")}): no candidate may be predicted to pass one less often, and one that fails one when run is not proposed (\`--allow-critical-loss\` lifts it).`,
        ]
      : []),
    "",
    "| candidate | mode | round | predicted pass | predicted monthly | predicted reduction | verified pass [95%] | verified monthly | verified reduction | verdict | errored | critical lost |",
    "|---|---|---:|---:|---:|---:|---|---:|---:|---|---:|---|",
    ...r.candidates.map((c) => {
      const v = c.verified;
      return `| ${c.name} | ${c.mode} | ${c.round} | ${pct(c.predicted.passRate)} (predicted) | ${money(c.predicted.monthlyCostUsd)} (predicted) | ${pct(c.predicted.reduction)} (predicted) | ${v ? `${pct(v.passRate)}${v.ci95 ? ` [${pct(v.ci95[0])}, ${pct(v.ci95[1])}]` : ""} (verified)` : "not verified"} | ${v ? `${money(v.monthlyCostUsd)} (verified)` : "-"} | ${v ? `${pct(v.reduction)} (verified)` : "-"} | ${v?.verdict ?? "-"} | ${v?.errored ?? "-"} | ${v ? v.criticalLost.join(", ") || "none" : "-"} |`;
    }),
    "",
    `The tier policy costs ${money(r.policyCost.difference)} a month: the best assignment that keeps it is predicted at ${money(r.policyCost.keepPolicy)}, the best with free roles at ${money(r.policyCost.freeRoles)}.${r.minReduction !== null ? ` The target reduction is ${pct(r.minReduction)}.` : ""}`,
    "",
    "## Against the owners' assignment",
    "",
    ...(r.unexercised.length
      ? [
          `${r.unexercised.length} agent(s) take part in no case (${r.unexercised.join(", ")}): the evidence says nothing of them, so the search may move them at no measurable cost (with tier counts kept, they fill the tiers others leave); a suite that exercises them would price them.`,
          "",
        ]
      : []),
    ...r.candidates.map((c) => {
      const d = assignmentDiff(c, owners);
      return `- ${c.name}: ${d.length} agent(s) moved from the agent files' tiers${d.length ? `: ${d.join(", ")}` : ""}.`;
    }),
    "",
    "## Cost against quality (the frontier)",
    "",
    "| point | kind | pass rate | monthly cost |",
    "|---|---|---:|---:|",
    ...r.frontier.map((f) => `| ${f.name} | ${f.kind} | ${pct(f.passRate)} | ${money(f.monthlyCostUsd)} |`),
    "",
    "## What drives the cost",
    "",
    "| agent | tier | monthly | share |",
    "|---|---|---:|---:|",
    ...r.drivers.map(
      (d) => `| ${d.agent} | ${d.tier} | ${money(d.monthlyCostUsd)} (predicted) | ${pct(d.share)} |`,
    ),
    "",
    "## Sensitivity (one tier down or up from the first candidate, predicted)",
    "",
    "| agent | tier | down: monthly, quality | up: monthly, quality |",
    "|---|---|---|---|",
    ...r.sensitivity.map(
      (s) =>
        `| ${s.agent} | ${s.tier} | ${s.down ? `${s.down.tier}: ${signedMoney(s.down.monthlyCostUsd)}, ${signedPct(s.down.passRate)}` : "-"} | ${s.up ? `${s.up.tier}: ${signedMoney(s.up.monthlyCostUsd)}, ${signedPct(s.up.passRate)}` : "-"} |`,
    ),
    "",
  ];
  const needs = r.candidates
    .map((c) => c.verified?.casesNeeded)
    .filter((n): n is number => typeof n === "number");
  if (r.candidates.some((c) => c.verified && c.verified.verdict !== "non-inferior"))
    lines.push(
      "## How many cases a decision needs",
      "",
      `This suite is too small to certify a candidate non-inferior within ${(r.margin * 100).toFixed(1)} points: at the discordance measured, a decision at 80% power needs about ${needs.length ? Math.max(...needs) : "n/a"} paired cases (or as many paired trials over fewer cases, with the methods sheet's clustered interval).`,
      "",
    );
  lines.push(
    "## Evidence per agent and tier",
    "",
    "| agent | tier | parts | succeeded | rate [95% Wilson] | cost per task |",
    "|---|---|---:|---:|---|---:|",
    ...r.agents.map(
      (a) =>
        `| ${a.agent} | ${a.tier} | ${a.parts} | ${a.succeeded} | ${pct(a.rate)}${a.ci95 ? ` [${pct(a.ci95[0])}, ${pct(a.ci95[1])}]` : ""} | ${money(a.costPerTaskUsd)} |`,
    ),
    "",
    `Search: ${r.search.agents} agents, ${r.search.cases} cases, ${r.search.evaluated} assignments scored in ${r.search.ms} ms (a local search; never an enumeration of every assignment).`,
    "",
  );
  return `${lines.join("\n")}\n`;
}
