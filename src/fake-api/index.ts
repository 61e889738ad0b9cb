/**
 * The fake Anthropic Messages API: a loopback HTTP server that answers the real SDK like the real
 * API does (JSON and SSE, errors, rate-limit headers, usage, prompt caching), scripted by scenarios
 * and a reply hook, with seeded fault injection. See docs/fake-api.md.
 */
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultSpec,
  FaultSpecError,
  isFaultKind,
  parseFaultSpec,
  validateFaults,
} from "./faults.js";
export { INJECTED_MARKUP, type Mutation, mutate } from "./messy.js";
export {
  MESSY_LOG_LIMIT,
  type MessyLogEntry,
  type MessySpec,
  MessySpecError,
  parseMessyKinds,
  validateMessy,
} from "./messy-picker.js";
export { DEFAULT_RPM, DEFAULT_TPM, WINDOW_MS } from "./rate-limit.js";
export { recordedReplies } from "./recorded.js";
export { STOP_REASONS } from "./reply.js";
export type { MessagesBody } from "./request.js";
export {
  intendedVerdict,
  loadScenario,
  MatchSchema,
  MessySchema,
  parseScenario,
  REPLY_PLACEHOLDERS,
  RuleSchema,
  type Scenario,
  type ScenarioRule,
  ScenarioSchema,
  UsageOverrideSchema,
} from "./scenario.js";
export { FAKE_API_HOST, startFakeApi } from "./server.js";
export type {
  FakeApi,
  FakeApiOptions,
  FakeApiStats,
  FakeRequest,
  RawResponse,
  ReplyHook,
  ReplySpec,
} from "./types.js";
export {
  cacheMinimumsOf,
  DEFAULT_CACHE_MIN_TOKENS,
  estimateTokens,
  type UsageOverride,
} from "./usage.js";
