export { Budget, LimitExceededError, type LimitName, type Limits, mapBounded } from "./budget.js";
export { type ContextItem, domainsOf, type FilterResult, filterContext } from "./context-filter.js";
export { systemPromptFor } from "./instructions.js";
export { checkPlan, checkSpecialistBoundary, domainHits, type PlannedTask } from "./layers/boundary.js";
export { decideEscalation, type EscalationDecision } from "./layers/escalation.js";
export { type Claims, checkGrounding, type GivenContext } from "./layers/grounding.js";
export { SCREENING_PATTERNS, type ScreeningVerdict, screen } from "./layers/screening.js";
export { correctionText, verifyOutput } from "./layers/verification.js";
export {
  type AgentTaskInput,
  type LayerName,
  Mission,
  type MissionInput,
  type MissionOutcome,
  type OrchestraOptions,
  reportsOf,
  runAgent,
  runMission,
  uncacheableAgents,
} from "./mission.js";
export { totalsOf } from "./totals.js";
export type {
  CallEvent,
  ErrorEvent,
  EscalationEvent,
  LayerVerdict,
  MessageEvent,
  ScreeningEvent,
  Trace,
  TraceEvent,
  TraceTotals,
} from "./trace.js";
export { parsedOf } from "./trace.js";
export { type TaskNode, taskTree } from "./tree.js";
