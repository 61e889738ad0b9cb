import { appendFileSync } from "node:fs";
import type { LoadedCase } from "../suite/index.js";
import type { Output } from "./output.js";

/** GitHub caps a step's summary at 1 MiB; past that it shows nothing of it. */
const STEP_SUMMARY_LIMIT = 1_000_000;

/**
 * Appends a report's Markdown to the job's summary when `GITHUB_STEP_SUMMARY` is set, whether the
 * command passes or fails: a failing certification is the one a reviewer most needs to see.
 */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  let text = markdown.endsWith("\n") ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(text) > STEP_SUMMARY_LIMIT) {
    text = `${text.slice(0, STEP_SUMMARY_LIMIT - 200)}\n\n_(cut at GitHub's 1 MiB step-summary limit: the whole report is in report.md)_\n`;
  }
  appendFileSync(file, `${text}\n`);
  return true;
}

/** A workflow command's message: `%`, CR and LF escaped, as GitHub reads them. */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property: the message escapes, and also `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface Annotation {
  file: string;
  line?: number;
  title: string;
  message: string;
}

export function annotationLine(a: Annotation): string {
  const props = [`file=${escapeProperty(a.file)}`];
  if (a.line !== undefined) props.push(`line=${a.line}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::error ${props.join(",")}::${escapeData(a.message)}`;
}

/**
 * One annotation per failed or errored case, pointing at the case in its suite file, printed when
 * the command runs in GitHub Actions (`GITHUB_ACTIONS=true`): elsewhere they would be noise.
 */
export function printAnnotations(
  output: Output,
  failures: readonly { case: string; trial: number; verdict: string; reason: string }[],
  cases: readonly LoadedCase[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (env.GITHUB_ACTIONS !== "true") return 0;
  const byId = new Map(cases.map((c) => [c.id, c]));
  const seen = new Set<string>();
  let printed = 0;
  for (const f of failures) {
    if (seen.has(f.case)) continue;
    seen.add(f.case);
    const c = byId.get(f.case);
    if (!c) continue;
    // Only failing cases need a position: computing it parses the suite file with positions.
    const line = c.positionOf([])?.line;
    output.out(
      annotationLine({
        file: c.file,
        ...(line === undefined ? {} : { line }),
        title: `${f.verdict === "error" ? "Error" : "Failed"}: ${f.case}`,
        message: `${c.title}: ${f.reason}`,
      }),
    );
    printed++;
  }
  return printed;
}
