import { type CallEvent, type EscalationEvent, type MessageEvent, parsedOf, type Trace } from "./trace.js";

/** What a reply said, in a line: a result's summary, an error's code and detail, ... */
function replyText(event: MessageEvent): string {
  const m = parsedOf(event);
  if (!m) return "";
  switch (m.type) {
    case "result":
    case "escalation":
      return m.summary;
    case "error":
      return `${m.code}: ${m.detail}`;
    case "status-update":
      return m.note;
    default:
      return m.objective;
  }
}

/**
 * One task of a trial's delegation tree, as plain data: who was asked (by whom: `parent`), on which
 * tiers and models, with its tokens, cost, latency, flags and reply. Reports (the console tree, the
 * HTML report, trace exports) all draw from this one shape, kept in results.jsonl.
 */
export interface TaskNode {
  /** The task id, a path (`m1/t2/t1`): the tree is read from it without guessing. */
  task: string;
  parent: string | null;
  agent: string;
  /** The first characters of the task's objective. */
  objective: string;
  tiers: string[];
  models: string[];
  calls: number;
  tokens: number;
  costMicroUsd: number;
  /** The task's own calls, in sequence (not its children's). */
  latencyMs: number;
  latencySource: "measured" | "recorded" | "none";
  /** Layer verdicts other than pass, retries, escalations, fallbacks, deviations, 429s, rerouting. */
  flags: string[];
  /** Errors and screening results the orchestra recorded for the task. */
  notes: string[];
  reply: { type: string; compliant: boolean; recovered: boolean; summary: string } | null;
}

const PREVIEW = 160;

function preview(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > PREVIEW ? `${t.slice(0, PREVIEW - 3)}...` : t;
}

interface Building {
  node: TaskNode;
  calls: CallEvent[];
  escalations: EscalationEvent[];
  assignment?: MessageEvent;
  replyEvent?: MessageEvent;
}

/** The delegation tree of a trace, parents before children, siblings in task order. */
export function taskTree(trace: Trace): TaskNode[] {
  const building = new Map<string, Building>();
  const of = (task: string, agent: string): Building => {
    let b = building.get(task);
    if (!b) {
      const parent = task.includes("/") ? task.slice(0, task.lastIndexOf("/")) : null;
      b = {
        node: {
          task,
          parent,
          agent,
          objective: "",
          tiers: [],
          models: [],
          calls: 0,
          tokens: 0,
          costMicroUsd: 0,
          latencyMs: 0,
          latencySource: "none",
          flags: [],
          notes: [],
          reply: null,
        },
        calls: [],
        escalations: [],
      };
      building.set(task, b);
    }
    return b;
  };
  const lastTaskOf = new Map<string, string>();
  for (const event of trace.events) {
    if (event.kind === "message" && event.type === "task-assignment") {
      const b = of(event.id, event.to);
      b.assignment ??= event;
      lastTaskOf.set(event.to, event.id);
    } else if (
      event.kind === "message" &&
      event.inReplyTo &&
      building.get(event.inReplyTo)?.node.agent === event.from
    ) {
      of(event.inReplyTo, event.from).replyEvent = event;
    } else if (event.kind === "call") {
      of(event.task, event.agent).calls.push(event);
    } else if (event.kind === "escalation") {
      const id = lastTaskOf.get(event.agent);
      if (id) of(id, event.agent).escalations.push(event);
    } else if (event.kind === "error") {
      const id = lastTaskOf.get(event.agent);
      if (id) of(id, event.agent).node.notes.push(`${event.code}: ${event.detail}`);
    } else if (event.kind === "screening" && event.verdict !== "pass") {
      const id = lastTaskOf.get(event.target) ?? "m1";
      of(id, event.target).node.notes.push(
        `L1 ${event.verdict}: ${event.hits.map((h) => h.pattern).join(", ")}`,
      );
    }
  }
  const nodes: TaskNode[] = [];
  for (const b of building.values()) {
    const n = b.node;
    n.objective = b.assignment ? preview(objectiveOf(b.assignment.xml)) : "";
    n.tiers = [...new Set(b.calls.map((c) => c.tier))];
    n.models = [...new Set(b.calls.map((c) => c.model))];
    n.calls = b.calls.length;
    n.tokens = b.calls.reduce(
      (s, c) =>
        s + c.usage.inputTokens + c.usage.outputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens,
      0,
    );
    n.costMicroUsd = b.calls.reduce((s, c) => s + c.costMicroUsd, 0);
    n.latencyMs = Math.round(b.calls.reduce((s, c) => s + c.latencyMs, 0) * 10) / 10;
    n.latencySource =
      b.calls.length === 0
        ? "none"
        : b.calls.some((c) => c.latencySource === "recorded")
          ? "recorded"
          : "measured";
    const flags = new Set<string>();
    for (const call of b.calls) {
      for (const layer of call.layers)
        if (layer.verdict === "fail" || layer.verdict === "flag" || layer.verdict === "block")
          flags.add(`${layer.layer} ${layer.verdict}`);
      if (call.corrective) flags.add("corrective retry");
      if (call.truncationRetry) flags.add(`retried after max_tokens with ${call.maxTokens}`);
      if (call.reply.deviations.length) flags.add(`read: ${call.reply.deviations.join(", ")}`);
      if (call.rateLimited) flags.add(`${call.rateLimited} 429(s) waited out`);
      if (call.servedOther) flags.add(`served by ${call.servedOther}`);
      for (const f of call.fellBackFrom) flags.add(`fell back from ${f.model} (${f.reason})`);
    }
    for (const e of b.escalations)
      flags.add(
        e.action === "rerun" ? `escalated ${e.fromTier}→${e.toTier}: ${e.reason}` : `handed up: ${e.reason}`,
      );
    n.flags = [...flags];
    if (b.replyEvent)
      n.reply = {
        type: b.replyEvent.type,
        compliant: b.replyEvent.compliant !== false,
        recovered: b.replyEvent.recovered === true,
        summary: preview(replyText(b.replyEvent)),
      };
    nodes.push(n);
  }
  return nodes.sort((a, b) => a.task.localeCompare(b.task, "en", { numeric: true }));
}

function objectiveOf(xml: string): string {
  const m = /<objective>([\s\S]*?)<\/objective>/.exec(xml);
  if (!m) return "";
  const text = m[1]!;
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(text);
  return cdata ? cdata[1]! : text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
