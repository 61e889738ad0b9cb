import type { Provenance, TokenUsage } from "../models/index.js";
import type { DeviationKind, Message } from "../protocol/index.js";
import type { ScreeningHit } from "./layers/screening.js";

/** A layer's verdict on one call: what it checked and what it found. */
export interface LayerVerdict {
  layer: "L1" | "L2" | "L3" | "L4" | "L5";
  verdict: "pass" | "flag" | "block" | "fail" | "skip";
  /** One line per problem found, a person can read each. */
  notes: string[];
}

export interface MessageEvent {
  kind: "message";
  seq: number;
  type: string;
  id: string;
  from: string;
  to: string;
  inReplyTo?: string;
  depth: number;
  bytes: number;
  /** Only for messages agents produced: was the reply strictly compliant? */
  compliant?: boolean;
  /** The message was read from a reply that was not compliant (the recovered reading). */
  recovered?: boolean;
  overheadRatio?: number;
  /** The full message text (XML), for assertions on content. */
  xml: string;
}

export interface CallEvent {
  kind: "call";
  seq: number;
  /** The id of the task-assignment this call answers. */
  task: string;
  agent: string;
  role: string;
  tier: string;
  model: string;
  depth: number;
  fingerprint: string;
  usage: TokenUsage;
  costMicroUsd: number;
  /** What priced the call, as the gateway chose it (absent on calls made outside a gateway). */
  price?: { model: string; from: string | null };
  latencyMs: number;
  latencySource: "measured" | "recorded";
  ttftMs?: number;
  attempts: number;
  fellBackFrom: { model: string; reason: string }[];
  /** Set when this call re-ran a task one tier up. */
  escalation?: { fromTier: string; reason: string };
  /** Set when this call was the corrective retry after a protocol violation. */
  corrective?: boolean;
  /** Set when this call retried a reply cut at max_tokens with a larger budget. */
  truncationRetry?: boolean;
  /** max_tokens of the request. */
  maxTokens: number;
  /** Why the model stopped (end_turn, max_tokens, refusal, ...). */
  stopReason: string | null;
  /** The model the API says answered, when it is not the one asked for (an alias moved, a reroute). */
  servedOther?: string;
  /** 429s the call waited out on its model. */
  rateLimited?: number;
  /** When the call started, ms since the epoch. */
  startedAt: number;
  /** How the reply read: strictly compliant, read at all (recovered), and what had to be undone. */
  reply: ReplyRecord;
  layers: LayerVerdict[];
  context: CallContext;
  provenance: Provenance;
  requestId: string | null;
}

/**
 * The context files offered to a call and sent with it, in bytes and estimated tokens. `filtered`
 * is false where no filter ran (planners see everything by design; or the filter is off): those
 * calls offer and send the same context, and reports keep them out of the reduction.
 */
export interface CallContext {
  bytesBefore: number;
  bytesAfter: number;
  tokensBefore: number;
  tokensAfter: number;
  itemsDropped: number;
  filtered: boolean;
}

export interface ReplyRecord {
  /** The strict reading: exactly one valid message, nothing around it. */
  compliant: boolean;
  /** A message was read (strictly, or by the recovered reading) and acted on. */
  read: boolean;
  deviations: DeviationKind[];
  /** The reply's first characters, kept when it was not compliant (for the reports' examples). */
  excerpt?: string;
  /** The first deviation of each kind: where, and what was read. */
  details?: { kind: DeviationKind; path: string; detail: string }[];
}

export interface ScreeningEvent {
  kind: "screening";
  seq: number;
  target: string;
  verdict: "pass" | "flag" | "block";
  hits: ScreeningHit[];
}

export interface ErrorEvent {
  kind: "error";
  seq: number;
  agent: string;
  code: string;
  detail: string;
}

export interface EscalationEvent {
  kind: "escalation";
  seq: number;
  agent: string;
  fromTier: string;
  /** The tier of the re-run, or null when the task was handed up to the requester. */
  toTier: string | null;
  action: "rerun" | "handoff";
  reason: string;
}

export type TraceEvent = MessageEvent | CallEvent | ScreeningEvent | ErrorEvent | EscalationEvent;

export interface Trace {
  mission: string;
  caseId: string;
  trial: number;
  profile: string;
  events: TraceEvent[];
}

/** An event before the recorder numbers it (a distributive Omit, so each kind keeps its fields). */
export type NewEvent<E extends TraceEvent = TraceEvent> = E extends unknown ? Omit<E, "seq"> : never;

/** Appends events with a running sequence number; the order is the order things happened. */
export class TraceRecorder {
  private seq = 0;
  readonly events: TraceEvent[] = [];

  add<E extends NewEvent>(event: E): E & { seq: number } {
    const added = { ...event, seq: ++this.seq };
    this.events.push(added as TraceEvent);
    return added;
  }
}

/**
 * The parsed form of each message event the orchestra recorded, kept beside the trace (not in it,
 * so traces stay plain data) for assertions that read messages: they need not parse the XML again.
 */
const parsedMessages = new WeakMap<MessageEvent, Message>();

export function rememberParsed(event: MessageEvent, message: Message): void {
  parsedMessages.set(event, message);
}

export function parsedOf(event: MessageEvent): Message | undefined {
  return parsedMessages.get(event);
}

export interface TraceTotals {
  calls: number;
  messages: number;
  agents: string[];
  costMicroUsd: number;
  usage: TokenUsage;
  latencyMs: number;
  fallbacks: number;
  escalations: number;
  correctiveRetries: number;
  maxDepth: number;
  /** Agent replies: every call answered by a model, read or not. */
  agentMessages: number;
  /** Replies that were strictly compliant. */
  compliantMessages: number;
  /** Replies that were not compliant but whose message was read and acted on. */
  recoveredMessages: number;
  /** Replies showing each deviation kind. */
  deviations: Partial<Record<DeviationKind, number>>;
}
