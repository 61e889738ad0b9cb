import type { Config, Role, TierPolicy } from "../config/index.js";
import type { Problem } from "../shared/problem.js";
import type { Agent } from "./agent.js";
import { INHERIT } from "./schema.js";

export interface Counts {
  byTier: Record<string, number>;
  byRole: Record<Role, number>;
}

export function countAgents(agents: readonly Agent[], tiers: readonly string[]): Counts {
  const byTier: Record<string, number> = Object.fromEntries(tiers.map((t) => [t, 0]));
  const byRole: Record<Role, number> = { orchestrator: 0, coordinator: 0, specialist: 0 };
  for (const agent of agents) {
    byTier[agent.tier] = (byTier[agent.tier] ?? 0) + 1;
    byRole[agent.role] += 1;
  }
  return { byTier, byRole };
}

/**
 * The owners' tier policy: how many agents each tier should hold, which tiers each role may use,
 * and whether every agent must name its tier. Problems point at the config for counts and at the
 * agent file for a single agent's breach.
 */
export function checkTierPolicy(agents: readonly Agent[], policy: TierPolicy, configFile: string): Problem[] {
  const problems: Problem[] = [];
  const tiers = Object.keys(policy.tierCounts);
  const { byTier } = countAgents(agents, tiers);
  for (const [tier, expected] of Object.entries(policy.tierCounts)) {
    const found = byTier[tier] ?? 0;
    if (found !== expected) {
      problems.push({
        file: configFile,
        field: `policy.tierCounts.${tier}`,
        message: `tier ${tier} should hold ${expected} agents, found ${found}`,
        fix: found > expected ? "move agents to another tier" : "assign more agents to this tier",
      });
    }
  }
  for (const agent of agents) {
    const allowed = policy.roleTiers[agent.role];
    if (allowed && agent.tier !== INHERIT && !allowed.includes(agent.tier)) {
      problems.push({
        file: agent.file,
        field: "model",
        message: `${agent.role} "${agent.name}" runs on ${agent.tier}, policy allows ${allowed.join(" or ")}`,
        fix: `set model: ${allowed[0]}`,
      });
    }
    if (policy.explicitModel && agent.tier === INHERIT) {
      problems.push({
        file: agent.file,
        field: "model",
        message: `"${agent.name}" names no tier (model ${agent.model ?? "missing"})`,
        expected: "an explicit tier",
        fix: "set model to a tier, or set policy.explicitModel: false",
      });
    }
  }
  return problems;
}

/** The tier an agent runs on under a profile: overrides first, then the base. */
export function tierUnder(agent: Agent, profileName: string, config: Config): string {
  const profile = config.profiles[profileName];
  if (!profile) {
    throw new Error(`unknown profile "${profileName}" (known: ${Object.keys(config.profiles).join(", ")})`);
  }
  const override = profile.overrides[agent.name];
  if (override) return override;
  if (profile.base !== "agents") return profile.base;
  return agent.tier;
}

/**
 * Every agent a profile's overrides name must exist: a typo would otherwise leave the agent on its
 * base tier and the run would measure another assignment than the one written.
 */
export function checkProfileAgents(
  config: Config,
  agents: readonly Agent[],
  configFile: string,
  positionOf: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined = () =>
    undefined,
): Problem[] {
  const names = new Set(agents.map((a) => a.name));
  const problems: Problem[] = [];
  for (const [profile, p] of Object.entries(config.profiles)) {
    for (const agent of Object.keys(p.overrides)) {
      if (names.has(agent)) continue;
      const path = ["profiles", profile, "overrides", agent];
      problems.push({
        file: configFile,
        ...positionOf(path),
        field: path.join("."),
        message: `profile ${profile} overrides unknown agent "${agent}"`,
        expected: "the name of an agent file's `name`",
        fix: `check the spelling (orchestra agents lists ${agents.length} agents), or remove the override`,
      });
    }
  }
  return problems;
}
