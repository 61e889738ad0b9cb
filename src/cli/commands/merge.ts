import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { banners, partialOf, writeRunOutputs } from "../../report/index.js";
import {
  loadSuites,
  parseResults,
  type RunManifest,
  readManifest,
  selectCases,
  suitesDigest,
  type TrialResult,
  writeManifest,
} from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import type { Output } from "../output.js";

interface Shard {
  dir: string;
  manifest: RunManifest | undefined;
  results: TrialResult[];
}

/** The distinct values of `f` over the shards, each with the folders that have it. */
function disagreement(shards: readonly Shard[], f: (s: Shard) => string[]): string | undefined {
  const by = new Map<string, string[]>();
  for (const s of shards) for (const v of f(s)) by.set(v, [...(by.get(v) ?? []), s.dir]);
  if (by.size <= 1) return undefined;
  return [...by.entries()].map(([v, dirs]) => `${v} (${dirs.join(", ")})`).join(" vs ");
}

/**
 * Joins shard folders into one run: every trial once (by case and trial). Shards of different
 * profiles, modes, suites or config are refused (their union would be one pass rate of two
 * things); shards that do not cover the plan together make a partial run, and say which are missing.
 */
export async function mergeCommand(dirs: string[], opts: { out: string }, output: Output): Promise<number> {
  const shards: Shard[] = dirs.map((d) => {
    const dir = resolve(d);
    const file = join(dir, "results.jsonl");
    if (!existsSync(file)) throw new UsageError(`no results.jsonl in ${d}`);
    return { dir: d, manifest: readManifest(dir), results: parseResults(readFileSync(file, "utf8")).results };
  });
  const checks: [string, (s: Shard) => string[]][] = [
    [
      "profiles",
      (s) => [...new Set([...s.results.map((r) => r.profile), ...(s.manifest ? [s.manifest.profile] : [])])],
    ],
    [
      "modes",
      (s) => [...new Set([...s.results.map((r) => r.mode), ...(s.manifest ? [s.manifest.mode] : [])])],
    ],
    ["suites", (s) => (s.manifest ? [`suites ${s.manifest.digests.suites.slice(0, 12)}`] : [])],
    ["config", (s) => (s.manifest ? [`config ${s.manifest.digests.config.slice(0, 12)}`] : [])],
    ["agents", (s) => (s.manifest ? [`agents ${s.manifest.digests.agents.slice(0, 12)}`] : [])],
    [
      "trials or filter",
      (s) => (s.manifest ? [`trials ${s.manifest.trials ?? "-"}, filter ${s.manifest.filter ?? "-"}`] : []),
    ],
  ];
  const refusals = checks
    .map(([what, f]) => [what, disagreement(shards, f)] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined)
    .map(([what, d]) => `different ${what}: ${d}`);
  if (refusals.length > 0)
    throw new UsageError(
      `these folders are not shards of one run, so their union would be one figure of two runs: ${refusals.join("; ")}`,
    );

  // Coverage: every shard I of N present, each complete.
  const missing: string[] = [];
  const manifests = shards.map((s) => s.manifest).filter((m): m is RunManifest => m !== undefined);
  const counts = new Set(
    manifests.map((m) => m.shard?.split("/")[1]).filter((n): n is string => n !== undefined),
  );
  if (counts.size > 1)
    throw new UsageError(`shards of different splits: ${[...counts].map((n) => `of ${n}`).join(", ")}`);
  const count = counts.size === 1 ? Number([...counts][0]) : undefined;
  if (count !== undefined) {
    const have = new Set(manifests.map((m) => m.shard));
    for (let i = 1; i <= count; i++)
      if (!have.has(`${i}/${count}`)) missing.push(`shard ${i}/${count} missing`);
  }
  for (const s of shards) {
    const part = partialOf(s.manifest, s.results);
    if (part)
      missing.push(
        `${s.manifest?.shard ? `shard ${s.manifest.shard}` : s.dir} is partial: ${part.done} of ${part.planned} trials (${part.reason})`,
      );
  }
  const unknown =
    manifests.length < shards.length
      ? `${shards.length - manifests.length} folder(s) without run.json (written before run.json existed): their coverage of the plan cannot be checked`
      : undefined;

  const merged = new Map<string, TrialResult>();
  for (const s of shards) for (const r of s.results) merged.set(`${r.profile}\0${r.case}\0${r.trial}`, r);
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const results = [...merged.values()].sort(
    (a, b) => a.profile.localeCompare(b.profile) || a.case.localeCompare(b.case) || a.trial - b.trial,
  );
  writeFileSync(
    join(out, "results.jsonl"),
    results.map((r) => JSON.stringify(r)).join("\n") + (results.length ? "\n" : ""),
  );
  const first = manifests[0];
  if (first) {
    // The whole plan, from the suites the shards ran (when they are still what the shards ran).
    let planned = manifests.reduce((n, m) => n + m.planned, 0);
    try {
      const cases = loadSuites(first.suites.map((p) => resolve(first.cwd, p)));
      if (suitesDigest(cases) === first.digests.suites)
        planned = selectCases(cases, first.filter ?? undefined).reduce(
          (n, c) => n + (c.trials ?? first.trials ?? 1),
          0,
        );
      else if (missing.length) missing.push("the suites changed since: the size of the plan is unknown");
    } catch {
      if (missing.length) missing.push("the suites cannot be read: the size of the plan is unknown");
    }
    const stopped = manifests.some((m) => m.outcome?.stopped === "interrupted")
      ? "interrupted"
      : manifests.some((m) => m.outcome?.stopped === "max-errors")
        ? "max-errors"
        : null;
    writeManifest(out, {
      ...first,
      title: `Merged run: ${first.profile} (${first.mode})`,
      kind: "merge",
      shard: null,
      // A missing shard's trials are planned but not done: the merged run says it is partial.
      planned,
      outcome: {
        finishedAt: new Date().toISOString(),
        done: results.length,
        stopped,
        ...(missing.length ? { note: missing.join("; ") } : {}),
      },
    });
  }
  const { summary } = await writeRunOutputs(out);
  for (const b of banners(summary)) output.err(b.replace(/^> /, "").replace(/\*\*/g, ""));
  if (missing.length) output.err(`the shards do not cover the plan: ${missing.join("; ")}`);
  if (unknown) output.err(`warning: ${unknown}`);
  output.out(
    `merged ${dirs.length} folder(s), ${results.length} trials, into ${out}: ${summary.totals.passed} passed${summary.partial ? " (partial)" : ""}`,
  );
  return missing.length > 0 || summary.partial ? EXIT.failed : EXIT.ok;
}
