import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "../agents/index.js";
import type { Config } from "../config/index.js";
import { type Gateway, type Mode, ReplayMissError, sha256, ZERO_USAGE } from "../models/index.js";
import { type CallEvent, type MissionOutcome, mapBounded, runAgent, runMission } from "../orchestra/index.js";
import { type AssertionResult, evaluate, type Judge } from "./assertions/index.js";
import type { LoadedCase } from "./load.js";
import { parseResults, type TrialResult } from "./results.js";

export interface Shard {
  index: number;
  count: number;
}

export interface RunOptions {
  cases: readonly LoadedCase[];
  config: Config;
  agents: readonly Agent[];
  gateway: Gateway;
  profile: string;
  mode: Mode;
  /** Trials per case, unless the case sets its own. */
  trials?: number;
  concurrency: number;
  filter?: string;
  shard?: Shard;
  /** The run's folder: results.jsonl is appended here as trials finish. */
  outDir: string;
  /** Keep the trials already in outDir/results.jsonl and run only the missing ones. */
  resume?: boolean;
  /** Stop starting new trials once this fraction of finished trials are errors (and at least 3). */
  maxErrors?: number;
  signal?: AbortSignal;
  onTrial?: (result: TrialResult, done: number, total: number) => void;
}

export interface RunOutcome {
  results: TrialResult[];
  /** Trials skipped because they were already in results.jsonl. */
  resumed: number;
  planned: number;
  stopped?: "interrupted" | "max-errors";
  resultsFile: string;
}

/** Shards partition by a hash of the case id, so a case's trials always land in the same shard. */
export function inShard(caseId: string, shard: Shard | undefined): boolean {
  if (!shard) return true;
  return Number.parseInt(sha256(caseId).slice(0, 8), 16) % shard.count === shard.index - 1;
}

export function selectCases(cases: readonly LoadedCase[], filter?: string, shard?: Shard): LoadedCase[] {
  const needle = filter?.toLowerCase();
  return cases.filter(
    (c) =>
      inShard(c.id, shard) &&
      (!needle ||
        c.id.toLowerCase().includes(needle) ||
        c.title.toLowerCase().includes(needle) ||
        c.tags.some((t) => t.toLowerCase() === needle)),
  );
}

/**
 * Runs every selected case's trials, appending each result to results.jsonl the moment it ends, so
 * an interrupted run loses nothing and `resume` picks up exactly the missing trials.
 */
export async function runSuite(options: RunOptions): Promise<RunOutcome> {
  mkdirSync(options.outDir, { recursive: true });
  const resultsFile = join(options.outDir, "results.jsonl");
  const previous: TrialResult[] = [];
  if (options.resume && existsSync(resultsFile)) {
    const parsed = parseResults(readFileSync(resultsFile, "utf8"));
    truncateSync(resultsFile, parsed.validBytes);
    previous.push(...parsed.results.filter((r) => r.profile === options.profile));
  } else if (existsSync(resultsFile)) {
    truncateSync(resultsFile, 0);
  }
  const done = new Set(previous.map((r) => `${r.case}#${r.trial}`));
  const selected = selectCases(options.cases, options.filter, options.shard);
  const work: { c: LoadedCase; trial: number }[] = [];
  for (const c of selected) {
    const trials = c.trials ?? options.trials ?? 1;
    for (let trial = 1; trial <= trials; trial++) if (!done.has(`${c.id}#${trial}`)) work.push({ c, trial });
  }
  const results: TrialResult[] = [...previous];
  let errors = 0;
  let finished = 0;
  let stopped: RunOutcome["stopped"];
  const judge = judgeFor(options);
  const remaining = new Map<string, number>();
  for (const { c } of work) remaining.set(c.id, (remaining.get(c.id) ?? 0) + 1);
  // One descriptor for the whole run; each line is one write(2), in the OS's hands at once, so a
  // killed process loses no finished trial.
  const out = openSync(resultsFile, "a");
  try {
    await mapBounded(work, options.concurrency, async ({ c, trial }) => {
      if (stopped) return;
      if (options.signal?.aborted) {
        stopped = "interrupted";
        return;
      }
      const result = await runTrial(c, trial, options, judge);
      writeLine(out, JSON.stringify(result));
      const left = (remaining.get(c.id) ?? 1) - 1;
      remaining.set(c.id, left);
      if (left === 0) options.gateway.release(c.id);
      results.push(result);
      finished++;
      if (result.verdict === "error") errors++;
      options.onTrial?.(result, finished + previous.length, work.length + previous.length);
      if (options.maxErrors !== undefined && errors >= 3 && errors / finished > options.maxErrors)
        stopped = "max-errors";
    });
  } finally {
    closeSync(out);
  }
  return {
    results,
    resumed: previous.length,
    planned: work.length + previous.length,
    resultsFile,
    ...(stopped ? { stopped } : {}),
  };
}

/** Writes one line to a descriptor, looping over short writes. */
function writeLine(fd: number, line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

function judgeFor(options: RunOptions): (caseId: string, trial: number) => Judge {
  return (caseId, trial) =>
    async ({ system, user, tier }) => {
      const reply = await options.gateway.call(
        { tier, system, messages: [{ role: "user", content: user }], maxTokens: 512, cache: false },
        { agent: "judge", caseId, trial, profile: options.profile },
      );
      return { text: reply.text, costMicroUsd: reply.costMicroUsd };
    };
}

async function runTrial(
  c: LoadedCase,
  trial: number,
  options: RunOptions,
  judgeOf: ReturnType<typeof judgeFor>,
): Promise<TrialResult> {
  const started = performance.now();
  const base = {
    case: c.id,
    suite: c.suite,
    title: c.title,
    critical: c.critical,
    tags: c.tags,
    trial,
    profile: options.profile,
    mode: options.mode,
  };
  let outcome: MissionOutcome;
  try {
    const orchestra = {
      config: options.config,
      agents: options.agents,
      gateway: options.gateway,
      profile: options.profile,
      caseId: c.id,
      trial,
      ...(c.limits ? { limits: c.limits } : {}),
      ...(c.timeoutMs === undefined ? {} : { callTimeoutMs: c.timeoutMs }),
    };
    const input = c.input;
    const context = c.contextItems;
    outcome =
      "mission" in input
        ? await runMission({ text: input.mission, context }, orchestra)
        : await runAgent(
            {
              agent: "agent" in input ? input.agent : input.coordinator,
              objective: input.task,
              context,
              ...(input.criteria ? { criteria: input.criteria } : {}),
            },
            orchestra,
          );
  } catch (err) {
    const reason =
      err instanceof ReplayMissError
        ? err.message
        : `the case could not run: ${(err as Error).message ?? String(err)}`;
    return errored(base, reason, performance.now() - started);
  }
  const assertions: AssertionResult[] = [];
  for (const assertion of c.expect) {
    assertions.push(await evaluate(assertion, { outcome, dir: c.dir, judge: judgeOf(c.id, trial) }));
  }
  const failed = assertions.filter((a) => !a.pass);
  return {
    ...base,
    verdict: failed.length === 0 ? "pass" : "fail",
    reason: failed.length === 0 ? null : failed.map((a) => `${a.type}: ${a.reason}`).join(" | "),
    assertions: assertions.map(({ type, pass, reason }) => ({ type, pass, reason })),
    ...summarize(outcome),
    judgeCostMicroUsd: assertions.reduce((n, a) => n + (a.judgeCostMicroUsd ?? 0), 0),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

function summarize(outcome: MissionOutcome) {
  const calls = outcome.trace.events.filter((e): e is CallEvent => e.kind === "call");
  const agentMessages = outcome.trace.events.filter((e) => e.kind === "message" && e.compliant !== undefined);
  let messageBytes = 0;
  let markupBytes = 0;
  for (const m of agentMessages) {
    if (m.kind !== "message") continue;
    messageBytes += m.bytes;
    markupBytes += Math.round((m.overheadRatio ?? 1) * m.bytes);
  }
  const t = outcome.totals;
  const sources = calls.map((c) => c.provenance.source);
  const latencySource: TrialResult["latencySource"] =
    calls.length === 0 ? "none" : calls.some((c) => c.latencySource === "recorded") ? "recorded" : "measured";
  return {
    final: {
      type: outcome.final.type,
      ...(outcome.final.type === "error" ? { code: outcome.final.code } : {}),
    },
    trace: {
      agents: t.agents,
      messages: t.messages,
      calls: t.calls,
      maxDepth: t.maxDepth,
      fallbacks: t.fallbacks,
      escalations: t.escalations,
      correctiveRetries: t.correctiveRetries,
      agentMessages: t.agentMessages,
      compliantMessages: t.compliantMessages,
      messageBytes,
      markupBytes,
      contextBytesBefore: calls.reduce((n, c) => n + c.context.bytesBefore, 0),
      contextBytesAfter: calls.reduce((n, c) => n + c.context.bytesAfter, 0),
    },
    calls: calls.map((c) => ({
      agent: c.agent,
      tier: c.tier,
      model: c.model,
      usage: c.usage,
      costMicroUsd: c.costMicroUsd,
      latencyMs: c.latencyMs,
      latencySource: c.latencySource,
      fellBack: c.fellBackFrom.length > 0,
      escalation: c.escalation !== undefined,
      corrective: c.corrective === true,
      source: c.provenance.source,
    })),
    usage: t.usage,
    costMicroUsd: t.costMicroUsd,
    latencyMs: outcome.criticalPathMs,
    latencySource,
    provenance: {
      live: sources.filter((s) => s === "live").length,
      synthetic: sources.filter((s) => s === "synthetic").length,
      models: [...new Set(calls.map((c) => c.model))].sort(),
    },
  };
}

function errored(
  base: Omit<
    TrialResult,
    | "verdict"
    | "reason"
    | "assertions"
    | "final"
    | "trace"
    | "calls"
    | "usage"
    | "costMicroUsd"
    | "judgeCostMicroUsd"
    | "latencyMs"
    | "latencySource"
    | "provenance"
    | "durationMs"
  >,
  reason: string,
  durationMs: number,
): TrialResult {
  return {
    ...base,
    verdict: "error",
    reason,
    assertions: [],
    final: { type: "none" },
    trace: {
      agents: [],
      messages: 0,
      calls: 0,
      maxDepth: 0,
      fallbacks: 0,
      escalations: 0,
      correctiveRetries: 0,
      agentMessages: 0,
      compliantMessages: 0,
      messageBytes: 0,
      markupBytes: 0,
      contextBytesBefore: 0,
      contextBytesAfter: 0,
    },
    calls: [],
    usage: { ...ZERO_USAGE },
    costMicroUsd: 0,
    judgeCostMicroUsd: 0,
    latencyMs: 0,
    latencySource: "none",
    provenance: { live: 0, synthetic: 0, models: [] },
    durationMs: Math.round(durationMs * 10) / 10,
  };
}
