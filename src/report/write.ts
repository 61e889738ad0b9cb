import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseResults, type TrialResult } from "../suite/index.js";
import { renderJunit, renderMarkdown } from "./render.js";
import { type Summary, summarize } from "./summary.js";

/**
 * Writes summary.json, report.md and junit.xml of a run folder from its results.jsonl alone, so a
 * re-render (`orchestra report DIR`) gives the same bytes; then mirrors the folder to `latest`.
 */
export function writeRunOutputs(
  dir: string,
  options: { title?: string; latest?: string } = {},
): { summary: Summary; results: TrialResult[] } {
  const { results } = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8"));
  const summary = summarize(results);
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, "report.md"), renderMarkdown(summary, options.title));
  writeFileSync(join(dir, "junit.xml"), renderJunit(results));
  if (options.latest && options.latest !== dir) {
    rmSync(options.latest, { recursive: true, force: true });
    mkdirSync(options.latest, { recursive: true });
    cpSync(dir, options.latest, { recursive: true });
  }
  return { summary, results };
}
