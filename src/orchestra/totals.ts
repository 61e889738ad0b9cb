import { addUsage, ZERO_USAGE } from "../models/index.js";
import type { CallEvent, MessageEvent, Trace, TraceTotals } from "./trace.js";

/** The numbers reports need from one trace, computed from its events alone. */
export function totalsOf(trace: Trace): TraceTotals {
  const calls = trace.events.filter((e): e is CallEvent => e.kind === "call");
  const messages = trace.events.filter((e): e is MessageEvent => e.kind === "message");
  const deviations: TraceTotals["deviations"] = {};
  for (const c of calls)
    for (const kind of c.reply.deviations) deviations[kind] = (deviations[kind] ?? 0) + 1;
  return {
    calls: calls.length,
    messages: messages.length,
    agents: [...new Set(calls.map((c) => c.agent))].sort(),
    costMicroUsd: calls.reduce((n, c) => n + c.costMicroUsd, 0),
    usage: calls.reduce((u, c) => addUsage(u, c.usage), ZERO_USAGE),
    latencyMs: Math.round(calls.reduce((n, c) => n + c.latencyMs, 0) * 10) / 10,
    fallbacks: calls.filter((c) => c.fellBackFrom.length > 0).length,
    escalations: trace.events.filter((e) => e.kind === "escalation").length,
    correctiveRetries: calls.filter((c) => c.corrective).length,
    maxDepth: messages.reduce((n, m) => Math.max(n, m.depth), 0),
    agentMessages: calls.length,
    compliantMessages: calls.filter((c) => c.reply.compliant).length,
    recoveredMessages: calls.filter((c) => c.reply.read && !c.reply.compliant).length,
    deviations,
  };
}
