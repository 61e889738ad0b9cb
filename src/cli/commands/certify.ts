import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import Table from "cli-table3";
import { checkTierPolicy } from "../../agents/index.js";
import type { Mode } from "../../models/index.js";
import {
  banners,
  type CertificationManifest,
  deviationLines,
  pct,
  renderCertification,
  writeOtlpTraces,
} from "../../report/index.js";
import { parseResults, readManifest, recordHistory, runSuite } from "../../suite/index.js";
import { estimateOrGuard } from "../estimate.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import { appendStepSummary, printAnnotations } from "../github.js";
import type { Output } from "../output.js";
import { manifestFor, prepareRun } from "../prepare.js";

export interface CertifyOptions {
  config: string;
  profile: string;
  baseline: string;
  mode: Mode;
  out?: string;
  concurrency: number;
  timeoutMs?: number;
  /** Repetitions of each rubric assertion's judge (`--judge-trials`). */
  judgeTrials?: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
  /** Also write both profiles' traces here, as OTLP/JSON. */
  otel?: string;
  /** Certify these run folders (merged shards, say) instead of running: the candidate's and the baseline's. */
  candidateRun?: string;
  baselineRun?: string;
  /** Add both profiles' verdicts to this run history; with `quarantine`, keep its flaky cases out of the gates. */
  history?: string;
  quarantine?: boolean;
  /** Print what both profiles' runs would cost (from the recordings) and run nothing. */
  estimate?: boolean;
  /** Record and live: refuse to start above the upper estimate of both runs; start no trial once spent. */
  budgetUsd?: number;
}

/**
 * The two runs a certification stands on, taken from folders: each must hold a run of its profile
 * (run.json and results.jsonl), both of the same suites, config and agents as now.
 */
function adoptRuns(
  opts: CertifyOptions,
  dir: string,
  digests: { suites: string; config: string; agents: string },
): void {
  const sides: [string, string][] = [
    [opts.profile, opts.candidateRun!],
    [opts.baseline, opts.baselineRun!],
  ];
  for (const [profile, given] of sides) {
    const from = resolve(given);
    const run = existsSync(from) ? readManifest(from) : undefined;
    if (!run || !existsSync(join(from, "results.jsonl")))
      throw new UsageError(`${given}: not a run folder (it needs run.json and results.jsonl)`);
    if (run.profile !== profile)
      throw new UsageError(
        `${given} is a run of profile ${run.profile}, not ${profile}: pass --profile/--baseline to match`,
      );
    const changed = (["suites", "config", "agents"] as const).filter((k) => run.digests[k] !== digests[k]);
    if (changed.length > 0)
      throw new UsageError(
        `${given} ran with other ${changed.join(", ")} than these: a certification must stand on the suites, config and agents it names`,
      );
    mkdirSync(join(dir, profile), { recursive: true });
    for (const f of ["run.json", "results.jsonl"]) cpSync(join(from, f), join(dir, profile, f));
  }
}

/**
 * The owners' certification: the registry check, the suites under the candidate profile and the
 * baseline, the paired A/B, and every readiness gate, into readiness.json and report.md.
 */
export async function certifyCommand(paths: string[], opts: CertifyOptions, output: Output): Promise<number> {
  if (opts.quarantine && !opts.history)
    throw new UsageError(
      "--quarantine keeps the flaky cases of a run history out of the gates: give --history DIR",
    );
  const { config, configFile, agents, cases, digests } = prepareRun({
    config: opts.config,
    agentsDir: opts.agentsDir,
    paths,
    profiles: [opts.profile, opts.baseline],
  });
  const problems = checkTierPolicy(agents, config.policy, configFile);
  if (
    !opts.candidateRun &&
    estimateOrGuard({
      estimate: opts.estimate,
      budgetUsd: opts.budgetUsd,
      mode: opts.mode,
      json: opts.json,
      output,
      plan: {
        config,
        recordings: resolve(opts.recordings),
        cases,
        trials: null,
        profiles: [opts.baseline, opts.profile],
        judgeTrials: opts.judgeTrials ?? null,
      },
    }) === "done"
  )
    return EXIT.ok;
  let spentUsd = 0;
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const dir = resolve(opts.out ?? `reports/${stamp}-certify`);
  mkdirSync(dir, { recursive: true });
  const controller = new AbortController();
  const onSigint = () => {
    output.err(
      "\ninterrupted: finishing the trials in flight; the certification will be partial (NOT READY)",
    );
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  let interrupted = false;
  if ((opts.candidateRun === undefined) !== (opts.baselineRun === undefined))
    throw new UsageError(
      "--candidate-run and --baseline-run go together: the two runs the certification compares",
    );
  if (opts.candidateRun) adoptRuns(opts, dir, digests);
  try {
    for (const profile of opts.candidateRun ? [] : [opts.baseline, opts.profile]) {
      if (controller.signal.aborted) break;
      const gateway = openGateway(
        config,
        opts.mode,
        opts.recordings,
        (id, trial) => recordCommandFor(profile, id, { paths, recordings: opts.recordings, trial }),
        opts.timeoutMs,
      );
      const outcome = await runSuite({
        cases,
        config,
        agents,
        gateway,
        profile,
        mode: opts.mode,
        ...(opts.judgeTrials === undefined ? {} : { judgeTrials: opts.judgeTrials }),
        concurrency: opts.concurrency,
        outDir: join(dir, profile),
        signal: controller.signal,
        ...(opts.budgetUsd === undefined ? {} : { budgetUsd: Math.max(0, opts.budgetUsd - spentUsd) }),
        manifest: manifestFor({
          title: `Run: ${profile} (${opts.mode})`,
          paths,
          profile,
          mode: opts.mode,
          recordings: opts.recordings,
          agentsDir: opts.agentsDir,
          config: opts.config,
          concurrency: opts.concurrency,
          ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
          ...(opts.judgeTrials === undefined ? {} : { judgeTrials: opts.judgeTrials }),
          digests,
        }),
      });
      gateway.flush();
      spentUsd += outcome.spentUsd;
      if (outcome.stopped === "interrupted") interrupted = true;
      if (outcome.stopped === "budget")
        output.err(
          `stopped: the certification spent $${spentUsd.toFixed(4)}, reaching --budget-usd ${opts.budgetUsd}; the runs are partial, so the certification is NOT READY`,
        );
      const count = (v: string) => outcome.results.filter((r) => r.verdict === v).length;
      output.err(
        `${profile}: ${outcome.results.length} of ${outcome.planned} trials, ${count("pass")} passed, ${count("fail")} failed, ${count("error")} errored`,
      );
    }
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
  const manifest: CertificationManifest = {
    profile: opts.profile,
    baseline: opts.baseline,
    agentCount: agents.length,
    agentProblems: problems.length,
    gates: config.gates,
    ...(config.workload ? { workload: config.workload } : {}),
  };
  if (opts.history) {
    const both = [opts.baseline, opts.profile].flatMap(
      (p) => parseResults(readFileSync(join(dir, p, "results.jsonl"), "utf8")).results,
    );
    const history = recordHistory(resolve(opts.history), both, {
      run: basename(dir),
      recordingsDir: resolve(opts.recordings),
    });
    writeFileSync(join(dir, "history.json"), `${JSON.stringify(history, null, 2)}\n`);
    for (const p of history.problems) output.err(`history: ${p}`);
    if (opts.quarantine) {
      const cases = [...new Set(history.flaky.map((f) => f.case))].sort();
      manifest.quarantine = { history: opts.history, cases };
      if (cases.length)
        output.err(`quarantined (flaky in ${opts.history}, kept out of the gates): ${cases.join(", ")}`);
    }
  }
  writeFileSync(join(dir, "certification.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const { readiness, ab, summary } = await renderCertification(dir, resolve("reports/latest"));
  appendStepSummary(readFileSync(join(dir, "report.md"), "utf8"));
  printAnnotations(output, summary.failures, cases);
  if (opts.json) {
    output.out(JSON.stringify(readiness, null, 2));
  } else {
    for (const banner of banners(summary)) output.out(`${banner.replace(/^> /, "").replace(/\*\*/g, "")}\n`);
    const table = new Table({
      head: ["gate", "status", "measured", "threshold"],
      style: { head: [], border: [] },
      colWidths: [34, 8, 60, 28],
      wordWrap: true,
    });
    for (const g of readiness.gates)
      table.push([g.title, g.status.toUpperCase(), g.measured, g.thresholdText]);
    output.out(table.toString());
    const deviations = deviationLines(summary.protocol);
    if (deviations.length)
      output.out(
        `\nDeviations of ${opts.profile}'s replies (read and counted, compliance stays strict):\n${deviations.map((d) => `  ${d}`).join("\n")}`,
      );
    output.out(
      `\n${readiness.ready ? "READY" : "NOT READY"} (basis: ${readiness.basis}). A/B ${ab.b} vs ${ab.a}: pass ${pct(ab.passRate.a)} -> ${pct(ab.passRate.b)}, ${ab.verdict}; cost reduction ${pct(ab.costUsd.reduction)} per run${ab.monthlyCostUsd ? `, ${pct(ab.monthlyCostUsd.reduction)} a month under the workload` : ""}.`,
    );
    output.out(`report: ${join(dir, "report.md")} (also reports/latest/)`);
  }
  if (opts.otel) {
    const { traces } = await writeOtlpTraces(dir, resolve(opts.otel));
    if (!opts.json) output.out(`traces: ${resolve(opts.otel)} (${traces} traces, OTLP/JSON)`);
  }
  if (interrupted) return 130;
  return readiness.ready ? EXIT.ok : EXIT.failed;
}
