import { formatUsd } from "../../models/index.js";
import type { CallEvent, EscalationEvent, MessageEvent, Trace, TraceEvent } from "../../orchestra/index.js";

interface Node {
  taskId: string;
  agent: string;
  assignment?: MessageEvent;
  calls: CallEvent[];
  reply?: MessageEvent;
  escalations: EscalationEvent[];
  notes: string[];
  children: Node[];
}

/**
 * The trace as a delegation tree: who asked whom, on which tier and model, with tokens, cost,
 * latency, layer flags, fallbacks and escalations. Task ids are paths (`m1/t2/t1`), so the tree
 * is read from them without guessing.
 */
export function renderTraceTree(trace: Trace): string {
  const nodes = new Map<string, Node>();
  const nodeOf = (taskId: string, agent: string): Node => {
    let node = nodes.get(taskId);
    if (!node) {
      node = { taskId, agent, calls: [], escalations: [], notes: [], children: [] };
      nodes.set(taskId, node);
    }
    return node;
  };
  const lastTaskOf = new Map<string, string>();
  for (const event of trace.events) handle(event);
  function handle(event: TraceEvent) {
    if (event.kind === "message" && event.type === "task-assignment") {
      const node = nodeOf(event.id, event.to);
      node.assignment ??= event;
      lastTaskOf.set(event.to, event.id);
    } else if (
      event.kind === "message" &&
      event.inReplyTo &&
      nodes.has(event.inReplyTo) &&
      nodes.get(event.inReplyTo)?.agent === event.from
    ) {
      nodeOf(event.inReplyTo, event.from).reply = event;
    } else if (event.kind === "call") {
      nodeOf(event.task, event.agent).calls.push(event);
    } else if (event.kind === "escalation") {
      const id = lastTaskOf.get(event.agent);
      if (id) nodeOf(id, event.agent).escalations.push(event);
    } else if (event.kind === "error") {
      const id = lastTaskOf.get(event.agent);
      if (id) nodeOf(id, event.agent).notes.push(`${event.code}: ${event.detail}`);
    } else if (event.kind === "screening" && event.verdict !== "pass") {
      const id = lastTaskOf.get(event.target) ?? "m1";
      nodeOf(id, event.target).notes.push(
        `L1 ${event.verdict}: ${event.hits.map((h) => h.pattern).join(", ")}`,
      );
    }
  }
  const roots: Node[] = [];
  for (const node of [...nodes.values()].sort((a, b) =>
    a.taskId.localeCompare(b.taskId, "en", { numeric: true }),
  )) {
    const parentId = node.taskId.includes("/")
      ? node.taskId.slice(0, node.taskId.lastIndexOf("/"))
      : undefined;
    const parent = parentId ? nodes.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const lines: string[] = [];
  const walk = (node: Node, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${describe(node)}`);
    const childPrefix = root ? "" : `${prefix}${last ? "   " : "│  "}`;
    for (const note of node.notes)
      lines.push(`${childPrefix}${node.children.length ? "│  " : "   "}! ${note}`);
    node.children.forEach((child, i) => {
      walk(child, childPrefix, i === node.children.length - 1, false);
    });
  };
  for (const root of roots) walk(root, "", true, true);
  return lines.join("\n");
}

function describe(node: Node): string {
  const parts = [`${node.agent} [${node.taskId}]`];
  if (node.calls.length > 0) {
    const tiers = [...new Set(node.calls.map((c) => c.tier))].join("→");
    const models = [...new Set(node.calls.map((c) => c.model))].join(", ");
    const tokens = node.calls.reduce(
      (n, c) =>
        n + c.usage.inputTokens + c.usage.outputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens,
      0,
    );
    const cost = node.calls.reduce((n, c) => n + c.costMicroUsd, 0);
    const latency = node.calls.reduce((n, c) => n + c.latencyMs, 0);
    const recorded = node.calls.some((c) => c.latencySource === "recorded") ? " (recorded)" : "";
    parts.push(
      `${tiers} ${models}`,
      `${node.calls.length} call${node.calls.length > 1 ? "s" : ""}`,
      `${tokens.toLocaleString("en-US")} tok`,
      formatUsd(cost),
      `${Math.round(latency)} ms${recorded}`,
    );
    const flags = new Set<string>();
    for (const call of node.calls) {
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
    for (const e of node.escalations)
      flags.add(
        e.action === "rerun" ? `escalated ${e.fromTier}→${e.toTier}: ${e.reason}` : `handed up: ${e.reason}`,
      );
    if (flags.size > 0) parts.push(`[${[...flags].join("; ")}]`);
  }
  if (node.reply)
    parts.push(
      `→ ${node.reply.type}${node.reply.compliant === false ? (node.reply.recovered ? " (recovered)" : " (non-compliant)") : ""}`,
    );
  return parts.join("  ");
}
