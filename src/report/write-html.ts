import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReportView } from "./view.js";

/**
 * Writes report.html into `dir`. The renderer (Observable Plot, a server-side DOM) is loaded only
 * here, when a report is written: commands that write none, and --help, never pay for it.
 */
export async function writeHtml(dir: string, view: ReportView): Promise<void> {
  const { renderHtml } = await import("./html/index.js");
  writeFileSync(join(dir, "report.html"), renderHtml(view));
}
