import { pct } from "../format.js";
import { complianceText, deviationLines } from "../render.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";

/** Compliance, overhead and routing, in the same words as report.md. */
export const protocolSection: Section = {
  id: "protocol",
  title: "Protocol and routing",
  render({ summary }) {
    if (!summary) return null;
    const { protocol: p, routing: r, context: c } = summary;
    return html`<ul>
<li>Compliance: ${complianceText(p)}. Compliance counts the strict reading of every reply; the orchestrator acts on the recovered one.${
      Object.keys(p.deviations).length
        ? html`<ul>${deviationLines(p).map((l) => html`<li>${l}</li>`)}</ul>`
        : ""
    }</li>
<li>Overhead: ${pct(p.overheadRatio)} of message bytes are markup (owners' target: under 5%).</li>
<li>Escalations: ${r.escalations} calls (${pct(r.escalationCostShare)} of cost); fallbacks: ${r.fallbacks} (${r.unexpectedFallbacks} in cases that do not assert one); corrective retries: ${r.correctiveRetries}; retries after max_tokens: ${r.truncationRetries}.</li>
<li>Rate limits: ${r.rateLimited} 429(s) waited out on the same model; calls answered by another model than asked: ${r.servedOther}.</li>
<li>Context filtering (${c.tokens.basis}): ${c.tokens.filteredCalls ? `${c.tokens.filteredCalls} specialist call(s) offered ${c.tokens.before} tokens of context, sent ${c.tokens.after} (${pct(c.tokens.reduction)} less, ${pct(c.tokens.promptShareSaved)} of their prompt tokens)` : "no call was filtered"}; ${c.tokens.unfilteredCalls} planner call(s) unfiltered by design and not counted.</li>
<li>Prompt caching: ${pct(summary.cache.hitRatio)} of ${summary.cache.promptTokens} prompt tokens read from the cache; ${summary.cache.neverRead.writeTokens} of ${summary.cache.writeTokens} written tokens never read in this run.</li>
${
  summary.judges
    ? html`<li id="judges">Judges: ${Object.entries(summary.judges.tiers)
        .map(([tier, models]) => `${tier} (${models.join(", ")})`)
        .join(
          "; ",
        )}; ${summary.judges.assertions} rubric verdict(s), ${summary.judges.errors} not evaluated, ${summary.judges.trials} repetition(s) each; agreement ${pct(summary.judges.agreement)}, Krippendorff's alpha ${summary.judges.alpha === null ? "n/a" : summary.judges.alpha.toFixed(3)}; ${summary.judges.unstable.length} unstable; judge cost $${summary.judges.costUsd.toFixed(4)}, apart from the system's.</li>`
    : ""
}
</ul>`;
  },
};
