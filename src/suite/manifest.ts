import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Agent } from "../agents/index.js";
import type { Config, Prices } from "../config/index.js";
import { canonicalJson, MODES, priceTableDigest, sha256 } from "../models/index.js";
import { InputError } from "../shared/problem.js";
import type { LoadedCase } from "./load.js";

export const RUN_FILE = "run.json";

/**
 * run.json: a run's settings, written before its first trial, so that `--resume DIR` restores all
 * of them and a report re-renders from its folder alone. `outcome` is added when the run ends.
 */
export const RunManifestSchema = z.strictObject({
  version: z.literal(1),
  harness: z.string().describe("agent-orchestra version that started the run"),
  createdAt: z.string(),
  title: z.string().describe("the title every report of the run carries"),
  kind: z.enum(["run", "merge"]).optional().describe("merge: joined from shard folders by `orchestra merge`"),
  cwd: z.string().describe("the folder paths below are relative to"),
  suites: z.array(z.string()).describe("suite files or folders, as given"),
  profile: z.string(),
  mode: z.enum(MODES),
  trials: z.number().int().positive().nullable().describe("--trials (a case's own trials win)"),
  judgeTrials: z
    .number()
    .int()
    .positive()
    .nullable()
    .optional()
    .describe("--judge-trials: repetitions of each rubric assertion's judge (absent or null: 1)"),
  filter: z.string().nullable(),
  shard: z.string().nullable().describe("I/N"),
  recordings: z.string(),
  agentsDir: z.string(),
  config: z.string().describe("the orchestra.config.yaml file"),
  concurrency: z.number().int().positive(),
  timeoutMs: z.number().int().positive().nullable(),
  maxErrors: z.number().min(0).max(1).nullable(),
  digests: z.strictObject({
    config: z.string().describe("sha256 of the loaded config"),
    agents: z.string().describe("sha256 of the loaded agents"),
    suites: z.string().describe("sha256 of the planned cases, their inputs and expectations"),
  }),
  prices: z
    .strictObject({
      source: z.string(),
      retrieved: z.string(),
      digest: z.string().describe("sha256 of the canonical JSON of the price table as loaded"),
    })
    .optional()
    .describe("the price table that priced the run's calls (prices of orchestra.config.yaml)"),
  /** Trials the run planned (after filter and shard). */
  planned: z.number().int().nonnegative(),
  outcome: z
    .strictObject({
      finishedAt: z.string(),
      done: z.number().int().nonnegative(),
      stopped: z.enum(["interrupted", "max-errors", "budget"]).nullable(),
      /** Why the run did less than planned, when neither an interrupt nor --max-errors says (a missing shard). */
      note: z.string().optional(),
    })
    .optional(),
});

export type RunManifest = z.infer<typeof RunManifestSchema>;

export function configDigest(config: Config): string {
  return sha256(canonicalJson(config));
}

/** What run.json says of the price table that priced a run. */
export function pricesOfRun(prices: Prices): NonNullable<RunManifest["prices"]> {
  return { source: prices.source, retrieved: prices.retrieved, digest: priceTableDigest(prices) };
}

// The loaders build these objects from parsed files, so their key order is the files' own and
// JSON.stringify is stable for the same files: it is several times cheaper than canonicalJson on
// a suite of thousands of cases.
export function agentsDigest(agents: readonly Agent[]): string {
  return sha256(JSON.stringify([...agents].sort((a, b) => a.name.localeCompare(b.name))));
}

export function suitesDigest(cases: readonly LoadedCase[]): string {
  const hash = createHash("sha256");
  // Cases share context files: each distinct text is hashed once.
  const texts = new Map<string, string>();
  for (const c of cases) {
    hash.update(
      JSON.stringify([
        c.id,
        c.suite,
        c.input,
        c.expect,
        c.trials ?? null,
        c.limits ?? null,
        c.timeoutMs ?? null,
      ]),
    );
    for (const item of c.contextItems) {
      let digest = texts.get(item.text);
      if (digest === undefined) {
        digest = sha256(item.text);
        texts.set(item.text, digest);
      }
      hash.update(digest);
    }
  }
  return hash.digest("hex");
}

/** The run.json of a folder, or undefined when it has none; a malformed one is an input error. */
export function readManifest(dir: string): RunManifest | undefined {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InputError([
      { file, message: `not valid JSON: ${(err as Error).message}`, fix: "restore it, or start a new run" },
    ]);
  }
  const parsed = RunManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError([
      {
        file,
        field: issue?.path.join("."),
        message: `not a run.json: ${issue?.message}`,
        fix: "restore it, or start a new run",
      },
    ]);
  }
  return parsed.data;
}

/** Writes run.json atomically (a crash never leaves half a manifest). */
export function writeManifest(dir: string, manifest: RunManifest): void {
  const file = join(dir, RUN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, file);
}
