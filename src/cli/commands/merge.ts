import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeRunOutputs } from "../../report/index.js";
import { parseResults, type TrialResult } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import type { Output } from "../output.js";

/** Joins shard folders into one run: every trial once (by profile, case and trial), then the outputs. */
export async function mergeCommand(dirs: string[], opts: { out: string }, output: Output): Promise<number> {
  const merged = new Map<string, TrialResult>();
  for (const d of dirs) {
    const file = join(resolve(d), "results.jsonl");
    if (!existsSync(file)) throw new UsageError(`no results.jsonl in ${d}`);
    for (const r of parseResults(readFileSync(file, "utf8")).results)
      merged.set(`${r.profile}\0${r.case}\0${r.trial}`, r);
  }
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const results = [...merged.values()].sort(
    (a, b) => a.profile.localeCompare(b.profile) || a.case.localeCompare(b.case) || a.trial - b.trial,
  );
  writeFileSync(
    join(out, "results.jsonl"),
    results.map((r) => JSON.stringify(r)).join("\n") + (results.length ? "\n" : ""),
  );
  const { summary } = writeRunOutputs(out);
  output.out(
    `merged ${dirs.length} folder(s), ${results.length} trials, into ${out}: ${summary.totals.passed} passed`,
  );
  return EXIT.ok;
}
