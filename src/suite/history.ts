import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { TrialResult } from "./results.js";

/**
 * A run history (`--history DIR`): every scored trial of every run, one line each, in
 * DIR/history.jsonl. A case whose verdict flips on the same basis (the same recordings in replay,
 * the same served models live) is flaky: the harness or the model, not the change under test,
 * decided its verdict.
 */
export const HistoryEntrySchema = z.strictObject({
  run: z.string().min(1).describe("the run folder's name"),
  at: z.string().describe("ISO 8601 time the run's trials were written to the history"),
  case: z.string().min(1),
  profile: z.string().min(1),
  trial: z.number().int().min(1),
  mode: z.enum(["replay", "record", "live"]),
  verdict: z.enum(["pass", "fail", "error"]),
  basis: z
    .string()
    .min(1)
    .describe(
      "what the verdict stood on: recordings:<sha256 of the case's recordings file> in replay, models:<served models> in record and live",
    ),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HISTORY_FILE = "history.jsonl";

export interface FlakyCase {
  case: string;
  profile: string;
  basis: string;
  /** Runs of the history with a scored trial of the case on this basis, and its verdicts in them. */
  runs: number;
  passes: number;
  fails: number;
}

/** The history's entries, and each line that could not be read (file:line and why), never fatal. */
export function readHistory(dir: string): { entries: HistoryEntry[]; problems: string[] } {
  const file = join(dir, HISTORY_FILE);
  if (!existsSync(file)) return { entries: [], problems: [] };
  const entries: HistoryEntry[] = [];
  const problems: string[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        problems.push(`${file}:${i + 1}: not JSON; the line is skipped (delete it or fix it)`);
        return;
      }
      const parsed = HistoryEntrySchema.safeParse(json);
      if (parsed.success) entries.push(parsed.data);
      else
        problems.push(
          `${file}:${i + 1}: ${parsed.error.issues[0]?.path.join(".") || "line"}: ${parsed.error.issues[0]?.message}; the line is skipped`,
        );
    });
  return { entries, problems };
}

/** What a trial's verdict stood on: the case's recordings in replay, the models that answered otherwise. */
export function basisOf(trial: TrialResult, recordingsDir: string): string {
  if (trial.mode === "replay") {
    const file = join(recordingsDir, `${trial.case}.jsonl`);
    const digest = existsSync(file)
      ? createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16)
      : "none";
    return `recordings:${digest}`;
  }
  const models = [...new Set(trial.calls.map((c) => c.servedModel ?? c.model))].sort();
  return `models:${models.join(",") || "none"}`;
}

/** A run's trials as history entries. */
export function historyEntriesOf(
  results: readonly TrialResult[],
  options: { run: string; at: string; recordingsDir: string },
): HistoryEntry[] {
  // A case's trials share its recordings file: hash it once per case.
  const replayBasis = new Map<string, string>();
  return results.map((t) => {
    let basis = t.mode === "replay" ? replayBasis.get(t.case) : undefined;
    if (basis === undefined) {
      basis = basisOf(t, options.recordingsDir);
      if (t.mode === "replay") replayBasis.set(t.case, basis);
    }
    return {
      run: options.run,
      at: options.at,
      case: t.case,
      profile: t.profile,
      trial: t.trial,
      mode: t.mode,
      verdict: t.verdict,
      basis,
    };
  });
}

/** Appends entries to DIR/history.jsonl (the folder is made if needed). */
export function appendHistory(dir: string, entries: readonly HistoryEntry[]): void {
  mkdirSync(dir, { recursive: true });
  if (entries.length === 0) return;
  appendFileSync(join(dir, HISTORY_FILE), `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
}

/**
 * Cases whose scored verdicts (errors aside: an outage is not quality) differ on the same basis,
 * within a run's trials or across runs, sorted by case and profile.
 */
export function flakyCases(entries: readonly HistoryEntry[]): FlakyCase[] {
  const groups = new Map<string, { e: HistoryEntry; runs: Set<string>; passes: number; fails: number }>();
  for (const e of entries) {
    if (e.verdict === "error") continue;
    const key = `${e.case}\0${e.profile}\0${e.basis}`;
    const g = groups.get(key) ?? { e, runs: new Set<string>(), passes: 0, fails: 0 };
    g.runs.add(e.run);
    if (e.verdict === "pass") g.passes++;
    else g.fails++;
    groups.set(key, g);
  }
  return [...groups.values()]
    .filter((g) => g.passes > 0 && g.fails > 0)
    .map((g) => ({
      case: g.e.case,
      profile: g.e.profile,
      basis: g.e.basis,
      runs: g.runs.size,
      passes: g.passes,
      fails: g.fails,
    }))
    .sort((a, b) => a.case.localeCompare(b.case) || a.profile.localeCompare(b.profile));
}

/** history.json in a run folder: what the history said when the run was added to it. */
export const RunHistorySchema = z.strictObject({
  dir: z.string().describe("the --history folder"),
  runs: z.number().int().describe("runs the history holds, this one included"),
  entries: z.number().int(),
  flaky: z.array(
    z.strictObject({
      case: z.string(),
      profile: z.string(),
      basis: z.string(),
      runs: z.number().int(),
      passes: z.number().int(),
      fails: z.number().int(),
    }),
  ),
  /** Lines of history.jsonl that could not be read (skipped). */
  problems: z.array(z.string()),
});
export type RunHistory = z.infer<typeof RunHistorySchema>;

/** Adds a run's trials to the history and says what the history now holds (history.json's contents). */
export function recordHistory(
  dir: string,
  results: readonly TrialResult[],
  options: { run: string; recordingsDir: string; at?: string },
): RunHistory {
  appendHistory(
    dir,
    historyEntriesOf(results, {
      run: options.run,
      at: options.at ?? new Date().toISOString(),
      recordingsDir: options.recordingsDir,
    }),
  );
  const { entries, problems } = readHistory(dir);
  return {
    dir,
    runs: new Set(entries.map((e) => e.run)).size,
    entries: entries.length,
    flaky: flakyCases(entries),
    problems,
  };
}
