import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "../agents/index.js";
import type { Config } from "../config/index.js";
import { type Gateway, type Mode, ReplayMissError, sha256 } from "../models/index.js";
import {
  type CallEvent,
  type ErrorEvent,
  Mission,
  type MissionOutcome,
  mapBounded,
  taskTree,
} from "../orchestra/index.js";
import type { Message } from "../protocol/index.js";
import { type AssertionResult, evaluate, type Judge } from "./assertions/index.js";
import type { LoadedCase } from "./load.js";
import { pricesOfRun, type RunManifest, readManifest, writeManifest } from "./manifest.js";
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
  /** Repetitions of each rubric assertion's judge on the same input (default 1). */
  judgeTrials?: number;
  concurrency: number;
  filter?: string;
  shard?: Shard;
  /** The run's folder: results.jsonl is appended here as trials finish. */
  outDir: string;
  /** Keep the trials already in outDir/results.jsonl and run only the missing ones. */
  resume?: boolean;
  /** Stop starting new trials once this fraction of finished trials are errors (and at least 3). */
  maxErrors?: number;
  /**
   * Start no new trial once the model and judge cost of this run's trials reaches this (USD): the
   * run ends partial and resumable. Trials in flight finish (a call is never cut mid-way).
   */
  budgetUsd?: number;
  signal?: AbortSignal;
  onTrial?: (result: TrialResult, done: number, total: number) => void;
  /**
   * The run's settings: written to run.json before the first trial of a new run (the number of
   * trials planned filled in), and given an outcome when the run ends.
   */
  manifest?: Omit<RunManifest, "planned" | "outcome">;
}

export interface RunOutcome {
  results: TrialResult[];
  /** Trials skipped because they were already in results.jsonl. */
  resumed: number;
  planned: number;
  stopped?: "interrupted" | "max-errors" | "budget";
  /** Model and judge cost of the trials this run ran (not those resumed), USD. */
  spentUsd: number;
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
  const planned = work.length + previous.length;
  if (options.manifest && !options.resume)
    writeManifest(options.outDir, {
      ...options.manifest,
      prices: pricesOfRun(options.config.prices),
      planned,
    });
  const results: TrialResult[] = [...previous];
  let errors = 0;
  let lastYield = performance.now();
  let finished = 0;
  let stopped: RunOutcome["stopped"];
  let spentMicro = 0;
  const judge = judgeFor(options);
  const remaining = new Map<string, number>();
  for (const { c } of work) remaining.set(c.id, (remaining.get(c.id) ?? 0) + 1);
  // One descriptor for the whole run; each line is one write(2), in the OS's hands at once, so a
  // killed process loses no finished trial.
  const out = openSync(resultsFile, "a");
  try {
    await mapBounded(work, options.concurrency, async ({ c, trial }) => {
      if (stopped) return;
      if (options.budgetUsd !== undefined && spentMicro >= options.budgetUsd * 1e6) {
        stopped = "budget";
        return;
      }
      if (options.signal?.aborted) {
        stopped = "interrupted";
        return;
      }
      const result = await runTrial(c, trial, options, judge);
      // Recordings reach disk before the result line: a trial in results.jsonl always replays.
      options.gateway.flushCase(c.id);
      writeLine(out, JSON.stringify(result));
      const left = (remaining.get(c.id) ?? 1) - 1;
      remaining.set(c.id, left);
      if (left === 0) options.gateway.release(c.id);
      results.push(result);
      spentMicro += result.costMicroUsd + result.judgeCostMicroUsd;
      finished++;
      if (result.verdict === "error") errors++;
      options.onTrial?.(result, finished + previous.length, work.length + previous.length);
      if (options.maxErrors !== undefined && errors >= 3 && errors / finished > options.maxErrors)
        stopped = "max-errors";
      // Replay's fast path never waits on I/O: yield now and then so that Ctrl-C is heard.
      if (performance.now() - lastYield > 25) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    });
  } finally {
    closeSync(out);
  }
  if (options.signal?.aborted && results.length < planned) stopped ??= "interrupted";
  const onDisk = readManifest(options.outDir);
  if (onDisk)
    writeManifest(options.outDir, {
      ...onDisk,
      outcome: { finishedAt: new Date().toISOString(), done: results.length, stopped: stopped ?? null },
    });
  return {
    results,
    resumed: previous.length,
    planned,
    spentUsd: spentMicro / 1e6,
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
      return { text: reply.text, costMicroUsd: reply.costMicroUsd, model: reply.model };
    };
}

/** Error codes that say a model was unavailable: a trial they decided is an error, not a fail. */
const OUTAGE_CODES = new Set(["UNAVAILABLE", "RATE_LIMITED"]);

async function runTrial(
  c: LoadedCase,
  trial: number,
  options: RunOptions,
  judgeOf: ReturnType<typeof judgeFor>,
): Promise<TrialResult> {
  const started = performance.now();
  const startedEpoch = Date.now();
  const startedAt = new Date(startedEpoch).toISOString();
  const base = {
    case: c.id,
    suite: c.suite,
    title: c.title,
    critical: c.critical,
    ...(c.cluster === undefined ? {} : { cluster: c.cluster }),
    tags: c.tags,
    trial,
    profile: options.profile,
    mode: options.mode,
  };
  const mission = new Mission({
    config: options.config,
    agents: options.agents,
    gateway: options.gateway,
    profile: options.profile,
    caseId: c.id,
    trial,
    ...(c.limits ? { limits: c.limits } : {}),
    ...(c.timeoutMs === undefined ? {} : { callTimeoutMs: c.timeoutMs }),
  });
  let outcome: MissionOutcome;
  try {
    const input = c.input;
    const context = c.contextItems;
    outcome =
      "mission" in input
        ? await mission.run({ text: input.mission, context })
        : await mission.runAgent({
            agent: "agent" in input ? input.agent : input.coordinator,
            objective: input.task,
            context,
            ...(input.criteria ? { criteria: input.criteria } : {}),
          });
  } catch (err) {
    const reason =
      err instanceof ReplayMissError
        ? err.message
        : `the case could not run: ${(err as Error).message ?? String(err)}`;
    // What was spent before the failure stays in the result: an error is never counted at $0.
    return {
      ...base,
      verdict: "error",
      reason,
      assertions: [],
      ...summarize(mission.snapshot(), startedEpoch),
      final: { type: "none" },
      judgeCostMicroUsd: 0,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      startedAt,
    };
  }
  const assertions: AssertionResult[] = [];
  for (const assertion of c.expect) {
    assertions.push(
      await evaluate(assertion, {
        outcome,
        dir: c.dir,
        judge: judgeOf(c.id, trial),
        ...(options.judgeTrials === undefined ? {} : { judgeTrials: options.judgeTrials }),
      }),
    );
  }
  const failed = assertions.filter((a) => !a.pass);
  // A failure in a trial where a model was unavailable was decided by the outage, not by quality.
  const outages = outcome.trace.events.filter(
    (e): e is ErrorEvent => e.kind === "error" && OUTAGE_CODES.has(e.code),
  );
  // An assertion that could not be evaluated (its judge failed) leaves the trial undecided.
  const unevaluated = assertions.filter((a) => a.error);
  const verdict =
    failed.length === 0 ? "pass" : outages.length > 0 || unevaluated.length > 0 ? "error" : "fail";
  const failures = failed.map((a) => `${a.type}: ${a.reason}`).join(" | ");
  return {
    ...base,
    verdict,
    reason:
      verdict === "pass"
        ? null
        : verdict === "error" && outages.length === 0
          ? `not evaluated: ${unevaluated.map((a) => `${a.type}: ${a.reason}`).join(" | ")}${
              failed.length > unevaluated.length
                ? `; and ${failed
                    .filter((a) => !a.error)
                    .map((a) => `${a.type}: ${a.reason}`)
                    .join(" | ")}`
                : ""
            }`
          : verdict === "error"
            ? `outage: ${outages[0]!.code} (${outages[0]!.detail.split("\n")[0]})${outages.length > 1 ? ` and ${outages.length - 1} more` : ""}; then ${failures}`
            : failures,
    assertions: assertions.map(({ type, pass, reason, error, judge }) => ({
      type,
      pass,
      reason,
      ...(error ? { error } : {}),
      ...(judge ? { judge } : {}),
    })),
    ...summarize(outcome, startedEpoch),
    judgeCostMicroUsd: assertions.reduce((n, a) => n + (a.judgeCostMicroUsd ?? 0), 0),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    startedAt,
  };
}

function summarize(
  outcome: Pick<MissionOutcome, "trace" | "totals" | "criticalPathMs"> & { final?: Message },
  startedAt?: number,
) {
  const calls = outcome.trace.events.filter((e): e is CallEvent => e.kind === "call");
  let messageBytes = 0;
  let markupBytes = 0;
  for (const m of outcome.trace.events) {
    if (m.kind !== "message" || m.compliant === undefined) continue;
    messageBytes += m.bytes;
    markupBytes += Math.round((m.overheadRatio ?? 1) * m.bytes);
  }
  const t = outcome.totals;
  const sources = calls.map((c) => c.provenance.source);
  const latencySource: TrialResult["latencySource"] =
    calls.length === 0 ? "none" : calls.some((c) => c.latencySource === "recorded") ? "recorded" : "measured";
  const examples: TrialResult["trace"]["deviationExamples"] = [];
  for (const c of calls)
    for (const d of c.reply.details ?? [])
      if (!examples.some((e) => e.kind === d.kind))
        examples.push({
          kind: d.kind,
          agent: c.agent,
          path: d.path,
          detail: d.detail.slice(0, 120),
          excerpt: (c.reply.excerpt ?? "").slice(0, 80),
        });
  return {
    final: outcome.final
      ? { type: outcome.final.type, ...(outcome.final.type === "error" ? { code: outcome.final.code } : {}) }
      : { type: "none" },
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
      recoveredMessages: t.recoveredMessages,
      deviations: t.deviations,
      deviationExamples: examples,
      messageBytes,
      markupBytes,
      contextBytesBefore: calls.reduce((n, c) => n + c.context.bytesBefore, 0),
      contextBytesAfter: calls.reduce((n, c) => n + c.context.bytesAfter, 0),
    },
    calls: calls.map((c) => ({
      task: c.task,
      ...(startedAt === undefined ? {} : { startMs: Math.round((c.startedAt - startedAt) * 10) / 10 }),
      agent: c.agent,
      tier: c.tier,
      model: c.model,
      usage: c.usage,
      costMicroUsd: c.costMicroUsd,
      ...(c.price ? { price: c.price } : {}),
      latencyMs: c.latencyMs,
      latencySource: c.latencySource,
      fellBack: c.fellBackFrom.length > 0,
      escalation: c.escalation !== undefined,
      corrective: c.corrective === true,
      source: c.provenance.source,
      requestId: c.requestId,
      ...(c.stopReason && c.stopReason !== "end_turn" ? { stopReason: c.stopReason } : {}),
      ...(c.reply.deviations.length > 0 ? { deviations: c.reply.deviations } : {}),
      ...(c.reply.read ? {} : { unread: true }),
      ...(c.truncationRetry ? { truncationRetry: true } : {}),
      ...(c.servedOther ? { servedModel: c.servedOther } : {}),
      ...(c.rateLimited ? { rateLimited: c.rateLimited } : {}),
      ...(c.context.tokensBefore > 0
        ? {
            context: {
              tokensBefore: c.context.tokensBefore,
              tokensAfter: c.context.tokensAfter,
              filtered: c.context.filtered,
            },
          }
        : {}),
    })),
    tree: taskTree(outcome.trace),
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
