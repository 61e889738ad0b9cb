import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import type { Mode } from "../../models/index.js";
import { banners, writeOtlpTraces, writeRunOutputs } from "../../report/index.js";
import {
  parseResults,
  type RunManifest,
  readManifest,
  recordHistory,
  runSuite,
  type Shard,
  selectCases,
  type TrialResult,
} from "../../suite/index.js";
import { estimateOrGuard } from "../estimate.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import { appendStepSummary, printAnnotations } from "../github.js";
import type { Output } from "../output.js";
import { prepareRun } from "../prepare.js";
import { summaryTables } from "../render/tables.js";
import { HARNESS_VERSION } from "../version.js";

export interface RunCliOptions {
  config: string;
  profile: string;
  mode: Mode;
  trials?: number;
  judgeTrials?: number;
  concurrency: number;
  filter?: string;
  shard?: string;
  out?: string;
  resume?: string;
  maxErrors?: number;
  timeoutMs?: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
  /** Also write the run's traces here, as OTLP/JSON. */
  otel?: string;
  /** Add the run's verdicts to this run history and report the cases that flip. */
  history?: string;
  /** Print the projected cost of the run (from the recordings) and call no model. */
  estimate?: boolean;
  /** Record and live: refuse to start above this projected cost, and start no trial once it is spent. */
  budgetUsd?: number;
  /** Options given on the command line (not defaults): on --resume, these must agree with the run. */
  explicit?: readonly string[];
}

export function parseShard(text: string | undefined): Shard | undefined {
  if (!text) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count)
    throw new UsageError(`bad --shard "${text}": expected I/N with 1 <= I <= N, e.g. 2/4`);
  return { index, count };
}

export function runId(profile: string, mode: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${stamp}-${profile}-${mode}`;
}

/** The settings of a run as run.json keeps them, from the command line or from the run resumed. */
interface Settings {
  paths: string[];
  cwd: string;
  profile: string;
  mode: Mode;
  trials: number | null;
  judgeTrials: number | null;
  filter: string | null;
  shard: string | null;
  recordings: string;
  agentsDir: string;
  config: string;
  concurrency: number;
  timeoutMs: number | null;
  maxErrors: number | null;
}

const FLAG_OF: Record<string, string> = {
  profile: "--profile",
  mode: "--mode",
  trials: "--trials",
  judgeTrials: "--judge-trials",
  filter: "--filter",
  shard: "--shard",
  recordings: "--recordings",
  agentsDir: "--agents-dir",
  config: "--config",
  concurrency: "--concurrency",
  timeoutMs: "--timeout-ms",
  maxErrors: "--max-errors",
};

function fromCommandLine(paths: string[], opts: RunCliOptions): Settings {
  return {
    paths: paths.length ? paths : ["suites"],
    cwd: process.cwd(),
    profile: opts.profile,
    mode: opts.mode,
    trials: opts.trials ?? null,
    judgeTrials: opts.judgeTrials ?? null,
    filter: opts.filter ?? null,
    shard: opts.shard ?? null,
    recordings: opts.recordings,
    agentsDir: opts.agentsDir,
    config: opts.config,
    concurrency: opts.concurrency,
    timeoutMs: opts.timeoutMs ?? null,
    maxErrors: opts.maxErrors ?? null,
  };
}

/**
 * `--resume DIR`: the run's own settings, from its run.json. A flag given again must agree with
 * them; a folder that does not exist or holds no run is a usage error, never a fresh run.
 */
function fromRun(dir: string, given: string, paths: string[], opts: RunCliOptions): Settings {
  if (!existsSync(dir)) throw new UsageError(`--resume ${given}: no such folder (nothing to resume)`);
  const manifest = readManifest(dir);
  if (!manifest)
    throw new UsageError(
      `--resume ${given}: the folder holds no run (no run.json); resume a folder that \`orchestra run\` wrote, or start a new run with --out`,
    );
  const settings: Settings = {
    paths: manifest.suites,
    cwd: manifest.cwd,
    profile: manifest.profile,
    mode: manifest.mode,
    trials: manifest.trials,
    judgeTrials: manifest.judgeTrials ?? null,
    filter: manifest.filter,
    shard: manifest.shard,
    recordings: manifest.recordings,
    agentsDir: manifest.agentsDir,
    config: manifest.config,
    concurrency: manifest.concurrency,
    timeoutMs: manifest.timeoutMs,
    maxErrors: manifest.maxErrors,
  };
  const asGiven = fromCommandLine(paths, opts) as unknown as Record<string, unknown>;
  const conflicts: string[] = [];
  for (const key of opts.explicit ?? []) {
    const flag = FLAG_OF[key];
    if (!flag) continue;
    const now = asGiven[key];
    const then = (settings as unknown as Record<string, unknown>)[key];
    const same =
      key === "config" || key === "recordings" || key === "agentsDir"
        ? resolve(String(now)) === resolve(manifest.cwd, String(then))
        : now === then;
    if (!same)
      conflicts.push(`${flag} ${String(now)} (the run has ${then === null ? "none" : String(then)})`);
  }
  if (paths.length > 0) {
    const now = paths.map((p) => resolve(p)).join(" ");
    const then = manifest.suites.map((p) => resolve(manifest.cwd, p)).join(" ");
    if (now !== then) conflicts.push(`suites ${paths.join(" ")} (the run has ${manifest.suites.join(" ")})`);
  }
  if (opts.out && resolve(opts.out) !== dir) conflicts.push(`--out ${opts.out} (the run is in ${given})`);
  if (conflicts.length > 0)
    throw new UsageError(
      `--resume restores the run's own settings, and these disagree with it: ${conflicts.join("; ")}. Drop them to resume, or start a new run with --out.`,
    );
  return settings;
}

export async function runCommand(paths: string[], opts: RunCliOptions, output: Output): Promise<number> {
  const resumeDir = opts.resume === undefined ? undefined : resolve(opts.resume);
  const previous = resumeDir ? readManifestOrUndefined(resumeDir) : undefined;
  const settings = resumeDir ? fromRun(resumeDir, opts.resume!, paths, opts) : fromCommandLine(paths, opts);
  const at = (p: string) => resolve(settings.cwd, p);
  const { config, cases, agents, digests } = prepareRun({
    config: at(settings.config),
    agentsDir: at(settings.agentsDir),
    paths: settings.paths.map(at),
    profiles: [settings.profile],
  });
  const shard = parseShard(settings.shard ?? undefined);
  if (previous) {
    const changed = (["config", "agents", "suites"] as const).filter(
      (k) => previous.digests[k] !== digests[k],
    );
    if (changed.length > 0)
      throw new UsageError(
        `--resume ${opts.resume}: the ${changed.join(", ")} changed since this run started, so resuming would mix two ${changed.length > 1 ? "setups" : "versions"} in one run; start a new run with --out`,
      );
  }
  const outDir = resumeDir ?? resolve(opts.out ?? `reports/${runId(settings.profile, settings.mode)}`);
  const title = `Run: ${settings.profile} (${settings.mode})`;
  const manifest: Omit<RunManifest, "planned" | "outcome"> = {
    version: 1,
    harness: HARNESS_VERSION,
    createdAt: new Date().toISOString(),
    title,
    cwd: settings.cwd,
    suites: settings.paths,
    profile: settings.profile,
    mode: settings.mode,
    trials: settings.trials,
    ...(settings.judgeTrials === null ? {} : { judgeTrials: settings.judgeTrials }),
    filter: settings.filter,
    shard: settings.shard,
    recordings: settings.recordings,
    agentsDir: settings.agentsDir,
    config: settings.config,
    concurrency: settings.concurrency,
    timeoutMs: settings.timeoutMs,
    maxErrors: settings.maxErrors,
    digests,
  };
  const guard = estimateOrGuard({
    estimate: opts.estimate,
    budgetUsd: opts.budgetUsd,
    mode: settings.mode,
    json: opts.json,
    output,
    plan: {
      config,
      recordings: at(settings.recordings),
      cases: selectCases(cases, settings.filter ?? undefined, shard),
      trials: settings.trials,
      profiles: [settings.profile],
      judgeTrials: settings.judgeTrials,
    },
  });
  if (guard === "done") return EXIT.ok;
  const gateway = openGateway(
    config,
    settings.mode,
    at(settings.recordings),
    (id, trial) =>
      recordCommandFor(settings.profile, id, {
        paths: settings.paths,
        recordings: settings.recordings,
        trial,
      }),
    settings.timeoutMs ?? undefined,
  );
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      // Every finished trial is already on disk: a second Ctrl-C stops at once.
      output.err(`\nstopped at once; resume with: npx orchestra run --resume ${shown(outDir)}`);
      process.exit(130);
    }
    output.err("\ninterrupted: finishing the trials in flight, then stopping (Ctrl-C again to stop at once)");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const progress = progressPrinter(output);
  let outcome: Awaited<ReturnType<typeof runSuite>>;
  try {
    outcome = await runSuite({
      cases,
      config,
      agents,
      gateway,
      profile: settings.profile,
      mode: settings.mode,
      ...(settings.trials === null ? {} : { trials: settings.trials }),
      ...(settings.judgeTrials === null ? {} : { judgeTrials: settings.judgeTrials }),
      concurrency: settings.concurrency,
      ...(settings.filter ? { filter: settings.filter } : {}),
      ...(shard ? { shard } : {}),
      outDir,
      resume: resumeDir !== undefined,
      ...(settings.maxErrors === null ? {} : { maxErrors: settings.maxErrors }),
      ...(opts.budgetUsd === undefined ? {} : { budgetUsd: opts.budgetUsd }),
      signal: controller.signal,
      onTrial: progress.update,
      manifest,
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
    progress.done();
    const written = gateway.flush();
    if (written.length) output.err(`recorded ${written.length} case file(s) under ${settings.recordings}`);
  }
  if (outcome.planned === 0)
    throw new UsageError(
      `no case matches${settings.filter ? ` --filter ${settings.filter}` : ""}${shard ? ` in shard ${settings.shard}` : ""}`,
    );
  if (opts.history) {
    const history = recordHistory(resolve(opts.history), readResultsOf(outDir), {
      run: basename(outDir),
      recordingsDir: resolve(settings.recordings),
    });
    writeFileSync(resolve(outDir, "history.json"), `${JSON.stringify(history, null, 2)}\n`);
    for (const p of history.problems) output.err(`history: ${p}`);
  }
  const { summary } = await writeRunOutputs(outDir, { latest: resolve("reports/latest") });
  appendStepSummary(readFileSync(resolve(outDir, "report.md"), "utf8"));
  printAnnotations(output, summary.failures, cases);
  if (opts.json) {
    output.out(JSON.stringify(summary, null, 2));
  } else {
    for (const banner of banners(summary)) output.out(banner.replace(/^> /, "").replace(/\*\*/g, ""));
    output.out(summaryTables(summary));
    for (const f of summary.failures.slice(0, 20)) {
      // An error's reason says how to fix it (the record command of a missing recording): all of it.
      const lines = f.verdict === "error" ? f.reason.split("\n") : [f.reason.split("\n")[0] ?? ""];
      output.out(`  ${f.verdict.toUpperCase()} ${f.case}#${f.trial}: ${lines.join("\n    ")}`);
    }
    if (summary.failures.length > 20)
      output.out(`  ... and ${summary.failures.length - 20} more in report.md`);
    output.out(
      `\nresults: ${outcome.resultsFile}\nreport:  ${resolve(outDir, "report.md")} (also reports/latest/)`,
    );
  }
  if (opts.otel) {
    const { traces } = await writeOtlpTraces(outDir, resolve(opts.otel));
    if (!opts.json) output.out(`traces:  ${resolve(opts.otel)} (${traces} traces, OTLP/JSON)`);
  }
  if (outcome.stopped === "interrupted") {
    output.err(`stopped; resume with: npx orchestra run --resume ${shown(outDir)}`);
    return 130;
  }
  if (outcome.stopped === "budget") {
    output.err(
      `stopped: the run spent $${outcome.spentUsd.toFixed(4)}, reaching --budget-usd ${opts.budgetUsd}; no new trial was started and the run is partial. Resume with: npx orchestra run --resume ${shown(outDir)} --budget-usd <more>`,
    );
    return EXIT.failed;
  }
  if (outcome.stopped === "max-errors") {
    output.err(
      `stopped: more than ${(settings.maxErrors ?? 0) * 100}% of trials errored (--max-errors); the run is partial. See the reasons above; resume with: npx orchestra run --resume ${shown(outDir)}`,
    );
    return EXIT.failed;
  }
  return summary.totals.failed + summary.totals.errored === 0 ? EXIT.ok : EXIT.failed;
}

function readManifestOrUndefined(dir: string): RunManifest | undefined {
  return existsSync(dir) ? readManifest(dir) : undefined;
}

/** A path as short as it can be said from here. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** A progress bar on a terminal; otherwise a plain line every few seconds (CI logs). */
function progressPrinter(output: Output) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  let pass = 0;
  let fail = 0;
  let error = 0;
  let cost = 0;
  return {
    update(result: TrialResult, done: number, total: number) {
      if (result.verdict === "pass") pass++;
      else if (result.verdict === "fail") fail++;
      else error++;
      cost += result.costMicroUsd;
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 ? Math.round((elapsed / done) * (total - done)) : 0;
      const line = `${done}/${total} pass ${pass} fail ${fail} error ${error} cost $${(cost / 1e6).toFixed(4)} eta ${eta}s`;
      if (tty) {
        const width = 24;
        const filled = Math.round((done / Math.max(1, total)) * width);
        process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${line}   `);
      } else if (Date.now() - last > 3000 || done === total) {
        last = Date.now();
        output.err(line);
      }
    },
    done() {
      if (tty) process.stderr.write("\n");
    },
  };
}

/** The trials of a run folder's results.jsonl (a resumed run's earlier trials included). */
function readResultsOf(dir: string): TrialResult[] {
  return parseResults(readFileSync(resolve(dir, "results.jsonl"), "utf8")).results;
}
