import { formatUsd } from "../models/index.js";
import { type TaskNode, type Trace, taskTree } from "../orchestra/index.js";

/**
 * The trace as a delegation tree on the console: who asked whom, on which tier and model, with
 * tokens, cost, latency, layer flags, fallbacks and escalations.
 */
export function renderTraceTree(trace: Trace): string {
  return renderTaskTree(taskTree(trace));
}

export function renderTaskTree(nodes: readonly TaskNode[]): string {
  const children = new Map<string | null, TaskNode[]>();
  const ids = new Set(nodes.map((n) => n.task));
  for (const n of nodes) {
    const parent = n.parent && ids.has(n.parent) ? n.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const lines: string[] = [];
  const walk = (node: TaskNode, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${describe(node)}`);
    const childPrefix = root ? "" : `${prefix}${last ? "   " : "│  "}`;
    const kids = children.get(node.task) ?? [];
    for (const note of node.notes) lines.push(`${childPrefix}${kids.length ? "│  " : "   "}! ${note}`);
    kids.forEach((child, i) => {
      walk(child, childPrefix, i === kids.length - 1, false);
    });
  };
  for (const root of children.get(null) ?? []) walk(root, "", true, true);
  return lines.join("\n");
}

function describe(node: TaskNode): string {
  const parts = [`${node.agent} [${node.task}]`];
  if (node.calls > 0) {
    parts.push(
      `${node.tiers.join("→")} ${node.models.join(", ")}`,
      `${node.calls} call${node.calls > 1 ? "s" : ""}`,
      `${node.tokens.toLocaleString("en-US")} tok`,
      formatUsd(node.costMicroUsd),
      `${Math.round(node.latencyMs)} ms${node.latencySource === "recorded" ? " (recorded)" : ""}`,
    );
    if (node.flags.length > 0) parts.push(`[${node.flags.join("; ")}]`);
  }
  if (node.reply)
    parts.push(
      `→ ${node.reply.type}${node.reply.compliant ? "" : node.reply.recovered ? " (recovered)" : " (non-compliant)"}`,
    );
  return parts.join("  ");
}
