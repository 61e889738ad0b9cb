import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { MAX_PROBLEMS_PER_FILE, type Problem } from "../shared/problem.js";
import { readTextFile } from "../shared/text-file.js";
import { parseYaml, zodIssuesToProblems } from "../shared/yaml-source.js";
import type { Agent } from "./agent.js";
import { splitFrontMatter } from "./front-matter.js";
import { AgentFrontMatterSchema, ALL_TOOLS, INHERIT } from "./schema.js";

export interface Registry {
  agents: Agent[];
  problems: Problem[];
}

export interface LoadAgentsOptions {
  /** Tier names from the config; `model` must be one of them or `inherit`. */
  tiers: readonly string[];
  /** Paths in problems and agents are shown relative to this folder (default: the process cwd). */
  displayRoot?: string;
}

const KNOWN_FIELDS = new Set(["name", "description", "tools", "model", "role", "coordinator", "domains"]);

/**
 * Loads every agent file below `dir`. A bad file becomes problems and never stops the others;
 * relations between agents (duplicates, coordinators) are checked once all are read.
 */
export function loadAgents(dir: string, options: LoadAgentsOptions): Registry {
  const root = options.displayRoot ?? process.cwd();
  const display = (path: string) => relative(root, path).split(sep).join("/") || path;
  const problems: Problem[] = [];
  const agents: Agent[] = [];
  for (const path of listAgentFiles(dir)) {
    const file = display(path);
    const read = readTextFile(path, "agent files are UTF-8 Markdown with YAML front matter", file);
    if (read.kind !== "text") {
      problems.push(read.problem);
      continue;
    }
    const result = parseAgent(read.text, file, options.tiers);
    if ("agent" in result) agents.push(result.agent);
    problems.push(...result.problems);
  }
  return checkRelations(agents, problems);
}

/** Markdown files below `dir`, sorted, skipping READMEs and hidden folders. */
function listAgentFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isAgentFile(entry.name, path)) files.push(path);
    }
  };
  walk(dir);
  return files.sort();
}

function isAgentFile(name: string, path: string): boolean {
  if (!name.endsWith(".md") || /^readme\.md$/i.test(name)) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function parseAgent(
  text: string,
  file: string,
  tiers: readonly string[],
): { agent: Agent; problems: Problem[] } | { problems: Problem[] } {
  const split = splitFrontMatter(text, file);
  if ("message" in split) return { problems: [split] };
  const source = parseYaml(split.yaml, file, { lineOffset: split.yamlLineOffset });
  if (source.syntaxProblems.length > 0) return { problems: atMost(source.syntaxProblems, file) };
  if (
    source.value === null ||
    source.value === undefined ||
    typeof source.value !== "object" ||
    Array.isArray(source.value)
  ) {
    return {
      problems: [
        {
          file,
          line: 2,
          message: "front matter must be a YAML mapping of fields",
          expected: "name: ..., description: ...",
        },
      ],
    };
  }
  const parsed = AgentFrontMatterSchema.safeParse(source.value);
  if (!parsed.success) {
    const problems = zodIssuesToProblems(parsed.error.issues, source);
    for (const p of problems) p.fix ??= fixFor(p.field);
    return { problems: atMost(problems, file) };
  }
  const fm = parsed.data;
  const tier = fm.model ?? INHERIT;
  if (tier !== INHERIT && !tiers.includes(tier)) {
    return {
      problems: [
        {
          file,
          ...source.positionOf(["model"]),
          field: "model",
          message: `unknown model "${tier}"`,
          expected: `a tier of orchestra.config.yaml (${tiers.join(", ")}) or inherit`,
          fix: "set model to one of those tiers, or add the tier to orchestra.config.yaml",
        },
      ],
    };
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fm)) if (!KNOWN_FIELDS.has(key)) extra[key] = value;
  const agent: Agent = {
    name: fm.name,
    file,
    description: fm.description,
    role: fm.role,
    tier,
    model: fm.model,
    coordinator: fm.coordinator,
    tools: fm.tools ?? [ALL_TOOLS],
    domains: fm.domains,
    body: split.body,
    extra,
  };
  const problems: Problem[] = [];
  if (agent.body === "") {
    problems.push({
      file,
      message: "empty system prompt",
      fix: "write the agent's system prompt below the front matter",
    });
  }
  return { agent, problems };
}

/**
 * A registry's problems are printed one by one (`orchestra agents`, and its JSON): a front matter
 * with thousands of errors keeps the first few dozen and says how many more there were.
 */
function atMost(problems: Problem[], file: string): Problem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const more = problems.length - MAX_PROBLEMS_PER_FILE;
  return [...problems.slice(0, MAX_PROBLEMS_PER_FILE), { file, message: `and ${more} more problem(s)` }];
}

function fixFor(field: string | undefined): string | undefined {
  switch (field) {
    case "tools":
      return "write `tools: Read, Grep, Edit`, or one tool per line (`- Read`); leave tools out to allow every tool";
    case "name":
      return "add `name: kebab-case-name` to the front matter";
    case "description":
      return "add `description:` saying when the orchestrator should use this agent";
    case "role":
      return "set role to orchestrator, coordinator or specialist";
    default:
      return undefined;
  }
}

function checkRelations(loaded: Agent[], problems: Problem[]): Registry {
  const byName = new Map<string, Agent>();
  const agents: Agent[] = [];
  for (const agent of loaded) {
    const first = byName.get(agent.name);
    if (first) {
      problems.push({
        file: agent.file,
        field: "name",
        message: `duplicate agent name "${agent.name}", also defined in ${first.file}`,
        fix: "give each agent a unique name, or delete one of the two files",
      });
      continue;
    }
    byName.set(agent.name, agent);
    agents.push(agent);
  }
  const led = new Set<string>();
  for (const agent of agents) {
    if (!agent.coordinator) continue;
    const lead = byName.get(agent.coordinator);
    if (!lead) {
      problems.push({
        file: agent.file,
        field: "coordinator",
        message: `coordinator "${agent.coordinator}" does not exist`,
        expected: "the name of an agent whose role is coordinator or orchestrator",
        fix: "correct the name, or remove the field to report to the orchestrator",
      });
    } else if (lead.role === "specialist") {
      problems.push({
        file: agent.file,
        field: "coordinator",
        message: `coordinator "${agent.coordinator}" is a specialist, not a coordinator or orchestrator`,
        fix: `set role: coordinator in ${lead.file}, or name a real coordinator`,
      });
    } else {
      led.add(lead.name);
    }
  }
  for (const agent of agents) {
    if (agent.role === "coordinator" && !led.has(agent.name)) {
      problems.push({
        file: agent.file,
        field: "role",
        message: `coordinator "${agent.name}" has no specialists`,
        fix: `name it in the \`coordinator\` field of its specialists, or make it a specialist`,
      });
    }
  }
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  return { agents, problems };
}
