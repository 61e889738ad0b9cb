import type { ReportView } from "../view.js";
import type { Charts } from "./chart.js";
import type { Html } from "./markup.js";

/**
 * One part of the page. Each draws only from the view and says nothing (null) when the view lacks
 * what it shows, so every kind of report (run, A/B, certification, merge, diff) uses the same list.
 */
export interface Section {
  /** The anchor of the section, and the id tests find it by. */
  id: string;
  /** Its heading and its entry in the page's navigation. */
  title: string;
  render(view: ReportView, charts: Charts): Html | null;
}
