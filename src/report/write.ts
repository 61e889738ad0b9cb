import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseResults,
  type RunHistory,
  RunHistorySchema,
  type RunManifest,
  readManifest,
  type TrialResult,
} from "../suite/index.js";
import { renderJunit, renderMarkdown } from "./render.js";
import { type Partial, type Summary, summarize } from "./summary.js";
import { writeHtml } from "./write-html.js";

/** What a run planned and how it ended, as run.json or a run's outcome says. */
export interface Plan {
  planned: number;
  stopped?: "interrupted" | "max-errors" | "budget" | null | undefined;
  /** Why less was done, when neither an interrupt nor --max-errors says (a missing shard). */
  note?: string | undefined;
  /** The run ended (false: killed, or still running). */
  ended: boolean;
}

/** What part of its plan a run did: null when it did all of it. */
export function partialOfPlan(plan: Plan, results: readonly TrialResult[]): Partial | null {
  const done = new Set(results.map((r) => `${r.case}#${r.trial}`)).size;
  if (done >= plan.planned) return null;
  const reason =
    plan.note ??
    (plan.stopped === "interrupted"
      ? "interrupted"
      : plan.stopped === "max-errors"
        ? "stopped by --max-errors"
        : plan.stopped === "budget"
          ? "stopped by --budget-usd: the spend reached the budget"
          : plan.ended
            ? "ended early"
            : "killed, or still running");
  return { planned: plan.planned, done, reason };
}

/** What part of its plan a run did, from its run.json: null when complete (or when nothing says). */
export function partialOf(
  manifest: RunManifest | undefined,
  results: readonly TrialResult[],
): Partial | null {
  if (!manifest) return null;
  return partialOfPlan(
    {
      planned: manifest.planned,
      stopped: manifest.outcome?.stopped,
      note: manifest.outcome?.note,
      ended: manifest.outcome !== undefined,
    },
    results,
  );
}

/**
 * Writes summary.json, report.md, report.html and junit.xml of a run folder from its files alone
 * (results.jsonl and run.json, which gives the title and the plan), so a re-render (`orchestra
 * report DIR`) gives the same bytes; then mirrors the folder to `latest`.
 */
export async function writeRunOutputs(
  dir: string,
  options: { title?: string; latest?: string; kind?: "run" | "merge" } = {},
): Promise<{ summary: Summary; results: TrialResult[] }> {
  const { results } = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8"));
  const manifest = readManifest(dir);
  const summary = summarize(results, {
    partial: partialOf(manifest, results),
    prices: manifest?.prices,
    history: readRunHistory(dir),
  });
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  const title = options.title ?? manifest?.title;
  writeFileSync(join(dir, "report.md"), renderMarkdown(summary, title));
  const kind = options.kind ?? manifest?.kind ?? "run";
  await writeHtml(dir, { kind, title: title ?? "Certification run", summary, results });
  writeFileSync(join(dir, "junit.xml"), renderJunit(results));
  if (options.latest && options.latest !== dir) {
    rmSync(options.latest, { recursive: true, force: true });
    mkdirSync(options.latest, { recursive: true });
    cpSync(dir, options.latest, { recursive: true });
  }
  return { summary, results };
}

/** history.json of a run folder (written when the run was added to a --history), if any. */
export function readRunHistory(dir: string): RunHistory | null {
  const file = join(dir, "history.json");
  if (!existsSync(file)) return null;
  const parsed = RunHistorySchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : null;
}
