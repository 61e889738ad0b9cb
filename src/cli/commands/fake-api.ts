import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  type FaultSpec,
  loadScenario,
  parseFaultSpec,
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
}

/** Runs until SIGINT or SIGTERM; the first line printed is the URL, for scripts to read. */
export async function fakeApiCommand(opts: FakeApiCliOptions, output: Output): Promise<number> {
  let faults: FaultSpec[];
  try {
    faults = opts.fault.map(parseFaultSpec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (opts.recordings && !existsSync(resolve(opts.recordings)))
    throw new UsageError(`recordings folder not found: ${opts.recordings}`);
  const api = await startFakeApi({
    port: opts.port,
    faults,
    seed: opts.seed,
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
  output.err(`served ${stats.requests} requests; faults ${JSON.stringify(stats.faults)}`);
  return EXIT.ok;
}
