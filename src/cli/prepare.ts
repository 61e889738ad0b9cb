import { resolve } from "node:path";
import { type Agent, checkProfileAgents, loadAgents } from "../agents/index.js";
import { type Config, loadConfig } from "../config/index.js";
import { InputError } from "../shared/problem.js";
import {
  agentsDigest,
  checkCaseAgents,
  configDigest,
  type LoadedCase,
  loadSuites,
  type RunManifest,
  suitesDigest,
} from "../suite/index.js";
import { UsageError } from "./exit.js";
import { HARNESS_VERSION } from "./version.js";

export interface Prepared {
  config: Config;
  configFile: string;
  agents: Agent[];
  cases: LoadedCase[];
  digests: RunManifest["digests"];
}

/**
 * What every command that runs suites loads first, checked against each other: the config, the
 * agents (valid), the suites, every agent a case or a profile names (exit 2 with file:line when one
 * does not exist), and the digests run.json keeps.
 */
export function prepareRun(where: {
  config: string;
  agentsDir: string;
  paths: readonly string[];
  profiles: readonly string[];
}): Prepared {
  const loaded = loadConfig(resolve(where.config));
  const { config } = loaded;
  for (const p of where.profiles)
    if (!config.profiles[p])
      throw new UsageError(`unknown profile "${p}" (known: ${Object.keys(config.profiles).join(", ")})`);
  const cases = loadSuites(where.paths.length ? where.paths.map((p) => resolve(p)) : [resolve("suites")]);
  const registry = loadAgents(resolve(where.agentsDir), { tiers: Object.keys(config.tiers) });
  if (registry.problems.length > 0)
    throw new UsageError(
      `the agents folder has ${registry.problems.length} problem(s); run \`orchestra agents\` to see them`,
    );
  const references = [
    ...checkCaseAgents(cases, registry.agents),
    ...checkProfileAgents(config, registry.agents, loaded.file, loaded.positionOf),
  ];
  if (references.length > 0) throw new InputError(references);
  return {
    config,
    configFile: loaded.file,
    agents: registry.agents,
    cases,
    digests: {
      config: configDigest(config),
      agents: agentsDigest(registry.agents),
      suites: suitesDigest(cases),
    },
  };
}

/** run.json's settings for a run a command starts (certify, ab) with the defaults of `orchestra run`. */
export function manifestFor(p: {
  title: string;
  paths: readonly string[];
  profile: string;
  mode: RunManifest["mode"];
  recordings: string;
  agentsDir: string;
  config: string;
  concurrency: number;
  timeoutMs?: number;
  judgeTrials?: number;
  digests: RunManifest["digests"];
}): Omit<RunManifest, "planned" | "outcome"> {
  return {
    version: 1,
    harness: HARNESS_VERSION,
    createdAt: new Date().toISOString(),
    title: p.title,
    cwd: process.cwd(),
    suites: p.paths.length ? [...p.paths] : ["suites"],
    profile: p.profile,
    mode: p.mode,
    trials: null,
    ...(p.judgeTrials === undefined ? {} : { judgeTrials: p.judgeTrials }),
    filter: null,
    shard: null,
    recordings: p.recordings,
    agentsDir: p.agentsDir,
    config: p.config,
    concurrency: p.concurrency,
    timeoutMs: p.timeoutMs ?? null,
    maxErrors: null,
    digests: p.digests,
  };
}
