import { html } from "./markup.js";
import type { Section } from "./section.js";

/** The owners' gates, one row each, with what was measured against what was asked and where. */
export const readinessSection: Section = {
  id: "readiness",
  title: "Readiness",
  render({ readiness: r }) {
    if (!r) return null;
    const failed = r.gates.filter((g) => g.status === "fail").length;
    return html`<p class="verdict ${r.ready ? "pass" : "fail"}">Production readiness: ${r.ready ? "READY" : "NOT READY"}</p>
<p>${r.profile} against the ${r.baseline} baseline; basis: <strong>${r.basis}</strong>. ${r.gates.length - failed} of ${r.gates.length} gates pass.</p>
<div class="scroll"><table id="gates"><thead><tr><th>gate</th><th>status</th><th>measured</th><th>threshold</th><th>evidence</th></tr></thead><tbody>
${r.gates.map(
  (g) =>
    html`<tr class="${g.status}" data-gate="${g.id}"><td>${g.title}</td><td class="status">${g.status === "pass" ? "PASS" : "FAIL"}</td><td>${g.measured}</td><td>${g.thresholdText}</td><td>${g.evidence}</td></tr>\n`,
)}</tbody></table></div>`;
  },
};
