import type { StopReason } from "@anthropic-ai/sdk/resources/messages/messages";
import { buildMessage } from "../protocol/index.js";
import type { MessagesBody } from "./request.js";
import { estimateTokens } from "./usage.js";

export const STOP_REASONS = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
] as const satisfies readonly StopReason[];

const AGENT_NAME = /^[a-z0-9][a-z0-9-]*$/;

function agentName(name: string | undefined, fallback: string): string {
  return name !== undefined && AGENT_NAME.test(name) ? name : fallback;
}

export interface DefaultReplyInput {
  agent: string;
  sender: string | undefined;
  replyTo: string | undefined;
  /** Sequence number of the request on this server, for a unique message id. */
  seq: number;
}

/** The agent name the gateway gives a `rubric` assertion's judge model. */
export const JUDGE_AGENT = "judge";

/**
 * The reply served when no hook and no scenario rule answers: a compliant protocol `result`
 * from the agent back to whoever sent it the task, complete, confidence 0.9. To the judge of a
 * rubric assertion (agent `judge`), which is asked for a score, not a protocol message: a
 * passing score (1), labelled synthetic.
 */
export function defaultReply(input: DefaultReplyInput): string {
  if (input.agent === JUDGE_AGENT)
    return '{"score": 1, "reason": "Synthetic verdict: the default judge reply of the fake Anthropic API."}';
  const from = agentName(input.agent, "unknown");
  const to = agentName(input.sender, "user");
  const inReplyTo =
    input.replyTo !== undefined && /^[A-Za-z0-9._:/-]{1,64}$/.test(input.replyTo) ? input.replyTo : undefined;
  return buildMessage({
    type: "result",
    id: `fake-r-${String(input.seq).padStart(6, "0")}`,
    from,
    to,
    ...(inReplyTo ? { inReplyTo } : {}),
    status: "complete",
    confidence: "0.9",
    summary: `Synthetic result from the fake Anthropic API for ${from}.`,
    deliverables: [],
    findings: [],
    plan: [],
  });
}

/** The text the model "generated" and why it stopped, after max_tokens and stop sequences. */
export interface Completion {
  text: string;
  stopReason: StopReason;
  stopSequence: string | null;
  outputTokens: number;
}

/** Code-point-safe prefix of `text` of at most `maxBytes` UTF-8 bytes. */
function truncateBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = "";
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, "utf8");
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

/**
 * Plays the reply text through the request's limits like the real API: it stops at the first of the
 * request's stop_sequences (`stop_sequence`), or is cut at max_tokens (`max_tokens`). An explicit
 * stop reason (from a scenario or a hook) is served as given, the text untouched.
 */
export function complete(text: string, body: MessagesBody, stopReason?: StopReason): Completion {
  if (stopReason) return { text, stopReason, stopSequence: null, outputTokens: estimateTokens(text) };
  let first: { at: number; sequence: string } | undefined;
  for (const sequence of body.stop_sequences ?? []) {
    if (sequence === "") continue;
    const at = text.indexOf(sequence);
    if (at >= 0 && (!first || at < first.at)) first = { at, sequence };
  }
  const stopped = first ? text.slice(0, first.at) : text;
  const tokens = estimateTokens(stopped);
  if (tokens > body.max_tokens) {
    const cut = truncateBytes(stopped, body.max_tokens * 4);
    return { text: cut, stopReason: "max_tokens", stopSequence: null, outputTokens: body.max_tokens };
  }
  if (first)
    return { text: stopped, stopReason: "stop_sequence", stopSequence: first.sequence, outputTokens: tokens };
  return { text, stopReason: "end_turn", stopSequence: null, outputTokens: tokens };
}
