export { canonicalJson, type Difference, jsonDiff, sha256 } from "./canonical.js";
export { ModelCallError, ModelUnavailableError, RateLimitedError, ReplayMissError } from "./errors.js";
export { type CostEstimate, estimateRunCost, type PlannedCase } from "./estimate.js";
export {
  type CallResult,
  createGateway,
  type FallbackStep,
  type Gateway,
  type GatewayOptions,
  isLoopback,
  MissingApiKeyError,
  MODES,
  type Mode,
  type ModelRequest,
  textOf,
} from "./gateway.js";
export {
  type CostOptions,
  costMicroUsd,
  formatUsd,
  MissingPriceError,
  microToUsd,
  PriceDateError,
  pricedModel,
  priceTableDigest,
  rateAt,
} from "./pricing.js";
export {
  KEPT_HEADERS,
  type Provenance,
  ProvenanceSchema,
  type RecordedResponse,
  type Recording,
  RecordingSchema,
} from "./recording.js";
export { fingerprintOf, type NormalizedRequest, normalizeRequest } from "./request.js";
export { RecordingStore } from "./store.js";
export type { CallContext, Fetch } from "./transport.js";
export { type ApiUsage, addUsage, fromApiUsage, type TokenUsage, ZERO_USAGE } from "./usage.js";
