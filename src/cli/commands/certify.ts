import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Table from "cli-table3";
import { checkTierPolicy, loadAgents } from "../../agents/index.js";
import { loadConfig } from "../../config/index.js";
import type { Mode } from "../../models/index.js";
import { type CertificationManifest, provenanceBanner, renderCertification } from "../../report/index.js";
import { loadSuites, runSuite } from "../../suite/index.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway, recordCommandFor } from "../gateway.js";
import type { Output } from "../output.js";

export interface CertifyOptions {
  config: string;
  profile: string;
  baseline: string;
  mode: Mode;
  out?: string;
  concurrency: number;
  recordings: string;
  agentsDir: string;
  json?: boolean;
}

/**
 * The owners' certification: the registry check, the suites under the candidate profile and the
 * baseline, the paired A/B, and every readiness gate, into readiness.json and report.md.
 */
export async function certifyCommand(paths: string[], opts: CertifyOptions, output: Output): Promise<number> {
  const { file: configFile, config } = loadConfig(resolve(opts.config));
  for (const p of [opts.profile, opts.baseline]) {
    if (!config.profiles[p])
      throw new UsageError(`unknown profile "${p}" (known: ${Object.keys(config.profiles).join(", ")})`);
  }
  const registry = loadAgents(resolve(opts.agentsDir), { tiers: Object.keys(config.tiers) });
  const problems = [...registry.problems, ...checkTierPolicy(registry.agents, config.policy, configFile)];
  const cases = loadSuites(paths.length ? paths : ["suites"]);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const dir = resolve(opts.out ?? `reports/${stamp}-certify`);
  mkdirSync(dir, { recursive: true });
  for (const profile of [opts.baseline, opts.profile]) {
    const gateway = openGateway(config, opts.mode, opts.recordings, (id) =>
      recordCommandFor(profile, id, { paths, recordings: opts.recordings }),
    );
    const outcome = await runSuite({
      cases,
      config,
      agents: registry.agents,
      gateway,
      profile,
      mode: opts.mode,
      concurrency: opts.concurrency,
      outDir: join(dir, profile),
    });
    gateway.flush();
    const errors = outcome.results.filter((r) => r.verdict === "error").length;
    output.err(
      `${profile}: ${outcome.results.length} trials, ${outcome.results.filter((r) => r.verdict === "pass").length} passed, ${errors} errored`,
    );
  }
  const manifest: CertificationManifest = {
    profile: opts.profile,
    baseline: opts.baseline,
    agentCount: registry.agents.length,
    agentProblems: problems.length,
    gates: config.gates,
    ...(config.workload ? { workload: config.workload } : {}),
  };
  writeFileSync(join(dir, "certification.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const { readiness, ab, summary } = renderCertification(dir, resolve("reports/latest"));
  if (opts.json) {
    output.out(JSON.stringify(readiness, null, 2));
  } else {
    const banner = provenanceBanner(summary);
    if (banner) output.out(`${banner.replace(/^> /, "").replace(/\*\*/g, "")}\n`);
    const table = new Table({
      head: ["gate", "status", "measured", "threshold"],
      style: { head: [], border: [] },
      colWidths: [34, 8, 60, 28],
      wordWrap: true,
    });
    for (const g of readiness.gates) table.push([g.title, g.status.toUpperCase(), g.measured, g.threshold]);
    output.out(table.toString());
    output.out(
      `\n${readiness.ready ? "READY" : "NOT READY"} (basis: ${readiness.basis}). A/B ${ab.b} vs ${ab.a}: pass ${(ab.passRate.a * 100).toFixed(1)}% -> ${(ab.passRate.b * 100).toFixed(1)}%, ${ab.verdict}; cost reduction ${(ab.costUsd.reduction * 100).toFixed(1)}% per run${ab.monthlyCostUsd ? `, ${(ab.monthlyCostUsd.reduction * 100).toFixed(1)}% a month under the workload` : ""}.`,
    );
    output.out(`report: ${join(dir, "report.md")} (also reports/latest/)`);
  }
  return readiness.ready ? EXIT.ok : EXIT.failed;
}
