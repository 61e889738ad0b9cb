import { ms, usd } from "../format.js";
import { html } from "./markup.js";
import type { Section } from "./section.js";
import { shownTrees, trialsOf } from "./trees.js";

const REASON_CHARS = 300;

/**
 * A row per trial. The full table is in the HTML; the script adds sorting by any header and the
 * filters (their controls are `hidden` until it runs).
 */
export const casesSection: Section = {
  id: "cases",
  title: "Cases",
  render(view) {
    const trials = trialsOf(view);
    if (!trials.length) return null;
    const trees = shownTrees(view);
    const several = trials.some((r) => r.trial > 1);
    const verdicts = (["pass", "fail", "error"] as const).map(
      (v) => [v, trials.filter((r) => r.verdict === v).length] as const,
    );
    return html`<p>${trials.length} trials: ${verdicts.map(([v, n], i) => html`${i ? ", " : ""}${n} ${v}`)}.</p>
<div class="controls" data-filter-for="case-table" hidden><input type="search" placeholder="Filter by case, suite, profile, reason..." aria-label="Filter cases"><select aria-label="Verdict"><option value="">every verdict</option>${verdicts.map(([v, n]) => html`<option value="${v}">${v} (${n})</option>`)}</select><output aria-live="polite"></output></div>
<div class="scroll"><table id="case-table" class="sortable"><thead><tr><th>case</th><th>suite</th><th>profile</th><th>verdict</th><th>reason</th><th data-type="num">cost</th><th data-type="num">latency</th><th>tiers</th></tr></thead><tbody>
${trials.map((r) => {
  const id = trees.get(r);
  const name = several ? `${r.case} #${r.trial}` : r.case;
  const reason = (r.reason ?? "").replace(/\s+/g, " ").slice(0, REASON_CHARS);
  return html`<tr class="${r.verdict}"><td>${id ? html`<a href="#${id}">${name}</a>` : name}</td><td>${r.suite}</td><td>${r.profile}</td><td class="v ${r.verdict}">${r.verdict}</td><td>${reason}</td><td>${usd(r.costMicroUsd / 1e6)}</td><td>${r.latencySource === "none" ? "n/a" : ms(r.latencyMs)}</td><td>${[...new Set(r.calls.map((c) => c.tier))].sort().join(", ")}</td></tr>\n`;
})}</tbody></table></div>`;
  },
};
