import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { type Agent, checkTierPolicy } from "../../agents/index.js";
import type { Config } from "../../config/index.js";
import { RecordingStore } from "../../models/index.js";
import {
  type Assignment,
  assignmentOf,
  type Candidate,
  choose,
  type EvidenceRun,
  type OptimizeReport,
  type PolicyMode,
  planOptimization,
  renderOptimizeMarkdown,
  verify,
} from "../../optimize/index.js";
import { abBanner, compareRuns, writeHtml } from "../../report/index.js";
import { type LoadedCase, parseResults, runSuite, type TrialResult } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import { appendStepSummary } from "../github.js";
import type { Output } from "../output.js";
import { manifestFor, type Prepared, prepareRun } from "../prepare.js";
import { recordWithScenario, scenarioFileOf } from "../scenarios.js";

export interface OptimizeOptions {
  config: string;
  baseline: string;
  margin?: number;
  minReduction?: number;
  keepPolicy?: boolean;
  freeRoles?: boolean;
  mode: "replay" | "record";
  budgetUsd?: number;
  evidence?: string[];
  out?: string;
  scenarios: string;
  concurrency: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
  /** Let a candidate fail a critical case the baseline passes (off: such cases are the search's floor). */
  allowCriticalLoss?: boolean;
  /** Search rounds: a chosen-mode candidate that misses the margin teaches the next round (default 3). */
  rounds?: number;
}

/** The profile name a candidate runs under (its runs, its recordings' takes). */
const profileNameOf = (candidate: string) => `optimize-${candidate}`;

/** A candidate as a profile block: the agent files' tiers, and the agents it moves. */
export function profileBlockOf(assignment: Assignment, agents: readonly Agent[], description: string) {
  const overrides: Record<string, string> = {};
  for (const a of agents)
    if (assignment[a.name] && assignment[a.name] !== a.tier) overrides[a.name] = assignment[a.name]!;
  return { description, base: "agents", overrides };
}

const isReplayMiss = (t: TrialResult) =>
  t.verdict === "error" && (t.reason ?? "").startsWith("no recording for");

/**
 * `orchestra optimize`: learns from runs under several profiles what each agent does on each tier,
 * searches the cheapest assignment predicted within the margin of the baseline, then verifies the
 * candidates by running them (replay, with what the recordings miss recorded against the fake API's
 * scenarios or, in record mode, the API within a budget). Writes optimize.json, profile.yaml,
 * report.md and report.html.
 */
export async function optimizeCommand(
  paths: string[],
  opts: OptimizeOptions,
  output: Output,
): Promise<number> {
  if (opts.keepPolicy && opts.freeRoles)
    throw new UsageError("--keep-policy and --free-roles exclude each other");
  const mode: PolicyMode = opts.freeRoles ? "free-roles" : "keep-policy";
  if (opts.mode === "record" && opts.budgetUsd === undefined)
    throw new UsageError(
      "--mode record calls the API for what the recordings miss and spends money: give --budget-usd (e.g. --budget-usd 5)",
    );
  const probe = prepareRun({ config: opts.config, agentsDir: opts.agentsDir, paths, profiles: [] });
  const { config } = probe;
  const specs = [...new Set([opts.baseline, ...(opts.evidence ?? Object.keys(config.profiles))])];
  const profileSpecs = specs.filter((s) => !isRunFolder(s));
  for (const s of profileSpecs)
    if (!config.profiles[s])
      throw new UsageError(
        `"${s}" is neither a run folder nor a profile (profiles: ${Object.keys(config.profiles).join(", ")})`,
      );
  const prepared: Prepared = probe;
  if (mode === "keep-policy") {
    // The policy-keeping search swaps tiers from the agent files' assignment: it must hold the policy.
    const broken = checkTierPolicy(prepared.agents, config.policy, prepared.configFile);
    if (broken.length > 0)
      throw new UsageError(
        `the agent files break the tier policy (${broken.length} problem(s): ${broken
          .slice(0, 3)
          .map((p) => p.message)
          .join(
            "; ",
          )}${broken.length > 3 ? "; ..." : ""}): --keep-policy searches from them. Fix them (orchestra agents lists each), or use --free-roles`,
      );
  }
  const margin = opts.margin ?? config.gates.nonInferiorityMargin;
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const out = resolve(opts.out ?? `reports/${stamp}-optimize`);
  mkdirSync(out, { recursive: true });
  const assignmentFor = (profile: string): Assignment => assignmentOf(prepared.agents, profile, config);

  const replay = async (cfg: Config, profile: string, recordings: string, dir: string) => {
    rmSync(dir, { recursive: true, force: true });
    const gateway = openGateway(cfg, "replay", recordings, (id, trial) =>
      recordCommandFor(profile, id, { paths, recordings, trial }),
    );
    const started = performance.now();
    const run = await runSuite({
      cases: prepared.cases,
      config: cfg,
      agents: prepared.agents,
      gateway,
      profile,
      mode: "replay",
      concurrency: opts.concurrency,
      outDir: dir,
      manifest: manifestFor({
        title: `Run: ${profile} (replay, for orchestra optimize)`,
        paths,
        profile,
        mode: "replay",
        recordings,
        agentsDir: opts.agentsDir,
        config: opts.config,
        concurrency: opts.concurrency,
        digests: prepared.digests,
      }),
    });
    const errors = run.results.filter((t) => t.verdict === "error").length;
    output.err(
      `  ${profile}: ${run.results.length} trials, ${errors} error(s), ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return run.results;
  };

  // 1. Evidence: every profile's run (or a run folder given).
  output.err(`evidence (${specs.length} runs):`);
  const runs: (EvidenceRun & { run: string })[] = [];
  for (const spec of specs) {
    if (isRunFolder(spec)) {
      const dir = resolve(spec);
      const results = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8")).results;
      const profile = results[0]?.profile ?? spec;
      if (!config.profiles[profile])
        throw new UsageError(
          `${spec}: its runs are of profile "${profile}", which ${opts.config} does not define: the optimizer needs each evidence run's tier assignment`,
        );
      runs.push({ profile, assignment: assignmentFor(profile), results, run: dir });
      output.err(`  ${profile}: ${results.length} trials read from ${spec}`);
    } else {
      const dir = join(out, "evidence", spec);
      const results = await replay(config, spec, opts.recordings, dir);
      runs.push({ profile: spec, assignment: assignmentFor(spec), results, run: dir });
    }
  }
  const baselineRun = runs.find((r) => r.profile === opts.baseline)!;
  if (!baselineRun.results.some((t) => t.verdict !== "error"))
    throw new UsageError(
      `the baseline ${opts.baseline} has no scored trial (${baselineRun.results.length} trial(s), all errors): record it first (orchestra run --mode record --profile ${opts.baseline})`,
    );

  // 2. The search, then 3. verification: run each candidate. A candidate of the chosen mode that
  // misses the margin when run is evidence too (its own run says which parts failed in which
  // company), so the next round searches again with it, until one verifies, the search proposes an
  // assignment already run, or the rounds are spent.
  const rounds = opts.rounds ?? 3;
  let filledStore: { dir: string; store: RecordingStore } | undefined;
  let spentUsd = 0;
  const verifiedResults = new Map<string, readonly TrialResult[]>();
  const tried: { assignment: Assignment; results: readonly TrialResult[]; run: string }[] = [];
  const candidates: Candidate[] = [];
  const learned: (EvidenceRun & { run: string; candidate?: boolean })[] = [...runs];
  let report: OptimizeReport | undefined;
  for (let round = 1; round <= rounds; round++) {
    const plan = planOptimization({
      config,
      agents: prepared.agents,
      runs: learned,
      baseline: opts.baseline,
      margin,
      ...(opts.minReduction === undefined ? {} : { minReduction: opts.minReduction }),
      mode,
      round,
      protectCritical: !opts.allowCriticalLoss,
    }).report;
    report = plan;
    output.err(
      `search${rounds > 1 ? ` (round ${round})` : ""}: ${plan.search.agents} agents x ${plan.search.cases} cases, ${plan.search.evaluated} assignments scored in ${plan.search.ms} ms`,
    );
    // Round 1 verifies both modes (the policy's cost is measured, not only predicted); later rounds
    // refine the chosen mode's candidate only.
    const toVerify = plan.candidates.filter((c) => round === 1 || c.mode === mode);
    const fresh = toVerify.filter(
      (c) => !candidates.some((d) => d.mode === c.mode && sameAssignment(d.assignment, c.assignment)),
    );
    if (fresh.length === 0) {
      output.err(
        `  round ${round}: the search proposes the assignment already verified; no new evidence to learn from`,
      );
      break;
    }
    output.err(`verification${rounds > 1 ? ` (round ${round})` : ""}:`);
    for (const candidate of fresh) {
      const { results, dir, verified } = await verifyCandidate(candidate);
      candidates.push(candidate);
      tried.push({ assignment: candidate.assignment, results, run: dir });
      verifiedResults.set(candidate.name, results);
      candidate.verified = verified;
    }
    const mine = fresh.find((c) => c.mode === mode);
    const withinMargin =
      mine?.verified &&
      mine.verified.errored === 0 &&
      mine.verified.passRate !== null &&
      plan.baseline.passRate !== null &&
      mine.verified.passRate >= plan.baseline.passRate - margin &&
      !mine.verified.criticalLost.some((id) => plan.protectedCases.includes(id));
    if (!mine || withinMargin || round === rounds) break;
    // The candidate missed: learn from its run, unless it already is an evidence run.
    if (!learned.some((r) => sameAssignment(r.assignment, mine.assignment)))
      learned.push({
        profile: profileNameOf(mine.name),
        assignment: mine.assignment,
        results: verifiedResults.get(mine.name)!,
        run: relative(process.cwd(), join(out, "candidates", mine.name)) || ".",
        candidate: true,
      });
    const lost = mine.verified?.criticalLost.filter((id) => plan.protectedCases.includes(id)) ?? [];
    output.err(
      `  ${mine.name} verified at ${((mine.verified?.passRate ?? 0) * 100).toFixed(1)}% (target ${(((plan.baseline.passRate ?? 0) - margin) * 100).toFixed(1)}%)${lost.length ? `, failing critical ${lost.join(", ")}` : ""}: searching again with its run as evidence`,
    );
  }
  if (!report) throw new UsageError("--rounds must be at least 1");
  // The report is the last round's plan, holding every candidate verified on the way.
  report.candidates = candidates;
  report.frontier = [
    ...report.frontier.filter((f) => f.kind === "measured"),
    ...candidates.flatMap((c) => [
      {
        name: c.name,
        kind: "predicted" as const,
        passRate: c.predicted.passRate,
        ci95: null,
        monthlyCostUsd: c.predicted.monthlyCostUsd ?? c.predicted.costUsd,
      },
      ...(c.verified
        ? [
            {
              name: c.name,
              kind: "verified" as const,
              passRate: c.verified.passRate,
              ci95: c.verified.ci95,
              monthlyCostUsd: c.verified.monthlyCostUsd,
            },
          ]
        : []),
    ]),
  ];

  async function verifyCandidate(candidate: Candidate) {
    const profile = profileNameOf(candidate.name);
    const block = profileBlockOf(
      candidate.assignment,
      prepared.agents,
      `orchestra optimize candidate (${candidate.mode})`,
    );
    const cfg: Config = { ...config, profiles: { ...config.profiles, [profile]: block } };
    const dir = join(out, "candidates", candidate.name);
    const same = runs.find((r) => sameAssignment(r.assignment, candidate.assignment));
    const before = tried.find((r) => sameAssignment(r.assignment, candidate.assignment));
    let results: readonly TrialResult[];
    let recordings = filledStore?.dir ?? opts.recordings;
    let filled: NonNullable<Candidate["verified"]>["filled"] = null;
    if (same) {
      // The candidate is an evidence profile's assignment: its run is its verification.
      results = same.results;
      output.err(`  ${candidate.name}: the assignment of ${same.profile}, verified by its run`);
    } else if (before) {
      // The other mode's candidate of an earlier round: the same assignment, the same run.
      results = before.results;
      output.err(`  ${candidate.name}: the assignment of a candidate already run (${before.run})`);
    } else {
      results = await replay(cfg, profile, recordings, dir);
      const missing = prepared.cases.filter((c) => results.some((t) => t.case === c.id && isReplayMiss(t)));
      if (missing.length > 0) {
        const fill = await fillMisses({
          cfg,
          profile,
          missing,
          prepared,
          opts,
          out,
          filledStore,
          spentUsd,
          output,
        });
        filledStore = fill.filledStore;
        spentUsd = fill.spentUsd;
        filled = fill.filled;
        recordings = fill.recordings;
        if (fill.filled.cases > 0) results = await replay(cfg, profile, recordings, dir);
      }
    }
    const runDir = same?.run ?? (before ? resolve(before.run) : dir);
    const v = verify(results, baselineRun.results, {
      margin,
      ...(config.workload ? { workload: config.workload } : {}),
      run: relative(process.cwd(), runDir) || ".",
      labels: [opts.baseline, candidate.name],
    });
    const against: Record<string, number | null> = {};
    for (const r of runs) {
      const ab = compareRuns(r.results, results, {
        margin,
        ...(config.workload ? { workload: config.workload } : {}),
      });
      against[r.profile] = ab.monthlyCostUsd?.reduction ?? ab.costUsd.reduction;
    }
    const verified: Candidate["verified"] = {
      ...v,
      recordings: relative(process.cwd(), resolve(recordings)) || ".",
      filled,
      reductionAgainst: against,
    };
    return { results, dir: runDir, verified };
  }
  const chosen = choose(report);
  report.proposal = chosen.proposal;
  report.proposalReason = chosen.reason;

  // 4. Outputs.
  const owners = Object.fromEntries(prepared.agents.map((a) => [a.name, a.tier]));
  writeFileSync(join(out, "optimize.json"), `${JSON.stringify(report, null, 2)}\n`);
  const proposal = report.candidates.find((c) => c.name === report.proposal);
  writeFileSync(join(out, "profile.yaml"), profileYaml(report, proposal, prepared.agents));
  // What the figures stand on: the proposal's run (else the first candidate's) against the baseline's.
  const shown = proposal ?? report.candidates[0]!;
  const shownResults = verifiedResults.get(shown.name) ?? [];
  const ab = compareRuns(baselineRun.results, shownResults, {
    margin,
    ...(config.workload ? { workload: config.workload } : {}),
    labels: [opts.baseline, shown.name],
  });
  const banner = abBanner(ab);
  const markdown = `${banner ? `${banner}\n\n` : ""}${renderOptimizeMarkdown(report, owners)}`;
  writeFileSync(join(out, "report.md"), markdown);
  await writeHtml(out, {
    kind: "optimize",
    title: `Tier optimization against ${opts.baseline}`,
    optimize: { ...report, owners },
    ab,
    results: shownResults,
    baselineResults: baselineRun.results,
  });
  appendStepSummary(markdown);
  if (opts.json) output.out(JSON.stringify(report, null, 2));
  else {
    output.out(markdown);
    output.out(
      `written: ${["optimize.json", "profile.yaml", "report.md", "report.html"].map((f) => join(out, f)).join(", ")}`,
    );
  }
  const meetsReduction =
    opts.minReduction === undefined ||
    (proposal?.verified?.reduction ?? Number.NEGATIVE_INFINITY) >= opts.minReduction;
  return proposal && meetsReduction ? EXIT.ok : EXIT.failed;
}

function isRunFolder(spec: string): boolean {
  const dir = resolve(spec);
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(join(dir, "results.jsonl"));
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * Records what a candidate's replay missed, case by case. Replay mode: against the loopback fake
 * API playing each case's scenario, into a copy of the recordings in the output folder (the
 * shipped ones are never touched). Record mode: against the API (ANTHROPIC_BASE_URL, else the real
 * one) into --recordings, until the budget is spent.
 */
async function fillMisses(p: {
  cfg: Config;
  profile: string;
  missing: LoadedCase[];
  prepared: Prepared;
  opts: OptimizeOptions;
  out: string;
  filledStore: { dir: string; store: RecordingStore } | undefined;
  spentUsd: number;
  output: Output;
}) {
  const { cfg, profile, missing, prepared, opts, output } = p;
  let spentUsd = p.spentUsd;
  let cases = 0;
  const skipped: string[] = [];
  if (opts.mode === "replay") {
    const scenarios = resolve(opts.scenarios);
    let filledStore = p.filledStore;
    if (!filledStore) {
      const dir = join(p.out, "recordings");
      rmSync(dir, { recursive: true, force: true });
      if (existsSync(resolve(opts.recordings))) cpSync(resolve(opts.recordings), dir, { recursive: true });
      else mkdirSync(dir, { recursive: true });
      filledStore = { dir, store: new RecordingStore(dir) };
    }
    for (const c of missing) {
      const file = existsSync(scenarios) ? scenarioFileOf(scenarios, c) : undefined;
      if (!file) {
        skipped.push(c.id);
        continue;
      }
      await recordWithScenario({
        config: cfg,
        agents: prepared.agents,
        case: c,
        profile,
        scenario: file,
        store: filledStore.store,
      });
      filledStore.store.flushCase(c.id);
      filledStore.store.release(c.id);
      cases++;
    }
    output.err(
      `  ${profile}: ${missing.length} case(s) the recordings miss; ${cases} recorded against the fake API's scenarios (synthetic) into ${relative(process.cwd(), filledStore.dir)}${skipped.length ? `; ${skipped.length} without a scenario in ${opts.scenarios} stay errors` : ""}`,
    );
    return {
      filledStore,
      spentUsd,
      recordings: filledStore.dir,
      filled: { cases, via: "fake-api" as const, costUsd: 0, skipped },
    };
  }
  const budget = opts.budgetUsd ?? 0;
  const gateway = openGateway(cfg, "record", opts.recordings);
  for (const c of missing) {
    if (spentUsd >= budget) {
      skipped.push(c.id);
      continue;
    }
    const dir = join(p.out, "recording-runs", profile, c.id);
    const run = await runSuite({
      cases: [c],
      config: cfg,
      agents: prepared.agents,
      gateway,
      profile,
      mode: "record",
      concurrency: 1,
      outDir: dir,
    });
    spentUsd += run.results.reduce((s, t) => s + t.costMicroUsd + t.judgeCostMicroUsd, 0) / 1e6;
    cases++;
  }
  gateway.flush();
  output.err(
    `  ${profile}: ${missing.length} case(s) the recordings miss; ${cases} recorded against the API ($${spentUsd.toFixed(2)} of the $${budget.toFixed(2)} budget)${skipped.length ? `; ${skipped.length} left unrecorded by the budget stay errors` : ""}`,
  );
  return {
    filledStore: p.filledStore,
    spentUsd,
    recordings: opts.recordings,
    filled: { cases, via: "api" as const, costUsd: spentUsd - p.spentUsd, skipped },
  };
}

function profileYaml(
  report: OptimizeReport,
  proposal: Candidate | undefined,
  agents: readonly Agent[],
): string {
  if (!proposal)
    return `# orchestra optimize verified no proposal: ${report.proposalReason}.\n# See report.md for the candidates and what each was predicted and measured at.\n`;
  const v = proposal.verified!;
  const block = profileBlockOf(
    proposal.assignment,
    agents,
    `orchestra optimize's proposal (${proposal.mode}) against ${report.baseline.profile}`,
  );
  const header = [
    `# Proposed by orchestra optimize (${proposal.mode}) against ${report.baseline.profile}, margin ${report.margin}:`,
    `# verified pass rate ${v.passRate === null ? "n/a" : (v.passRate * 100).toFixed(1)}%, monthly reduction ${v.reduction === null ? "n/a" : (v.reduction * 100).toFixed(1)}% (${v.verdict}); ${report.proposalReason}.`,
    `# Add it under \`profiles:\` in orchestra.config.yaml, then: orchestra ab --a ${report.baseline.profile} --b optimized`,
  ];
  return `${header.join("\n")}\n${stringify({ optimized: block })}`;
}
