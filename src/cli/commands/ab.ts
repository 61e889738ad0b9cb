import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../config/index.js";
import type { Mode } from "../../models/index.js";
import { compareRuns, frontierOf, renderAbMarkdown, writeHtml } from "../../report/index.js";
import { parseResults, runSuite, type TrialResult } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import { appendStepSummary } from "../github.js";
import type { Output } from "../output.js";
import { manifestFor, prepareRun } from "../prepare.js";

export interface AbOptions {
  config: string;
  a: string;
  b: string;
  mode: Mode;
  out?: string;
  margin?: number;
  judgeTrials?: number;
  concurrency: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
}

/** Compares two tier assignments: each side is a run folder to read, or a profile to run now. */
export async function abCommand(paths: string[], opts: AbOptions, output: Output): Promise<number> {
  const { config } = loadConfig(resolve(opts.config));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const out = resolve(opts.out ?? `reports/${stamp}-ab`);
  let prepared: ReturnType<typeof prepareRun> | undefined;
  const side = async (spec: string): Promise<{ label: string; results: TrialResult[] }> => {
    const dir = resolve(spec);
    if (existsSync(dir) && statSync(dir).isDirectory()) {
      const file = join(dir, "results.jsonl");
      if (!existsSync(file)) throw new UsageError(`${spec} is a folder without results.jsonl`);
      const results = parseResults(readFileSync(file, "utf8")).results;
      return { label: results[0]?.profile ?? spec, results };
    }
    if (!config.profiles[spec])
      throw new UsageError(
        `"${spec}" is neither a run folder nor a profile (profiles: ${Object.keys(config.profiles).join(", ")})`,
      );
    prepared ??= prepareRun({ config: opts.config, agentsDir: opts.agentsDir, paths, profiles: [spec] });
    mkdirSync(out, { recursive: true });
    const gateway = openGateway(config, opts.mode, opts.recordings, (id, trial) =>
      recordCommandFor(spec, id, { paths, recordings: opts.recordings, trial }),
    );
    const run = await runSuite({
      cases: prepared.cases,
      config,
      agents: prepared.agents,
      gateway,
      profile: spec,
      mode: opts.mode,
      ...(opts.judgeTrials === undefined ? {} : { judgeTrials: opts.judgeTrials }),
      concurrency: opts.concurrency,
      outDir: join(out, spec),
      manifest: manifestFor({
        title: `Run: ${spec} (${opts.mode})`,
        paths,
        profile: spec,
        mode: opts.mode,
        recordings: opts.recordings,
        agentsDir: opts.agentsDir,
        config: opts.config,
        concurrency: opts.concurrency,
        ...(opts.judgeTrials === undefined ? {} : { judgeTrials: opts.judgeTrials }),
        digests: prepared.digests,
      }),
    });
    gateway.flush();
    return { label: spec, results: run.results };
  };
  const a = await side(opts.a);
  const b = await side(opts.b);
  const ab = compareRuns(a.results, b.results, {
    margin: opts.margin ?? config.gates.nonInferiorityMargin,
    ...(config.workload ? { workload: config.workload } : {}),
    labels: [a.label, b.label],
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "ab.json"), `${JSON.stringify(ab, null, 2)}\n`);
  const markdown = `# A/B comparison\n\n${renderAbMarkdown(ab)}`;
  writeFileSync(join(out, "report.md"), markdown);
  await writeHtml(out, {
    kind: "ab",
    title: `A/B: ${ab.b} against ${ab.a}`,
    results: b.results,
    baselineResults: a.results,
    ab,
    profiles: frontierOf(ab),
  });
  appendStepSummary(markdown);
  if (opts.json) output.out(JSON.stringify(ab, null, 2));
  else {
    output.out(renderAbMarkdown(ab));
    output.out(`written: ${join(out, "ab.json")}, ${join(out, "report.md")}, ${join(out, "report.html")}`);
  }
  return ab.verdict === "non-inferior" ? EXIT.ok : EXIT.failed;
}
