import type { LayerVerdict } from "../trace.js";

export interface ParsedReply {
  /** A message was read (strictly, or by the recovered reading). */
  ok: boolean;
  compliant: boolean;
  /** The message was read from a reply that was not compliant. */
  recovered?: boolean;
  /** Act on a recovered message (protocol.recover); off, only a compliant reply passes. */
  acceptRecovered?: boolean;
  type?: string;
  from?: string;
  to?: string;
  inReplyTo?: string;
  violations: { path: string; message: string }[];
}

/**
 * L4, output verification: one message, of a type this role may send, addressed back to whoever
 * assigned the task and naming that task. With recovery on, a message read from a reply that was
 * not compliant passes (its deviations are counted elsewhere); with it off, only a strictly
 * compliant reply does, and anything around the message fails.
 */
export function verifyOutput(
  reply: ParsedReply,
  expected: { agent: string; requester: string; taskId: string; allowedTypes: readonly string[] },
): LayerVerdict {
  const notes: string[] = [];
  if (!reply.ok) {
    for (const v of reply.violations.slice(0, 6)) notes.push(`${v.path}: ${v.message}`);
    if (notes.length === 0) notes.push("no valid protocol message in the reply");
    return { layer: "L4", verdict: "fail", notes };
  }
  if (!reply.compliant && !(reply.acceptRecovered && reply.recovered)) {
    notes.push(
      reply.recovered
        ? "the message is surrounded by other text; send the message alone"
        : "the reply is not a compliant message",
    );
    for (const v of reply.violations.slice(0, 4)) notes.push(`${v.path}: ${v.message}`);
  }
  if (reply.type && !expected.allowedTypes.includes(reply.type)) {
    notes.push(
      `type "${reply.type}" is not an answer this agent may send (expected ${expected.allowedTypes.join(", ")})`,
    );
  }
  if (reply.from !== expected.agent) notes.push(`from="${reply.from}" should be "${expected.agent}"`);
  if (reply.to !== expected.requester) notes.push(`to="${reply.to}" should be "${expected.requester}"`);
  if (reply.inReplyTo !== expected.taskId)
    notes.push(`in-reply-to="${reply.inReplyTo ?? ""}" should be "${expected.taskId}"`);
  return { layer: "L4", verdict: notes.length === 0 ? "pass" : "fail", notes };
}

/** The corrective turn sent back after a violation: the violations quoted, one answer asked for. */
export function correctionText(notes: readonly string[]): string {
  return [
    "Your reply broke the orchestra protocol:",
    ...notes.map((n) => `- ${n}`),
    "Answer again with exactly one corrected <message> element and nothing else.",
  ].join("\n");
}
