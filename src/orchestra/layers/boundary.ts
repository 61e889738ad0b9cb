import type { Agent } from "../../agents/index.js";
import type { LayerVerdict } from "../trace.js";

export interface PlannedTask {
  id: string;
  to: string;
  text: string;
  dependsOn: string[];
}

/** Deliverable kinds that write files: the agent needs Edit or Write (or all tools). */
const WRITES = new Set(["code", "patch", "config", "test"]);

/** L3 on a specialist's result: it acted within its tools, and did not try to delegate. */
export function checkSpecialistBoundary(
  agent: Agent,
  deliverableKinds: string[],
  planned: number,
): LayerVerdict {
  const notes: string[] = [];
  const canWrite = agent.tools.some((t) => t === "*" || t === "Edit" || t === "Write" || t === "MultiEdit");
  for (const kind of new Set(deliverableKinds)) {
    if (WRITES.has(kind) && !canWrite)
      notes.push(`${agent.name} delivered a ${kind} but has no Edit or Write tool`);
  }
  if (planned > 0)
    notes.push(`${agent.name} is a specialist and may not delegate (its reply carries a plan)`);
  return { layer: "L3", verdict: notes.length === 0 ? "pass" : "fail", notes };
}

/**
 * L3 on a plan: every task names an agent that exists, that this planner may assign (its own
 * reports), that is not already on the delegation path (a cycle), and whose domains fit the work.
 * Dependencies must name tasks of the same plan.
 */
export function checkPlan(
  planner: Agent,
  tasks: readonly PlannedTask[],
  allowed: readonly Agent[],
  byName: ReadonlyMap<string, Agent>,
  path: readonly string[],
): LayerVerdict {
  const notes: string[] = [];
  const allowedNames = new Set(allowed.map((a) => a.name));
  const ids = new Set(tasks.map((t) => t.id));
  if (tasks.length === 0) notes.push("the plan has no tasks");
  for (const task of tasks) {
    if (path.includes(task.to) || task.to === planner.name) {
      notes.push(`task ${task.id}: delegation cycle ${[...path, planner.name, task.to].join(" -> ")}`);
      continue;
    }
    const target = byName.get(task.to);
    if (!target) {
      notes.push(`task ${task.id}: unknown agent "${task.to}"`);
      continue;
    }
    if (!allowedNames.has(task.to)) {
      notes.push(`task ${task.id}: ${task.to} does not report to ${planner.name}`);
      continue;
    }
    const fit = domainFit(task.text, target, allowed);
    if (fit) notes.push(`task ${task.id}: ${fit}`);
    for (const dep of task.dependsOn)
      if (!ids.has(dep)) notes.push(`task ${task.id}: depends on unknown task "${dep}"`);
  }
  const cyclic = dependencyCycle(tasks);
  if (cyclic) notes.push(`tasks depend on each other in a cycle: ${cyclic.join(" -> ")}`);
  return { layer: "L3", verdict: notes.length === 0 ? "pass" : "fail", notes };
}

/** Domain tags of an agent found as whole words in the task text. */
export function domainHits(text: string, agent: Agent): string[] {
  const lower = ` ${text.toLowerCase().replace(/[^a-z0-9+#.-]+/g, " ")} `;
  return agent.domains.filter(
    (d) =>
      lower.includes(` ${d.toLowerCase()} `) || lower.includes(` ${d.toLowerCase().replace(/-/g, " ")} `),
  );
}

/**
 * The work is outside the target's domains when none of its domains appear in the task while
 * another assignable agent's domains appear at least twice: a heuristic, stated in the note.
 */
function domainFit(text: string, target: Agent, allowed: readonly Agent[]): string | undefined {
  if (domainHits(text, target).length > 0) return undefined;
  let best: { agent: Agent; hits: string[] } | undefined;
  for (const other of allowed) {
    if (other.name === target.name) continue;
    const hits = domainHits(text, other);
    if (hits.length >= 2 && (!best || hits.length > best.hits.length)) best = { agent: other, hits };
  }
  if (!best) return undefined;
  return `work outside ${target.name}'s domains (${target.domains.join(", ")}); it mentions ${best.hits.join(", ")}, the domains of ${best.agent.name}`;
}

function dependencyCycle(tasks: readonly PlannedTask[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const task of tasks) {
    const cycle = visit(task.id);
    if (cycle) return cycle;
  }
  return undefined;
}
