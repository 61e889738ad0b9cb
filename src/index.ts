/**
 * agent-orchestra's programmatic API: the package's one public face (`import … from
 * "agent-orchestra"`). It re-exports a deliberate set of each layer's public face, enough to do
 * from code what the CLI does: load the config, the agents and the suites, run a suite on a
 * gateway (replay, record or live), read and summarize its results, compare two runs, certify,
 * and read the XML protocol. Everything else under dist/ is internal and may change without
 * notice. docs/api.md has a runnable example of every function.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTierPolicy, type Registry } from "./agents/index.js";
import { CONFIG_FILE, type Config } from "./config/index.js";
import { type Certification, certificationOf, type PartialRun, partialOfPlan } from "./report/index.js";
import type { RunOutcome } from "./suite/index.js";

// Agents: the roster, its tier policy and the git audit of its tiers.
export {
  type Agent,
  type Counts,
  checkTierPolicy,
  countAgents,
  GitAuditError,
  type LoadAgentsOptions,
  loadAgents,
  type Registry,
  type TierChange,
  tierChangesSince,
} from "./agents/index.js";
// Configuration: orchestra.config.yaml.
export {
  CONFIG_FILE,
  type Config,
  type Gates,
  type LoadedConfig,
  loadConfig,
  type Profile,
  type Role,
  type TierConfig,
  type TierPolicy,
  type Workload,
} from "./config/index.js";
// Models: the one door to the models, and the recordings replay reads.
export {
  type CallResult,
  createGateway,
  type Gateway,
  type GatewayOptions,
  MissingApiKeyError,
  MODES,
  type Mode,
  type ModelRequest,
  RecordingStore,
  ReplayMissError,
  type TokenUsage,
} from "./models/index.js";
// The tier optimizer: evidence per agent and tier, the search, and the verdict on verified candidates.
export {
  type AgentTierEvidence,
  type Assignment,
  assignmentOf,
  type Candidate,
  choose,
  type Evidence,
  type EvidenceRun,
  type FrontierPoint,
  gatherEvidence,
  type OptimizeInput,
  type OptimizeReport,
  type PolicyMode,
  planOptimization,
  renderOptimizeMarkdown,
  type Sensitivity,
  type Verified,
  type VerifiedRun,
  verify,
} from "./optimize/index.js";
// The protocol: the five XML messages, read strictly and recovered.
export {
  buildMessage,
  DEVIATION_KINDS,
  type Deviation,
  type DeviationKind,
  type ErrorMessage,
  type Escalation,
  type Finding,
  MESSAGE_TYPES,
  type Message,
  type MessageType,
  type ParseLimits,
  type ParseResult,
  parseMessage,
  type ReadOptions,
  type ReplyReading,
  type Result,
  readReply,
  type StatusUpdate,
  type TaskAssignment,
  type ValidationReport,
  type Violation,
  validateMessage,
} from "./protocol/index.js";
// Reports: summaries, the paired A/B, the readiness gates.
export {
  type AbReport,
  type Certification,
  type CertificationManifest,
  compareRuns,
  evaluateGates,
  type Gate,
  type PartialRun,
  type RateStats,
  type Readiness,
  renderAbMarkdown,
  renderCertification,
  renderMarkdown,
  type Summary,
  summarize,
  type TierStats,
} from "./report/index.js";
// Problems: what every loader reports, and throws (InputError) when a file cannot be used.
export { InputError, type Problem } from "./shared/problem.js";
// Suites: load them, run them, read what a run wrote.
export {
  type Assertion,
  type CallRecord,
  type LoadedCase,
  loadSuites,
  parseResults,
  type RunManifest,
  type RunOptions,
  type RunOutcome,
  runSuite,
  type Shard,
  type SuiteCase,
  type SuiteName,
  type TrialResult,
} from "./suite/index.js";

const root = dirname(fileURLToPath(new URL("../package.json", import.meta.url)));

/**
 * Absolute paths of what the package ships: its root, the default `orchestra.config.yaml` and the
 * 47-agent roster (`agents/`). The suites and recordings are not shipped: they are the repository's.
 */
export const shipped: { readonly root: string; readonly config: string; readonly agents: string } = {
  root,
  config: fileURLToPath(new URL(`../${CONFIG_FILE}`, import.meta.url)),
  agents: fileURLToPath(new URL("../agents", import.meta.url)),
};

/** One side of a certification: the profile that ran and what `runSuite` returned for it. */
export interface CertifyRun {
  profile: string;
  outcome: Pick<RunOutcome, "results" | "planned" | "stopped">;
}

export interface CertifyInput {
  config: Config;
  /** The config's file, named by the tier policy's problems (default `orchestra.config.yaml`). */
  configFile?: string;
  /** The agents as `loadAgents` returned them: their problems and the tier policy's count. */
  registry: Registry;
  candidate: CertifyRun;
  baseline: CertifyRun;
}

/**
 * The readiness verdict of two runs, in memory, as `orchestra certify` gives it: the candidate's
 * summary, the paired A/B against the baseline and every gate (`readiness.ready` is the verdict).
 * A run with fewer results than it `planned` (interrupted, stopped by `maxErrors`) is partial, and
 * a partial run is never certified. Writes nothing; `renderCertification` renders a folder.
 */
export function certify(input: CertifyInput): Certification {
  const { config, registry, candidate, baseline } = input;
  const policy = checkTierPolicy(registry.agents, config.policy, input.configFile ?? CONFIG_FILE);
  return certificationOf({
    profile: candidate.profile,
    baseline: baseline.profile,
    gates: config.gates,
    ...(config.workload ? { workload: config.workload } : {}),
    agentCount: registry.agents.length,
    agentProblems: registry.problems.length + policy.length,
    candidate: candidate.outcome.results,
    baselineResults: baseline.outcome.results,
    candidatePartial: partialOf(candidate.outcome),
    baselinePartial: partialOf(baseline.outcome),
  });
}

function partialOf(outcome: CertifyRun["outcome"]): PartialRun | null {
  return partialOfPlan(
    { planned: outcome.planned, stopped: outcome.stopped ?? null, ended: true },
    outcome.results,
  );
}
