import type { TrialResult } from "../../suite/index.js";
import { ms, usd } from "../format.js";
import type { ReportView } from "../view.js";
import { type Html, html } from "./markup.js";
import type { Section } from "./section.js";

/**
 * Trees are the bulk of a large report (a few hundred bytes per task), so a report keeps at most
 * this many, failing and erroring trials first: those are the ones a person opens. results.jsonl
 * keeps every tree.
 */
export const TREE_LIMIT = 1000;

type TaskNodeRecord = TrialResult["tree"][number];

const ORDER: Record<TrialResult["verdict"], number> = { error: 0, fail: 1, pass: 2 };

/** Every trial of the view, in the order of the case table: by case, then profile, then trial. */
export function trialsOf(view: ReportView): TrialResult[] {
  const base = view.baselineResults ?? [];
  const profiles = [...new Set([...base, ...(view.results ?? [])].map((r) => r.profile))];
  return [...base, ...(view.results ?? [])].sort(
    (a, b) =>
      a.case.localeCompare(b.case) ||
      profiles.indexOf(a.profile) - profiles.indexOf(b.profile) ||
      a.trial - b.trial,
  );
}

const chosen = new WeakMap<ReportView, Map<TrialResult, string>>();

/** The trials whose tree the report shows, each with its anchor (`t1`, `t2`, ... in page order). */
export function shownTrees(view: ReportView): Map<TrialResult, string> {
  let map = chosen.get(view);
  if (!map) {
    const withTree = trialsOf(view).filter((r) => r.tree.length > 0);
    const picked = withTree
      .map((r, i) => ({ r, i }))
      .sort((x, y) => ORDER[x.r.verdict] - ORDER[y.r.verdict] || x.i - y.i)
      .slice(0, TREE_LIMIT);
    map = new Map(picked.map(({ r }, i) => [r, `t${i + 1}`]));
    chosen.set(view, map);
  }
  return map;
}

function replyOf(node: TaskNodeRecord): Html {
  if (!node.reply) return html`<div class="reply muted">no reply</div>`;
  const r = node.reply;
  const reading = r.compliant ? "strict" : r.recovered ? "recovered" : "unread";
  return html`<div class="reply"><b>${r.type}</b> <span class="meta">(${reading})</span> ${r.summary}</div>`;
}

function nodeOf(node: TaskNodeRecord, children: Map<string | null, TaskNodeRecord[]>): Html {
  const kids = children.get(node.task) ?? [];
  const latency =
    node.latencySource === "none" ? "no latency" : `${ms(node.latencyMs)} ${node.latencySource}`;
  return html`<li><span class="agent">${node.agent}</span> <span class="meta">${node.task} · ${node.tiers.join("+") || "no tier"} · ${node.models.join(", ") || "no model"} · ${node.calls} call${node.calls === 1 ? "" : "s"} · ${node.tokens} tokens · ${usd(node.costMicroUsd / 1e6)} · ${latency}</span>${node.flags.map((f) => html`<span class="flag">${f}</span>`)}
${replyOf(node)}${node.notes.map((n) => html`<div class="meta">note: ${n}</div>`)}${kids.length ? html`<ul>${kids.map((k) => nodeOf(k, children))}</ul>` : ""}</li>`;
}

function treeOf(r: TrialResult, id: string): Html {
  const known = new Set(r.tree.map((n) => n.task));
  const children = new Map<string | null, TaskNodeRecord[]>();
  for (const n of r.tree) {
    // A node whose parent is not in the tree still shows, as a root.
    const parent = n.parent !== null && known.has(n.parent) ? n.parent : null;
    const list = children.get(parent);
    if (list) list.push(n);
    else children.set(parent, [n]);
  }
  return html`<details class="tree ${r.verdict}" id="${id}"><summary><b>${r.case}</b> #${r.trial} · ${r.profile} · <span class="v ${r.verdict}">${r.verdict}</span> · ${r.tree.length} task${r.tree.length === 1 ? "" : "s"} · ${usd(r.costMicroUsd / 1e6)} · ${r.latencySource === "none" ? "n/a" : ms(r.latencyMs)}</summary>
${r.verdict !== "pass" && r.reason ? html`<div class="reason">${r.reason}</div>` : ""}<ul>${(children.get(null) ?? []).map((n) => nodeOf(n, children))}</ul></details>
`;
}

/** Each trial's delegation tree: who asked whom, on which tiers, at what cost, and what came back. */
export const treesSection: Section = {
  id: "trees",
  title: "Delegation trees",
  render(view) {
    const all = trialsOf(view);
    if (!all.length) return null;
    const shown = shownTrees(view);
    const withTree = all.filter((r) => r.tree.length > 0).length;
    const left = withTree - shown.size;
    const leftFailing = all.filter((r) => r.tree.length > 0 && r.verdict !== "pass" && !shown.has(r)).length;
    return html`<p class="muted">${shown.size} of ${all.length} trials, collapsed; failing and erroring trials first.${left ? html` ${left} more trees${leftFailing ? ` (${leftFailing} of failing or erroring trials)` : ""} are left out to keep this file small: <code>results.jsonl</code> has every trial's <code>tree</code>.` : ""}${withTree < all.length ? ` ${all.length - withTree} trial(s) have no tree (they ran no task).` : ""}</p>
${[...shown].map(([r, id]) => treeOf(r, id))}`;
  },
};
