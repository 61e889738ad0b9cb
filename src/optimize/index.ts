export {
  type AgentTierEvidence,
  type Assignment,
  assignmentOf,
  type Evidence,
  type EvidenceRun,
  gatherEvidence,
} from "./evidence.js";
export {
  type Candidate,
  choose,
  type FrontierPoint,
  type OptimizeInput,
  type OptimizeReport,
  type PolicyMode,
  planOptimization,
  type Sensitivity,
  tiersCheapestFirst,
  type Verified,
  type VerifiedRun,
  verify,
} from "./optimize.js";
export { type Prediction, Predictor } from "./predict.js";
export { renderOptimizeMarkdown } from "./render.js";
export { type SearchOptions, type SearchResult, searchAssignment } from "./search.js";
