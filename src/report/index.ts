export { type AbReport, abBanner, type Basis, basisOf, compareRuns, renderAbMarkdown } from "./ab.js";
export {
  type Certification,
  type CertificationManifest,
  certificationOf,
  renderCertification,
} from "./certification.js";
export {
  CASE_CHANGES,
  type CaseChange,
  type CaseDiff,
  type CaseSide,
  type DiffReport,
  type DiffSide,
  diffRuns,
  renderDiffMarkdown,
} from "./diff.js";
export { ms, pct, pctWithInterval, usd } from "./format.js";
export { evaluateGates, type Gate, type Readiness, renderReadinessMarkdown } from "./gates.js";
export { renderHtml } from "./html/index.js";
export { type OtlpOptions, otlpTraces, writeOtlpTraces } from "./otlp.js";
export {
  casesNeeded,
  costReduction,
  mcnemarExact,
  newcombeInterval,
  niVerdict,
  type PairedTable,
  tangoInterval,
} from "./paired.js";
export {
  banners,
  complianceText,
  deviationLines,
  partialBanner,
  provenanceBanner,
  renderJunit,
  renderMarkdown,
} from "./render.js";
export {
  type SequentialAb,
  type SequentialLook,
  type SequentialResult,
  sequentialNonInferiority,
} from "./sequential.js";
export { minSamplesForQuantileCi, passAtK, passHatK, percentile, wilson } from "./stats.js";
export {
  type DeviationExample,
  type LatencyStats,
  type Partial as PartialRun,
  type RateStats,
  type Summary,
  summarize,
  type TierStats,
} from "./summary.js";
export { renderTaskTree, renderTraceTree } from "./tree-text.js";
export { frontierOf, type ProfilePoint, type ReportKind, type ReportView } from "./view.js";
export { type Plan, partialOf, partialOfPlan, writeRunOutputs } from "./write.js";
export { writeHtml } from "./write-html.js";
