import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CONFIG_FILE, loadConfig } from "../../config/index.js";
import {
  cacheMinimumsOf,
  type FaultSpec,
  loadScenario,
  type MessySpec,
  parseFaultSpec,
  parseMessyKinds,
  recordedReplies,
  startFakeApi,
} from "../../fake-api/index.js";
import { EXIT, UsageError } from "../exit.js";
import type { Output } from "../output.js";

export interface FakeApiCliOptions {
  port: number;
  latencyMs?: number;
  rpm?: number;
  tpm?: number;
  fault: string[];
  scenario?: string;
  recordings?: string;
  seed: number;
  messy?: number;
  messyKinds?: string;
  /** The orchestra config, for the models' minimum cacheable prompt. */
  config: string;
}

function messyOf(opts: FakeApiCliOptions): MessySpec | undefined {
  if (opts.messy === undefined) {
    if (opts.messyKinds !== undefined)
      throw new UsageError("--messy-kinds needs --messy RATE (e.g. --messy 0.2)");
    return undefined;
  }
  if (opts.messyKinds === undefined) return { rate: opts.messy };
  try {
    return { rate: opts.messy, kinds: parseMessyKinds(opts.messyKinds) };
  } catch (err) {
    throw new UsageError(`--messy-kinds: ${(err as Error).message}`);
  }
}

/**
 * The models' minimum cacheable prompts from the config. Run away from a project (no config in the
 * current folder, none asked for), the fake still serves, with the cache's plain default.
 */
function cacheMinimums(opts: FakeApiCliOptions, output: Output): Record<string, number> | undefined {
  const file = resolve(opts.config);
  if (opts.config === CONFIG_FILE && !existsSync(file)) {
    output.err(`no ${CONFIG_FILE} here: the prompt cache has no per-model minimums (use --config FILE)`);
    return undefined;
  }
  return cacheMinimumsOf(loadConfig(file).config);
}

/** Runs until SIGINT or SIGTERM; the first line printed is the URL, for scripts to read. */
export async function fakeApiCommand(opts: FakeApiCliOptions, output: Output): Promise<number> {
  let faults: FaultSpec[];
  try {
    faults = opts.fault.map(parseFaultSpec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const messy = messyOf(opts);
  if (opts.recordings && !existsSync(resolve(opts.recordings)))
    throw new UsageError(`recordings folder not found: ${opts.recordings}`);
  const minTokens = cacheMinimums(opts, output);
  const api = await startFakeApi({
    port: opts.port,
    faults,
    seed: opts.seed,
    ...(messy ? { messy } : {}),
    ...(minTokens ? { promptCache: { minTokens } } : {}),
    ...(opts.latencyMs === undefined ? {} : { latencyMs: opts.latencyMs }),
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.tpm === undefined ? {} : { tpm: opts.tpm }),
    ...(opts.scenario ? { scenario: loadScenario(resolve(opts.scenario)) } : {}),
    ...(opts.recordings ? { reply: recordedReplies(resolve(opts.recordings)) } : {}),
  });
  output.out(`listening on ${api.url}`);
  output.err(`fake Anthropic API (synthetic responses); use ANTHROPIC_BASE_URL=${api.url}. Ctrl-C to stop.`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  const stats = api.stats();
  await api.close();
  output.err(
    `served ${stats.requests} requests; faults ${JSON.stringify(stats.faults)}; messy ${JSON.stringify(stats.messy)}`,
  );
  return EXIT.ok;
}
