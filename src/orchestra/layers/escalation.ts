import type { LayerVerdict } from "../trace.js";

export interface EscalationDecision {
  layer: "L5";
  /** none: the answer stands; rerun: same agent one tier up; handoff: pass it up to the requester. */
  action: "none" | "rerun" | "handoff";
  reason?: string;
  toTier?: string;
}

export interface EscalationInput {
  tier: string;
  order: readonly string[];
  confidenceThreshold: number;
  /** The reply's type, and its confidence when it is a result. */
  type: string;
  confidence?: number;
  /** An escalation message's own reason. */
  escalationReason?: string;
  layers: readonly LayerVerdict[];
}

/**
 * L5, the escalation safety net. Triggers: a failed L2, L3 or L4 check, a result under the
 * confidence threshold, or an escalation message. The task re-runs one tier up the configured
 * order; at the top tier it is handed up to the requester (the coordinator) instead.
 */
export function decideEscalation(input: EscalationInput): EscalationDecision {
  const failed = input.layers.filter((l) => l.verdict === "fail" && ["L2", "L3", "L4"].includes(l.layer));
  let reason: string | undefined;
  if (failed.length > 0)
    reason = `${failed.map((l) => l.layer).join("+")} failed: ${failed[0]?.notes[0] ?? ""}`;
  else if (input.type === "escalation") reason = `agent escalated (${input.escalationReason ?? "no reason"})`;
  else if (
    input.type === "result" &&
    input.confidence !== undefined &&
    input.confidence < input.confidenceThreshold
  ) {
    reason = `confidence ${input.confidence} below ${input.confidenceThreshold}`;
  }
  if (!reason) return { layer: "L5", action: "none" };
  const at = input.order.indexOf(input.tier);
  const next = at >= 0 ? input.order[at + 1] : undefined;
  return next
    ? { layer: "L5", action: "rerun", reason, toTier: next }
    : { layer: "L5", action: "handoff", reason };
}
