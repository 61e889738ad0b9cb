import { createHash } from "node:crypto";
import type { ReportView } from "../view.js";
import { bannersOf } from "./banners.js";
import { type Html, html, raw } from "./markup.js";
import { SCRIPT } from "./script.js";
import type { Section } from "./section.js";
import { STYLE } from "./style.js";

const KIND_LABEL: Record<ReportView["kind"], string> = {
  run: "Run report",
  ab: "A/B comparison",
  certify: "Certification report",
  merge: "Merged run report",
  diff: "Diff of two runs",
  optimize: "Tier optimization",
};

/**
 * The page loads nothing and runs only its own script: the policy allows no source at all but the
 * inline style and the one script whose hash it names, so even markup that slipped through
 * escaping could neither run nor fetch anything.
 */
const POLICY = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'; img-src data:; base-uri 'none'; form-action 'none'`;

export function page(view: ReportView, sections: { section: Section; body: Html }[]): string {
  // Both sides of an A/B or a certification, not only the summary's candidate.
  const trials = [...(view.baselineResults ?? []), ...(view.results ?? [])];
  const runs = [...new Set(trials.map((r) => `${r.profile} (${r.mode})`))];
  const models = [...new Set(trials.flatMap((r) => r.calls.map((c) => c.model)))].sort();
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="agent-orchestra">
<title>${view.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body data-kind="${view.kind}">
<header>
<p class="sub">${KIND_LABEL[view.kind]}</p>
<h1>${view.title}</h1>
${trials.length ? html`<p class="sub">Profiles: ${runs.join(", ")}. Models: ${models.join(", ") || "none"}.</p>` : ""}
${bannersOf(view)}
<nav aria-label="Sections">${sections.map(({ section }) => html`<a href="#${section.id}">${section.title}</a>`)}</nav>
</header>
<main>
${sections.map(({ section, body }) => html`<section id="${section.id}"><h2>${section.title}</h2>\n${body}\n</section>\n`)}</main>
<script>${raw(SCRIPT)}</script>
</body>
</html>
`;
  return doc.value;
}
