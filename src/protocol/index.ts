export { buildMessage } from "./build.js";
export { KNOWN_TYPES, type Violation } from "./decode.js";
export { DEFAULT_LIMITS, type ParseLimits } from "./limits.js";
export { overheadRatio } from "./overhead.js";
export { type ParseResult, parseMessage } from "./parse.js";
export {
  type ContextFile,
  confidenceOf,
  DELIVERABLE_KINDS,
  type Deliverable,
  type ErrorMessage,
  ESCALATION_REASONS,
  type Escalation,
  type Finding,
  MESSAGE_TYPES,
  type Message,
  MessageSchema,
  type MessageType,
  type PlanTask,
  PRIORITIES,
  type Result,
  SEVERITIES,
  type StatusUpdate,
  type TaskAssignment,
} from "./schemas.js";
export { type ValidationReport, validateMessage } from "./validate.js";
