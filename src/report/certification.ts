import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Gates, Workload } from "../config/index.js";
import {
  parseResults,
  type RunHistory,
  type RunManifest,
  readManifest,
  type TrialResult,
} from "../suite/index.js";
import { type AbReport, compareRuns, renderAbMarkdown } from "./ab.js";
import { evaluateGates, type Readiness, renderReadinessMarkdown } from "./gates.js";
import { banners, renderJunit, renderMarkdown } from "./render.js";
import { type Partial, type Summary, summarize } from "./summary.js";
import { frontierOf } from "./view.js";
import { partialOf, readRunHistory } from "./write.js";
import { writeHtml } from "./write-html.js";

/** What a certification ran with, kept beside its results so the report re-renders from files alone. */
export interface CertificationManifest {
  profile: string;
  baseline: string;
  agentCount: number;
  agentProblems: number;
  gates: Gates;
  workload?: Workload;
  /**
   * `--quarantine`: cases the run history found flaky, kept out of the gates and the A/B (both
   * profiles), and listed in the report.
   */
  quarantine?: { history: string; cases: string[] };
}

export interface Certification {
  summary: Summary;
  ab: AbReport;
  readiness: Readiness;
}

function readResults(file: string): TrialResult[] {
  return existsSync(file) ? parseResults(readFileSync(file, "utf8")).results : [];
}

/** What a certification decides, from its two runs: in memory, nothing written. */
export function certificationOf(input: {
  profile: string;
  baseline: string;
  gates: Gates;
  workload?: Workload;
  agentCount: number;
  agentProblems: number;
  candidate: readonly TrialResult[];
  baselineResults: readonly TrialResult[];
  candidatePartial: Partial | null;
  baselinePartial: Partial | null;
  /** The price table the candidate's run.json names. */
  candidatePrices?: RunManifest["prices"];
  /** What the run history said when the certification was added to it. */
  history?: RunHistory | null;
}): Certification {
  const summary = summarize(input.candidate, {
    partial: input.candidatePartial,
    prices: input.candidatePrices,
    history: input.history ?? null,
  });
  const ab = compareRuns(input.baselineResults, input.candidate, {
    margin: input.gates.nonInferiorityMargin,
    ...(input.workload ? { workload: input.workload } : {}),
    labels: [input.baseline, input.profile],
  });
  const readiness = evaluateGates({
    gates: input.gates,
    agentProblems: input.agentProblems,
    agentCount: input.agentCount,
    summary,
    results: input.candidate,
    ab,
    profile: input.profile,
    baseline: input.baseline,
    baselinePartial: input.baselinePartial,
  });
  return { summary, ab, readiness };
}

/**
 * Writes a certification folder's outputs from its files: <profile>/results.jsonl,
 * <baseline>/results.jsonl and certification.json. The same files always give the same bytes.
 */
export async function renderCertification(dir: string, latest?: string): Promise<Certification> {
  const manifest = JSON.parse(readFileSync(join(dir, "certification.json"), "utf8")) as CertificationManifest;
  const quarantined = new Set(manifest.quarantine?.cases ?? []);
  const kept = (results: TrialResult[]) => results.filter((r) => !quarantined.has(r.case));
  const candidate = kept(readResults(join(dir, manifest.profile, "results.jsonl")));
  const baseline = kept(readResults(join(dir, manifest.baseline, "results.jsonl")));
  const baselinePartial = partialOf(readManifest(join(dir, manifest.baseline)), baseline);
  const candidateRun = readManifest(join(dir, manifest.profile));
  const { summary, ab, readiness } = certificationOf({
    profile: manifest.profile,
    baseline: manifest.baseline,
    gates: manifest.gates,
    ...(manifest.workload ? { workload: manifest.workload } : {}),
    agentCount: manifest.agentCount,
    agentProblems: manifest.agentProblems,
    candidate,
    baselineResults: baseline,
    candidatePartial: partialOf(candidateRun, candidate),
    baselinePartial,
    candidatePrices: candidateRun?.prices,
    history: readRunHistory(dir),
  });
  const both = [...baseline, ...candidate];
  writeFileSync(
    join(dir, "results.jsonl"),
    both.map((r) => JSON.stringify(r)).join("\n") + (both.length ? "\n" : ""),
  );
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, "ab.json"), `${JSON.stringify(ab, null, 2)}\n`);
  writeFileSync(join(dir, "readiness.json"), `${JSON.stringify(readiness, null, 2)}\n`);
  writeFileSync(join(dir, "junit.xml"), renderJunit(both));
  const report = [
    `# Certification: ${manifest.profile} against ${manifest.baseline}`,
    "",
    ...banners({ provenance: summary.provenance, partial: summary.partial ?? baselinePartial }).flatMap(
      (b) => [b, ""],
    ),
    ...(manifest.quarantine?.cases.length
      ? [
          `> **Quarantined.** ${manifest.quarantine.cases.length} case(s) flipped verdict on the same basis in the run history ${manifest.quarantine.history} and are kept out of every gate and of the A/B: ${manifest.quarantine.cases.join(", ")}.`,
          "",
        ]
      : []),
    renderReadinessMarkdown(readiness),
    renderAbMarkdown(ab),
    renderMarkdown(summary, `Run details: ${manifest.profile}`)
      .replace(/^# /, "## ")
      .replace(/\n## /g, "\n### "),
  ].join("\n");
  writeFileSync(join(dir, "report.md"), report);
  await writeHtml(dir, {
    kind: "certify",
    title: `Certification: ${manifest.profile} against ${manifest.baseline}`,
    // As in report.md: half a baseline makes the certification partial too, and its banner says so.
    summary: { ...summary, partial: summary.partial ?? baselinePartial },
    results: candidate,
    baselineResults: baseline,
    ab,
    readiness,
    profiles: frontierOf(ab),
  });
  if (latest && latest !== dir) {
    rmSync(latest, { recursive: true, force: true });
    mkdirSync(latest, { recursive: true });
    cpSync(dir, latest, { recursive: true });
  }
  return { summary, ab, readiness };
}
