import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { diffRuns, renderDiffMarkdown, writeHtml } from "../../report/index.js";
import { parseResults, readManifest, type TrialResult } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import { appendStepSummary } from "../github.js";
import type { Output } from "../output.js";

export interface DiffOptions {
  out?: string;
  json?: boolean;
}

function runOf(given: string): { label: string; results: TrialResult[] } {
  const dir = resolve(given);
  const file = join(dir, "results.jsonl");
  if (!existsSync(file)) throw new UsageError(`${given}: no results.jsonl (give two run folders)`);
  const manifest = readManifest(dir);
  const results = parseResults(readFileSync(file, "utf8")).results;
  return { label: manifest ? `${given} (${manifest.profile}, ${manifest.mode})` : given, results };
}

/** Two runs case by case: what regressed, what was fixed, what is new or gone. Exit 1 on a regression. */
export async function diffCommand(a: string, b: string, opts: DiffOptions, output: Output): Promise<number> {
  const ra = runOf(a);
  const rb = runOf(b);
  const diff = diffRuns(ra.results, rb.results, [ra.label, rb.label]);
  const markdown = `# Diff\n\n${renderDiffMarkdown(diff)}`;
  if (opts.out) {
    const out = resolve(opts.out);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "diff.json"), `${JSON.stringify(diff, null, 2)}\n`);
    writeFileSync(join(out, "report.md"), markdown);
    await writeHtml(out, {
      kind: "diff",
      title: `Diff: ${rb.label} against ${ra.label}`,
      diff,
      results: rb.results,
    });
  }
  appendStepSummary(markdown);
  if (opts.json) output.out(JSON.stringify(diff, null, 2));
  else output.out(renderDiffMarkdown(diff));
  return diff.counts.regressed > 0 ? EXIT.failed : EXIT.ok;
}
