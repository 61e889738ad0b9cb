import { abBanner } from "../ab.js";
import { partialBanner, provenanceBanner } from "../render.js";
import type { ReportView } from "../view.js";
import { type Html, html, inlineMarkdown } from "./markup.js";

function banner(markdown: string, tone: "alert" | "note"): Html {
  return html`<div class="banner ${tone}" role="note">${inlineMarkdown(markdown.replace(/^> /, ""))}</div>`;
}

/**
 * The same banners as report.md, from the same functions: what the figures stand on (synthetic,
 * recorded or no evidence), then how much of the plan ran. An A/B speaks for both of its sides, so
 * its banner is the comparison's; every other kind speaks for its summary's run.
 */
export function bannersOf(view: ReportView): Html[] {
  const out: Html[] = [];
  const provenance =
    view.summary && view.kind !== "ab"
      ? provenanceBanner(view.summary)
      : view.ab
        ? abBanner(view.ab)
        : view.summary
          ? provenanceBanner(view.summary)
          : undefined;
  const basis = view.summary?.provenance.basis ?? view.ab?.basis;
  if (provenance) out.push(banner(provenance, basis === "recorded" ? "note" : "alert"));
  const partial = view.summary ? partialBanner(view.summary) : undefined;
  if (partial) out.push(banner(partial, "alert"));
  return out;
}
