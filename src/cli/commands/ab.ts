import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../config/index.js";
import { type Mode, sha256 } from "../../models/index.js";
import {
  compareRuns,
  frontierOf,
  renderAbMarkdown,
  type SequentialAb,
  sequentialNonInferiority,
  writeHtml,
} from "../../report/index.js";
import { type LoadedCase, parseResults, runSuite, type TrialResult } from "../../suite/index.js";
import { estimateOrGuard } from "../estimate.js";
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
  /** Run in rounds of cases and stop at the first look of the confidence sequence that decides. */
  untilDecided?: boolean;
  roundSize?: number;
  maxCases?: number;
  /** Print what the two runs would cost (from the recordings) and run nothing. */
  estimate?: boolean;
  /** Record and live: refuse to start above the upper estimate of both runs; start no trial once spent. */
  budgetUsd?: number;
}

/** Compares two tier assignments: each side is a run folder to read, or a profile to run now. */
export async function abCommand(paths: string[], opts: AbOptions, output: Output): Promise<number> {
  const { config } = loadConfig(resolve(opts.config));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const out = resolve(opts.out ?? `reports/${stamp}-ab`);
  let prepared: ReturnType<typeof prepareRun> | undefined;
  let spentUsd = 0;
  if (opts.estimate || opts.budgetUsd !== undefined) {
    for (const spec of [opts.a, opts.b])
      if (!config.profiles[spec])
        throw new UsageError(
          `--estimate and --budget-usd price runs of profiles: "${spec}" is not a profile`,
        );
    prepared = prepareRun({
      config: opts.config,
      agentsDir: opts.agentsDir,
      paths,
      profiles: [opts.a, opts.b],
    });
    const guard = estimateOrGuard({
      estimate: opts.estimate,
      budgetUsd: opts.budgetUsd,
      mode: opts.mode,
      json: opts.json,
      output,
      plan: {
        config,
        recordings: resolve(opts.recordings),
        cases: prepared.cases,
        trials: null,
        profiles: [opts.a, opts.b],
        judgeTrials: opts.judgeTrials ?? null,
      },
    });
    if (guard === "done") return EXIT.ok;
  }
  const side = async (
    spec: string,
    only?: readonly string[],
    resume = false,
  ): Promise<{ label: string; results: TrialResult[] }> => {
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
      cases: only ? prepared.cases.filter((c) => only.includes(c.id)) : prepared.cases,
      resume,
      config,
      agents: prepared.agents,
      gateway,
      profile: spec,
      mode: opts.mode,
      ...(opts.judgeTrials === undefined ? {} : { judgeTrials: opts.judgeTrials }),
      concurrency: opts.concurrency,
      ...(opts.budgetUsd === undefined ? {} : { budgetUsd: Math.max(0, opts.budgetUsd - spentUsd) }),
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
    spentUsd += run.spentUsd;
    if (run.stopped === "budget")
      output.err(
        `stopped: the A/B spent $${spentUsd.toFixed(4)}, reaching --budget-usd ${opts.budgetUsd}; ${spec}'s run is partial`,
      );
    return { label: spec, results: run.results };
  };
  const margin = opts.margin ?? config.gates.nonInferiorityMargin;
  let a: { label: string; results: TrialResult[] };
  let b: { label: string; results: TrialResult[] };
  let sequential: SequentialAb | undefined;
  if (opts.untilDecided) {
    for (const spec of [opts.a, opts.b])
      if (existsSync(resolve(spec)))
        throw new UsageError(
          `--until-decided runs the cases in rounds: give two profiles, not a run folder (${spec})`,
        );
    prepared ??= prepareRun({
      config: opts.config,
      agentsDir: opts.agentsDir,
      paths,
      profiles: [opts.a, opts.b],
    });
    ({ a, b, sequential } = await untilDecided({ opts, cases: prepared.cases, margin, side, output }));
  } else {
    a = await side(opts.a);
    b = await side(opts.b);
  }
  const ab = {
    ...compareRuns(a.results, b.results, {
      margin,
      ...(config.workload ? { workload: config.workload } : {}),
      labels: [a.label, b.label],
    }),
    ...(sequential ? { sequential } : {}),
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "ab.json"), `${JSON.stringify(ab, null, 2)}\n`);
  const markdown = `# A/B comparison\n\n${renderAbMarkdown(ab)}${sequential ? sequentialMarkdown(sequential) : ""}`;
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
    output.out(`${renderAbMarkdown(ab)}${sequential ? sequentialMarkdown(sequential) : ""}`);
    output.out(`written: ${join(out, "ab.json")}, ${join(out, "report.md")}, ${join(out, "report.html")}`);
  }
  const decided = sequential ? sequential.decidedAt?.verdict : ab.verdict;
  return decided === "non-inferior" ? EXIT.ok : EXIT.failed;
}

/**
 * Rounds of cases (in a fixed order that mixes the suites: by a hash of the id), each run under
 * both profiles, then a look of the confidence sequence over the paired per-case differences so
 * far; it stops at the first look that decides, at --max-cases, or when the cases run out.
 */
async function untilDecided(p: {
  opts: AbOptions;
  /** The suites' cases; each side's rounds run a growing prefix of them. */
  cases: readonly LoadedCase[];
  margin: number;
  side: (
    spec: string,
    only?: readonly string[],
    resume?: boolean,
  ) => Promise<{ label: string; results: TrialResult[] }>;
  output: Output;
}) {
  const { opts } = p;
  const order = [...p.cases]
    .map((c) => c.id)
    .sort((x, y) => sha256(x).localeCompare(sha256(y)) || x.localeCompare(y));
  const cap = Math.min(order.length, opts.maxCases ?? order.length);
  const size = opts.roundSize ?? 10;
  let a = { label: opts.a, results: [] as TrialResult[] };
  let b = { label: opts.b, results: [] as TrialResult[] };
  let last: ReturnType<typeof sequentialNonInferiority> | undefined;
  let ran = 0;
  const looks: number[] = [];
  for (let upTo = Math.min(size, cap); ; upTo = Math.min(upTo + size, cap)) {
    const only = order.slice(0, upTo);
    a = await p.side(opts.a, only, ran > 0);
    b = await p.side(opts.b, only, ran > 0);
    ran = upTo;
    const d = pairedDifferences(a.results, b.results, only);
    looks.push(d.length);
    last = sequentialNonInferiority(d, { margin: p.margin, looks });
    const look = last.looks.at(-1);
    p.output.err(
      `round: ${upTo} case(s), ${d.length} paired; B - A in [${look ? `${(look.ci[0] * 100).toFixed(1)}, ${(look.ci[1] * 100).toFixed(1)}` : "n/a"}] points: ${look?.verdict ?? "undecided"}`,
    );
    if (last.decidedAt || upTo >= cap) break;
  }
  const ab = compareRuns(a.results, b.results, { margin: p.margin });
  const sequential: SequentialAb = {
    method: last!.method,
    roundSize: size,
    looks: last!.looks,
    decidedAt: last!.decidedAt,
    casesRun: ran,
    casesAvailable: order.length,
    fixedDesignCases: ab.casesNeeded,
  };
  return { a, b, sequential };
}

/** Per-case B - A of the pass shares, in the given case order, over the cases both sides scored. */
function pairedDifferences(
  a: readonly TrialResult[],
  b: readonly TrialResult[],
  order: readonly string[],
): number[] {
  const share = (results: readonly TrialResult[], id: string) => {
    const scored = results.filter((r) => r.case === id && r.verdict !== "error");
    return scored.length ? scored.filter((r) => r.verdict === "pass").length / scored.length : undefined;
  };
  return order.flatMap((id) => {
    const x = share(a, id);
    const y = share(b, id);
    return x === undefined || y === undefined ? [] : [y - x];
  });
}

function sequentialMarkdown(s: SequentialAb): string {
  const at = s.decidedAt;
  return `\n## Sequential decision\n\n- ${s.method}; rounds of ${s.roundSize} case(s), a look after each.\n- ${
    at
      ? `Decided **${at.verdict}** after ${at.n} paired case(s): B - A in [${(at.ci[0] * 100).toFixed(1)}, ${(at.ci[1] * 100).toFixed(1)}] points.`
      : `Undecided after ${s.casesRun} of ${s.casesAvailable} case(s)${s.looks.at(-1) ? `: B - A in [${(s.looks.at(-1)!.ci[0] * 100).toFixed(1)}, ${(s.looks.at(-1)!.ci[1] * 100).toFixed(1)}] points` : ""}.`
  }\n- The fixed design at 80% power would need about ${s.fixedDesignCases ?? "n/a"} paired cases at this discordance; ${at ? `the sequence used ${at.n}` : `the sequence ran ${s.casesRun}`}.\n`;
}
