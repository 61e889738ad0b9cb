import { DEVIATION_MEANINGS, type DeviationKind } from "../protocol/index.js";
import type { TrialResult } from "../suite/index.js";
import { ms, pct, pctWithInterval, usd } from "./format.js";
import type { LatencyStats, RateStats, Summary } from "./summary.js";
import { renderTaskTree } from "./tree-text.js";

const rateCell = (r: RateStats) => pctWithInterval(r.passRate, r.ci95);

/** The banner every report opens with when its numbers do not come from live model calls. */
export function provenanceBanner(summary: Pick<Summary, "provenance">): string | undefined {
  const p = summary.provenance;
  if (p.basis === "synthetic") {
    return `> **SYNTHETIC BASIS.** ${p.synthetic} of ${p.synthetic + p.live} model calls in this report are synthetic (the fake API or hand-written scenarios). These numbers demonstrate the harness; they measure no Claude model. A real certification records live responses (\`--mode record\`).`;
  }
  if (p.basis === "recorded")
    return `> **Recorded basis.** Replayed from live recordings; latencies are as recorded, not measured now.`;
  if (p.basis === "none")
    return "> **NO EVIDENCE.** No model call was answered in this run: no figure below measures a model.";
  return undefined;
}

/** The banner of a run that did not do all it planned: its figures stand on part of the plan. */
export function partialBanner(summary: Pick<Summary, "partial">): string | undefined {
  const p = summary.partial;
  if (!p) return undefined;
  return `> **PARTIAL RUN.** ${p.done} of ${p.planned} planned trials ran (${p.reason}). Every figure below stands on those ${p.done} trials only.`;
}

/** Every banner that applies, in order: what the numbers stand on, then how much of the plan ran. */
export function banners(summary: Pick<Summary, "provenance" | "partial">): string[] {
  return [provenanceBanner(summary), partialBanner(summary)].filter((b): b is string => b !== undefined);
}

/** The deviations of the agents' replies: one line per kind with its count and a first example. */
export function deviationLines(protocol: Summary["protocol"]): string[] {
  const lines: string[] = [];
  for (const [kind, n] of Object.entries(protocol.deviations) as [DeviationKind, number][]) {
    const e = protocol.deviationExamples[kind];
    const example = e
      ? ` e.g. ${e.case}#${e.trial} ${e.agent}${e.path && e.path !== "(document)" ? ` at ${e.path}` : ""}: ${e.detail} (the reply began ${JSON.stringify(e.excerpt.replace(/\s+/g, " ").slice(0, 40))})`
      : "";
    lines.push(`${kind} ${n} (${DEVIATION_MEANINGS[kind]})${example}`);
  }
  return lines;
}

/** `99.5% strict (202/203); 3 recovered (1.5%)`: compliance and the share the recovered reading read. */
export function complianceText(protocol: Summary["protocol"]): string {
  if (protocol.messages === 0) return "no evidence: 0 agent replies";
  const share = protocol.recovered / protocol.messages;
  return `${pct(protocol.complianceRate)} strict (${protocol.compliant}/${protocol.messages} replies); ${protocol.recovered} recovered (${pct(share)})`;
}

/** The rubric assertions' judges: tier and model, verdicts, cost, and agreement of repetitions. */
export function judgeLines(j: NonNullable<Summary["judges"]>): string[] {
  const who = Object.entries(j.tiers)
    .map(([tier, models]) => `${tier} (${models.join(", ") || "no model answered"})`)
    .join(", ");
  const lines = [
    "## Judges",
    "",
    `- Judge: ${who || "none answered"}; ${j.assertions} rubric assertion(s), ${j.passed} passed, ${j.errors} not evaluated (judge failed); judge cost ${usd(j.costUsd)}, not counted in the run's cost.`,
  ];
  if (j.trials > 1)
    lines.push(
      `- Repetitions: ${j.trials} per assertion; agreement with the majority ${pct(j.agreement)}; Krippendorff's alpha (nominal) ${j.alpha === null ? "undefined (every verdict the same, or nothing repeated)" : j.alpha.toFixed(3)}; unstable: ${j.unstable.length}.`,
      ...j.unstable.map(
        (u) =>
          `  - UNSTABLE ${u.case}#${u.trial} (${u.profile}), judge ${u.tier}: verdicts ${u.verdicts.map((v) => (v ? "pass" : "fail")).join(", ")}, scores ${u.scores.join(", ")}`,
      ),
    );
  else lines.push("- Repetitions: 1 per assertion (`--judge-trials N` measures the judge's agreement).");
  return lines;
}

function latencyCell(l: LatencyStats): string {
  const flag = l.insufficientN.length ? ` (insufficient n for ${l.insufficientN.join(", ")})` : "";
  return `n=${l.n} p50 ${ms(l.p50)} p90 ${ms(l.p90)} p95 ${ms(l.p95)} max ${ms(l.max)}${l.source === "recorded" ? " [recorded]" : ""}${flag}`;
}

/** `Prices: SOURCE, retrieved DATE, digest 0123456789ab; rates: claude-x from 2026-10-07, claude-y undated.` */
export function pricesLine(p: NonNullable<Summary["prices"]>): string {
  const rates = Object.entries(p.models).map(
    ([model, from]) =>
      `${model} ${from.map((d) => (d === "always" ? "undated" : `from ${d}`)).join(" and ")}`,
  );
  return `Prices: ${p.source}, retrieved ${p.retrieved}, digest ${p.digest.slice(0, 12)}${rates.length ? `; rates: ${rates.join(", ")}` : ""}.`;
}

export function renderMarkdown(summary: Summary, title = "Certification run"): string {
  const lines: string[] = [`# ${title}`, ""];
  for (const banner of banners(summary)) lines.push(banner, "");
  const t = summary.totals;
  lines.push(
    `Profiles: ${summary.runs.map((r) => `${r.profile} (${r.mode})`).join(", ")}. Models: ${summary.provenance.models.join(", ") || "none"}.`,
    "",
    "## Pass rate",
    "",
    "| suite | cases | trials | pass | fail | error | pass rate [95% Wilson] | cost |",
    "|---|---:|---:|---:|---:|---:|---|---:|",
    ...Object.entries(summary.bySuite).map(
      ([s, r]) =>
        `| ${s} | ${r.cases} | ${r.trials} | ${r.passed} | ${r.failed} | ${r.errored} | ${rateCell(r)} | ${usd(r.costUsd)} |`,
    ),
    `| **all** | ${t.cases} | ${t.trials} | ${t.passed} | ${t.failed} | ${t.errored} | ${rateCell(t)} | ${usd(t.costUsd)} |`,
    "",
    `Cost ${usd(t.costUsd)} (${usd(t.costPerPassUsd ?? 0)} per passing trial)${t.erroredCostUsd ? `, of which ${usd(t.erroredCostUsd)} spent by trials that ended in error` : ""}${t.judgeCostUsd ? `; judge models ${usd(t.judgeCostUsd)}, not counted above` : ""}.${t.errored ? ` The pass rate is over the trials that were not errors: ${t.errored} errored trial(s) are outages or missing recordings, not quality.` : ""}`,
    "",
    ...(summary.prices ? [pricesLine(summary.prices), ""] : []),
    "## Per tier",
    "",
    "| tier | calls | input | output | cache read | cache write | cost | latency per call |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...Object.entries(summary.byTier).map(
      ([tier, s]) =>
        `| ${tier} | ${s.calls} | ${s.inputTokens} | ${s.outputTokens} | ${s.cacheReadTokens} | ${s.cacheWriteTokens} | ${usd(s.costUsd)} | ${latencyCell(s.latencyMs)} |`,
    ),
    "",
    `Latency per case (end-to-end model time on the critical path): ${latencyCell(summary.latencyPerCase)}.`,
    "",
    "## Protocol and routing",
    "",
    `- Compliance: ${complianceText(summary.protocol)}. Compliance counts the strict reading of every reply; the orchestrator acts on the recovered one.`,
    ...deviationLines(summary.protocol).map((l) => `  - ${l}`),
    `- Overhead: ${pct(summary.protocol.overheadRatio)} of message bytes are markup (owners' target: under 5%).`,
    `- Escalations: ${summary.routing.escalations} calls (${pct(summary.routing.escalationCostShare)} of cost); fallbacks: ${summary.routing.fallbacks} (${summary.routing.unexpectedFallbacks} in cases that do not assert one); corrective retries: ${summary.routing.correctiveRetries}; retries after max_tokens: ${summary.routing.truncationRetries}.`,
    `- Rate limits: ${summary.routing.rateLimited} 429(s) waited out on the same model; calls answered by another model than asked: ${summary.routing.servedOther}.`,
    contextLine(summary.context),
    cacheLine(summary.cache),
    "",
  );
  if (summary.judges) lines.push(...judgeLines(summary.judges), "");
  if (summary.history) lines.push(...historyLines(summary.history), "");
  if (summary.reliability) {
    const r = summary.reliability;
    const trials =
      r.trialsPerCase === r.maxTrialsPerCase
        ? `${r.trialsPerCase} trials per case`
        : `${r.trialsPerCase} to ${r.maxTrialsPerCase} trials per case (each k over the cases with at least k)`;
    lines.push("## Reliability", "", `${trials}; flaky cases: ${r.flakyCases}.`, "");
    lines.push(
      `| k | ${Object.keys(r.passAtK).join(" | ")} |`,
      `|---|${Object.keys(r.passAtK)
        .map(() => "---:")
        .join("|")}|`,
    );
    lines.push(
      `| pass@k | ${Object.values(r.passAtK).map(pct).join(" | ")} |`,
      `| pass^k | ${Object.values(r.passHatK).map(pct).join(" | ")} |`,
      `| cases | ${Object.values(r.casesAtK).join(" | ")} |`,
      "",
    );
  }
  lines.push(
    "## Per agent",
    "",
    "| agent | tiers | calls | cost | escalations | fallbacks |",
    "|---|---|---:|---:|---:|---:|",
  );
  for (const [agent, a] of Object.entries(summary.byAgent))
    lines.push(
      `| ${agent} | ${a.tier.join(", ")} | ${a.calls} | ${usd(a.costUsd)} | ${a.escalations} | ${a.fallbacks} |`,
    );
  lines.push("");
  if (summary.failures.length) {
    lines.push("## Failures", "", "| case | trial | verdict | reason |", "|---|---:|---|---|");
    for (const f of summary.failures)
      lines.push(
        `| ${f.case} | ${f.trial} | ${f.verdict} | ${f.reason.replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 300)} |`,
      );
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/** Escaped for an XML attribute or text; characters XML 1.0 cannot carry (model text may hold them) dropped. */
const xml = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being removed
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

/**
 * JUnit XML: a testsuite per suite and profile, a testcase per trial. `time` is the harness's own
 * wall time of the trial (what CI spent); the recorded or measured model latency is a property.
 * A failure's message holds its reasons, system-out the trial's delegation tree.
 */
export function renderJunit(results: readonly TrialResult[]): string {
  const groups = new Map<string, TrialResult[]>();
  for (const r of [...results].sort((a, b) => a.case.localeCompare(b.case) || a.trial - b.trial)) {
    const key = `${r.suite} (${r.profile})`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agent-orchestra" tests="${results.length}" failures="${results.filter((r) => r.verdict === "fail").length}" errors="${results.filter((r) => r.verdict === "error").length}">`,
  ];
  for (const [name, rs] of [...groups.entries()].sort()) {
    const time = rs.reduce((n, r) => n + r.durationMs, 0) / 1000;
    out.push(
      `  <testsuite name="${xml(name)}" tests="${rs.length}" failures="${rs.filter((r) => r.verdict === "fail").length}" errors="${rs.filter((r) => r.verdict === "error").length}" time="${time.toFixed(3)}">`,
    );
    for (const r of rs) {
      const tiers = [...new Set(r.calls.map((c) => c.tier))].join(",");
      out.push(
        `    <testcase classname="${xml(`${r.suite}.${r.profile}`)}" name="${xml(`${r.case} #${r.trial}: ${r.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`,
      );
      out.push("      <properties>");
      out.push(
        `        <property name="tiers" value="${xml(tiers)}"/>`,
        `        <property name="costUsd" value="${(r.costMicroUsd / 1e6).toFixed(6)}"/>`,
        `        <property name="latencyMs" value="${r.latencyMs}"/>`,
        `        <property name="latencySource" value="${r.latencySource}"/>`,
        `        <property name="critical" value="${r.critical}"/>`,
      );
      out.push("      </properties>");
      const reason = r.reason ?? "";
      const tag = r.verdict === "fail" ? "failure" : r.verdict === "error" ? "error" : undefined;
      if (tag) out.push(`      <${tag} message="${xml(reason.slice(0, 500))}">${xml(reason)}</${tag}>`);
      if (r.tree.length > 0) out.push(`      <system-out>${xml(renderTaskTree(r.tree))}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

/** Context filtering in tokens over the calls it ran on; planners, never filtered, said apart. */
function contextLine(c: Summary["context"]): string {
  const t = c.tokens;
  if (t.filteredCalls === 0)
    return `- Context filtering: no call was filtered${t.unfilteredCalls ? ` (${t.unfilteredCalls} call(s) with context were planners or had the filter off: planners see every file by design)` : ""}; ${c.bytesBefore} bytes of context offered, ${c.bytesAfter} sent.`;
  const top = t.byAgentTier
    .filter((g) => g.before > g.after)
    .slice(0, 3)
    .map((g) => `${g.agent} on ${g.tier} ${pct(g.reduction)} less`)
    .join(", ");
  return `- Context filtering (${t.basis}): ${t.filteredCalls} specialist call(s) were offered ${t.before} tokens of context and sent ${t.after} (${pct(t.reduction)} less), ${pct(t.promptShareSaved)} of their prompt tokens${top ? `; most: ${top}` : ""}. ${t.unfilteredCalls} planner call(s) with context are not filtered (planners see every file by design) and not in these figures; over every call, ${c.bytesBefore} bytes offered, ${c.bytesAfter} sent (${pct(c.reduction)} less).`;
}

/** The run history: what it holds, and the cases whose verdict flipped on the same basis. */
function historyLines(h: NonNullable<Summary["history"]>): string[] {
  const lines = [
    "## Flaky across runs",
    "",
    `History ${h.dir}: ${h.runs} run(s), ${h.entries} trial(s). ${h.flaky.length ? `${h.flaky.length} case(s) flipped verdict on the same basis (the same recordings in replay, the same models live): the harness or the model decided them, not the change under test.` : "No case flipped verdict on the same basis."}`,
  ];
  if (h.flaky.length)
    lines.push(
      "",
      "| case | profile | basis | runs | passes | fails |",
      "|---|---|---|---:|---:|---:|",
      ...h.flaky.map(
        (f) => `| ${f.case} | ${f.profile} | ${f.basis} | ${f.runs} | ${f.passes} | ${f.fails} |`,
      ),
    );
  if (h.problems.length) lines.push("", ...h.problems.map((p) => `- skipped: ${p}`));
  return lines;
}

/** Prompt caching: the hit ratio, the agents that read least, and the writes nothing read. */
function cacheLine(c: Summary["cache"]): string {
  if (c.promptTokens === 0) return "- Prompt caching: no prompt tokens.";
  const never = c.neverRead.groups.slice(0, 3).map((g) => `${g.agent} on ${g.model} (${g.writeTokens})`);
  return `- Prompt caching: ${pct(c.hitRatio)} of ${c.promptTokens} prompt tokens read from the cache; ${c.writeTokens} written${c.neverRead.writeTokens ? `, of which ${c.neverRead.writeTokens} by agent and model pairs no later call read in this run (waste: ${never.join(", ")}${c.neverRead.groups.length > 3 ? `, and ${c.neverRead.groups.length - 3} more` : ""})` : ", every agent and model that wrote also read"}. Per agent and tier in summary.json \`cache.byAgentTier\`.`;
}
