import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Agent } from "../agents/index.js";
import type { Config } from "../config/index.js";
import { cacheMinimumsOf, loadScenario, type Scenario, startFakeApi } from "../fake-api/index.js";
import { createGateway, type RecordingStore } from "../models/index.js";
import { type LoadedCase, runSuite, type TrialResult } from "../suite/index.js";

/**
 * A stated latency model for synthetic replies (ms): a fixed start-up time plus a per-output-token
 * time by model family, and fixed times for errors. A demonstration, labelled synthetic.
 */
export function syntheticLatency({
  model,
  status,
  outputTokens,
}: {
  model: string;
  status?: number;
  outputTokens?: number;
}): number {
  if (status === undefined) return 1000; // a network error or timeout
  if (status >= 400) return 250;
  const [base, perToken] = model.includes("opus")
    ? [1500, 25]
    : model.includes("sonnet")
      ? [900, 14]
      : [400, 6];
  return base + perToken * (outputTokens ?? 0);
}

/** The scenario file of a case in a scenarios folder (`<case>.yaml`, or the case's `scenario`). */
export function scenarioFileOf(dir: string, c: LoadedCase): string | undefined {
  const file = join(dir, `${c.scenario ?? c.id}.yaml`);
  return existsSync(file) ? file : undefined;
}

/**
 * Records one case under a profile against the loopback fake API playing the case's scenario:
 * synthetic recordings (source `synthetic`, declared latencies), added to `store` and not written
 * (the caller flushes). The fake API honours each model's minimum cacheable prompt, as the real
 * API does. Returns the trials the recording run produced.
 */
export async function recordWithScenario(p: {
  config: Config;
  agents: readonly Agent[];
  case: LoadedCase;
  profile: string;
  scenario: Scenario | string;
  store: RecordingStore;
  /** The recordings' date (default: now); the shipped fixtures use the date they were authored. */
  clock?: () => Date;
  /** Repetitions of each rubric assertion's judge to record (default 1). */
  judgeTrials?: number;
}): Promise<TrialResult[]> {
  const scenario = typeof p.scenario === "string" ? loadScenario(p.scenario) : p.scenario;
  const api = await startFakeApi({
    port: 0,
    scenario,
    seed: 1,
    // Concurrent agents' requests may arrive in any order: ids numbered per agent keep the bytes.
    ids: "per-agent",
    promptCache: { minTokens: cacheMinimumsOf(p.config) },
  });
  const out = mkdtempSync(join(tmpdir(), "orchestra-scenario-"));
  try {
    const gateway = createGateway({
      config: p.config,
      mode: "record",
      recordings: p.store,
      baseURL: api.url,
      apiKey: "fake-api",
      ...(p.clock ? { clock: p.clock } : {}),
      syntheticLatency,
      maxRetries: 2,
    });
    const { results } = await runSuite({
      cases: [p.case],
      config: p.config,
      agents: p.agents,
      gateway,
      profile: p.profile,
      mode: "record",
      ...(p.judgeTrials === undefined ? {} : { judgeTrials: p.judgeTrials }),
      concurrency: 1,
      outDir: out,
    });
    return results;
  } finally {
    rmSync(out, { recursive: true, force: true });
    await api.close();
  }
}
