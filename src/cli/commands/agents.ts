import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import Table from "cli-table3";
import {
  type Agent,
  checkTierPolicy,
  countAgents,
  GitAuditError,
  loadAgents,
  type TierChange,
  tierChangesSince,
} from "../../agents/index.js";
import { loadConfig } from "../../config/index.js";
import { uncacheableAgents } from "../../orchestra/index.js";
import { estimateTokens } from "../../shared/tokens.js";
import { EXIT, UsageError } from "../exit.js";
import { type Output, printJson, printProblems } from "../output.js";

export interface AgentsOptions {
  dir: string;
  json?: boolean;
  policy: boolean;
  since?: string;
  config: string;
}

export async function agentsCommand(opts: AgentsOptions, output: Output): Promise<number> {
  const dir = resolve(opts.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      `agents folder not found: ${opts.dir} (pass --dir to the folder of agent .md files)`,
    );
  }
  const { config } = loadConfig(resolve(opts.config));
  const tiers = Object.keys(config.tiers);
  const registry = loadAgents(dir, { tiers });
  const problems = [...registry.problems];
  if (opts.policy) problems.push(...checkTierPolicy(registry.agents, config.policy, opts.config));
  const counts = countAgents(registry.agents, tiers);
  const uncacheable = uncacheableAgents(registry.agents, config, estimateTokens);

  let changes: TierChange[] | undefined;
  if (opts.since) {
    try {
      changes = tierChangesSince(dir, opts.since, registry.agents);
    } catch (err) {
      if (err instanceof GitAuditError) throw new UsageError(`--since: ${err.message}`);
      throw err;
    }
  }

  if (opts.json) {
    printJson(output, {
      agents: registry.agents.map(toJson),
      counts,
      problems,
      uncacheable,
      ...(changes ? { tierChanges: changes } : {}),
    });
  } else {
    output.out(agentTable(registry.agents));
    output.out(
      `\n${registry.agents.length} agents. By tier: ${formatCounts(counts.byTier)}. By role: ${formatCounts(counts.byRole)}.`,
    );
    if (changes) output.out(changeTable(changes, opts.since ?? ""));
    if (uncacheable.length)
      output.out(
        `\nPrompt caching gains nothing for ${uncacheable.length} agent(s): their system prompt is shorter than the shortest prefix their tier's model caches (estimated tokens): ${uncacheable
          .map((u) => `${u.agent} (${u.promptTokens} < ${u.minCacheableTokens} on ${u.model})`)
          .join(", ")}.`,
      );
    printProblems(output, problems);
    if (problems.length === 0)
      output.out(opts.policy ? "\nAll agent files valid; tier policy holds." : "\nAll agent files valid.");
  }
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}

function toJson(agent: Agent) {
  return {
    name: agent.name,
    file: agent.file,
    role: agent.role,
    tier: agent.tier,
    model: agent.model ?? null,
    coordinator: agent.coordinator ?? null,
    tools: agent.tools,
    domains: agent.domains,
  };
}

function agentTable(agents: readonly Agent[]): string {
  const table = new Table({
    head: ["name", "role", "tier", "coordinator", "tools"],
    style: { head: [], border: [] },
  });
  for (const agent of agents) {
    table.push([agent.name, agent.role, agent.tier, agent.coordinator ?? "", agent.tools.join(", ")]);
  }
  return table.toString();
}

function changeTable(changes: readonly TierChange[], since: string): string {
  if (changes.length === 0) return `\nNo tier changes since ${since}.`;
  const table = new Table({
    head: ["name", "old tier", "new tier", "commit", "date", "author"],
    style: { head: [], border: [] },
  });
  for (const c of changes)
    table.push([
      c.name,
      c.oldTier ?? "(new)",
      c.newTier ?? "(removed)",
      c.commit,
      c.date ?? "",
      c.author ?? "",
    ]);
  return `\nTier changes since ${since} (${changes.length}):\n${table.toString()}`;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ");
}
