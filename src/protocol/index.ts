export { buildMessage } from "./build.js";
export { describeCode, firstNonXmlChar, isXmlChar } from "./chars.js";
export { type Extra, KNOWN_TYPES, type Violation } from "./decode.js";
export {
  DEVIATION_KINDS,
  DEVIATION_MEANINGS,
  type Deviation,
  type DeviationKind,
  isDeviationKind,
} from "./deviations.js";
export { DEFAULT_LIMITS, type ParseLimits } from "./limits.js";
export { overheadRatio } from "./overhead.js";
export { type ParseResult, parseMessage } from "./parse.js";
export { deviationKinds, type ReadOptions, type ReplyReading, readReply } from "./reading.js";
export { escapeRawText, TEXT_ELEMENTS } from "./repair.js";
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
