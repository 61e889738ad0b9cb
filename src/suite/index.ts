export {
  ASSERTIONS,
  type AssertionResult,
  evaluate,
  type Judge,
  type JudgeRecord,
  readVerdict,
} from "./assertions/index.js";
export { checkCaseAgents } from "./check.js";
export {
  appendHistory,
  type FlakyCase,
  flakyCases,
  HISTORY_FILE,
  type HistoryEntry,
  HistoryEntrySchema,
  historyEntriesOf,
  type RunHistory,
  RunHistorySchema,
  readHistory,
  recordHistory,
} from "./history.js";
export { type LoadedCase, loadSuites, suiteFiles } from "./load.js";
export {
  agentsDigest,
  configDigest,
  pricesOfRun,
  RUN_FILE,
  type RunManifest,
  RunManifestSchema,
  readManifest,
  suitesDigest,
  writeManifest,
} from "./manifest.js";
export {
  type AssertionRecord,
  type CallRecord,
  parseResults,
  type TrialResult,
  TrialResultSchema,
} from "./results.js";
export { inShard, type RunOptions, type RunOutcome, runSuite, type Shard, selectCases } from "./runner.js";
export {
  ASSERTION_TYPES,
  type Assertion,
  AssertionSchema,
  type CaseInput,
  CaseSchema,
  SUITES,
  type SuiteCase,
  type SuiteFile,
  SuiteFileSchema,
  type SuiteName,
} from "./schema.js";
