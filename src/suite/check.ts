import type { Agent } from "../agents/index.js";
import type { Problem } from "../shared/problem.js";
import type { LoadedCase } from "./load.js";

/**
 * Every case's input names an agent that exists, and a `coordinator:` input names a planner: a
 * typo would otherwise run (and pass or fail) a case that tests nothing of the orchestra.
 */
export function checkCaseAgents(cases: readonly LoadedCase[], agents: readonly Agent[]): Problem[] {
  const byName = new Map(agents.map((a) => [a.name, a]));
  const problems: Problem[] = [];
  for (const c of cases) {
    const input = c.input;
    const key = "agent" in input ? "agent" : "coordinator" in input ? "coordinator" : undefined;
    if (!key) continue;
    const name =
      key === "agent" ? (input as { agent: string }).agent : (input as { coordinator: string }).coordinator;
    const agent = byName.get(name);
    if (agent && (key === "agent" || agent.role !== "specialist")) continue;
    // Positions are computed only for a problem: they need the slow positioned YAML document.
    const where = { file: c.file, ...c.positionOf(["input", key]), field: `${c.id}.input.${key}` };
    if (!agent) {
      const near = [...byName.keys()].filter((n) => n.includes(name.split("-")[0] ?? name)).slice(0, 3);
      problems.push({
        ...where,
        message: `case ${c.id} names unknown ${key} "${name}"`,
        expected: "the name of an agent in the agents folder",
        fix: near.length ? `did you mean ${near.join(", ")}?` : "run `orchestra agents` for the roster",
      });
    } else if (key === "coordinator" && agent.role === "specialist") {
      problems.push({
        ...where,
        message: `case ${c.id} gives "${name}" as coordinator, but it is a specialist`,
        expected: "an agent whose role is coordinator or orchestrator",
        fix: "use `agent:` for a specialist",
      });
    }
  }
  return problems;
}
