import type { ReportView } from "../view.js";
import { abSection } from "./ab.js";
import { casesSection } from "./cases.js";
import { Charts } from "./chart.js";
import { diffSection } from "./diff.js";
import { frontierSection } from "./frontier.js";
import { latencySection } from "./latency.js";
import { optimizeSection } from "./optimize.js";
import { page } from "./page.js";
import { protocolSection } from "./protocol.js";
import { readinessSection } from "./readiness.js";
import type { Section } from "./section.js";
import { suitesSection } from "./suites.js";
import { tiersSection } from "./tiers.js";
import { treesSection } from "./trees.js";

/** The page's sections in reading order: the one place that lists them. */
export const SECTIONS: readonly Section[] = [
  readinessSection,
  optimizeSection,
  abSection,
  frontierSection,
  diffSection,
  suitesSection,
  tiersSection,
  latencySection,
  protocolSection,
  casesSection,
  treesSection,
];

/**
 * report.html: one self-contained file (no network, no external script, font or image) that reads
 * without JavaScript, in light and dark. The same view always gives the same bytes.
 */
export function renderHtml(view: ReportView): string {
  const charts = new Charts();
  const sections = SECTIONS.flatMap((section) => {
    const body = section.render(view, charts);
    return body ? [{ section, body }] : [];
  });
  return page(view, sections);
}
