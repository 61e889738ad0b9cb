import { resolve } from "node:path";
import { loadAgents } from "../../agents/index.js";
import { loadConfig } from "../../config/index.js";
import type { Mode } from "../../models/index.js";
import { provenanceBanner, writeRunOutputs } from "../../report/index.js";
import { loadSuites, runSuite, type Shard, type TrialResult } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import type { Output } from "../output.js";
import { summaryTables } from "../render/tables.js";

export interface RunCliOptions {
  config: string;
  profile: string;
  mode: Mode;
  trials?: number;
  concurrency: number;
  filter?: string;
  shard?: string;
  out?: string;
  resume?: string;
  maxErrors?: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
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

function runId(profile: string, mode: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${stamp}-${profile}-${mode}`;
}

export async function runCommand(paths: string[], opts: RunCliOptions, output: Output): Promise<number> {
  const { config } = loadConfig(resolve(opts.config));
  if (!config.profiles[opts.profile])
    throw new UsageError(
      `unknown profile "${opts.profile}" (known: ${Object.keys(config.profiles).join(", ")})`,
    );
  const shard = parseShard(opts.shard);
  const cases = loadSuites(paths.length ? paths : ["suites"]);
  const registry = loadAgents(resolve(opts.agentsDir), { tiers: Object.keys(config.tiers) });
  if (registry.problems.length > 0) {
    throw new UsageError(
      `the agents folder has ${registry.problems.length} problem(s); run \`orchestra agents\` to see them`,
    );
  }
  const outDir = resolve(opts.resume ?? opts.out ?? `reports/${runId(opts.profile, opts.mode)}`);
  const gateway = openGateway(config, opts.mode, opts.recordings, (id) =>
    recordCommandFor(opts.profile, id, { paths, recordings: opts.recordings }),
  );
  const controller = new AbortController();
  const onSigint = () => {
    output.err("\ninterrupted: finishing the trials in flight, then stopping");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  const progress = progressPrinter(output);
  let outcome: Awaited<ReturnType<typeof runSuite>>;
  try {
    outcome = await runSuite({
      cases,
      config,
      agents: registry.agents,
      gateway,
      profile: opts.profile,
      mode: opts.mode,
      ...(opts.trials === undefined ? {} : { trials: opts.trials }),
      concurrency: opts.concurrency,
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(shard ? { shard } : {}),
      outDir,
      resume: opts.resume !== undefined,
      ...(opts.maxErrors === undefined ? {} : { maxErrors: opts.maxErrors }),
      signal: controller.signal,
      onTrial: progress.update,
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
    progress.done();
    const written = gateway.flush();
    if (written.length) output.err(`recorded ${written.length} case file(s) under ${opts.recordings}`);
  }
  if (outcome.planned === 0)
    throw new UsageError(
      `no case matches${opts.filter ? ` --filter ${opts.filter}` : ""}${shard ? ` in shard ${opts.shard}` : ""}`,
    );
  const { summary } = writeRunOutputs(outDir, {
    title: `Run: ${opts.profile} (${opts.mode})`,
    latest: resolve("reports/latest"),
  });
  if (opts.json) {
    output.out(JSON.stringify(summary, null, 2));
  } else {
    const banner = provenanceBanner(summary);
    if (banner) output.out(banner.replace(/^> /, "").replace(/\*\*/g, ""));
    output.out(summaryTables(summary));
    for (const f of summary.failures.slice(0, 20)) {
      // An error's reason says how to fix it (the record command of a missing recording): all of it.
      const lines = f.verdict === "error" ? f.reason.split("\n") : [f.reason.split("\n")[0] ?? ""];
      output.out(`  ${f.verdict.toUpperCase()} ${f.case}#${f.trial}: ${lines.join("\n    ")}`);
    }
    output.out(
      `\nresults: ${outcome.resultsFile}\nreport:  ${resolve(outDir, "report.md")} (also reports/latest/)`,
    );
  }
  if (outcome.stopped === "interrupted") {
    output.err(
      `stopped; resume with: npx orchestra run ${paths.join(" ") || "suites"} --profile ${opts.profile} --mode ${opts.mode} --resume ${outDir}`,
    );
    return 130;
  }
  if (outcome.stopped === "max-errors") {
    output.err(
      `stopped: more than ${(opts.maxErrors ?? 0) * 100}% of trials errored (--max-errors). See the reasons above.`,
    );
    return EXIT.failed;
  }
  return summary.totals.failed + summary.totals.errored === 0 ? EXIT.ok : EXIT.failed;
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
