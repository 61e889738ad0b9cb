import { type CallEvent, type MessageEvent, type MissionOutcome, parsedOf } from "../../orchestra/index.js";
import { type Message, parseMessage } from "../../protocol/index.js";

/** Read-only views of a trace that several assertions share. */
export function messagesOf(outcome: MissionOutcome): MessageEvent[] {
  return outcome.trace.events.filter((e): e is MessageEvent => e.kind === "message");
}

export function callsOf(outcome: MissionOutcome): CallEvent[] {
  return outcome.trace.events.filter((e): e is CallEvent => e.kind === "call");
}

/** Agents that received a task from another agent (the root task from the user does not count). */
export function delegatedAgents(outcome: MissionOutcome): Set<string> {
  return new Set(
    messagesOf(outcome)
      .filter((m) => m.type === "task-assignment" && m.from !== "user")
      .map((m) => m.to),
  );
}

/** Agents in the order they received their first task from another agent. */
export function firstDelegations(outcome: MissionOutcome): string[] {
  const order: string[] = [];
  for (const m of messagesOf(outcome))
    if (m.type === "task-assignment" && m.from !== "user" && !order.includes(m.to)) order.push(m.to);
  return order;
}

/** Every message agents sent, parsed (messages the orchestra wrote for them included). */
export function parsedMessages(outcome: MissionOutcome): Message[] {
  const out: Message[] = [];
  for (const m of messagesOf(outcome)) {
    if (m.type === "task-assignment") continue;
    const known = parsedOf(m);
    if (known) {
      out.push(known);
      continue;
    }
    const parsed = parseMessage(m.xml);
    if (parsed.ok) out.push(parsed.message);
  }
  // The final answer is usually the last message of the trace already; the orchestra's own final
  // (a block, a limit) is not. Count it once either way.
  const { final } = outcome;
  if (!out.some((m) => m.id === final.id && m.from === final.from && m.type === final.type)) out.push(final);
  return out;
}

export function textIn(outcome: MissionOutcome, where: "final" | "trace"): string {
  return where === "final"
    ? outcome.finalXml
    : messagesOf(outcome)
        .map((m) => m.xml)
        .concat(outcome.finalXml)
        .join("\n");
}

export function errorCodes(outcome: MissionOutcome): string[] {
  const codes = outcome.trace.events
    .filter((e) => e.kind === "error")
    .map((e) => (e.kind === "error" ? e.code : ""));
  if (outcome.final.type === "error") codes.push(outcome.final.code);
  return [...new Set(codes)];
}
