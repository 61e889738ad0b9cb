export type { Agent } from "./agent.js";
export { GitAuditError, type TierChange, tierChangesSince } from "./audit.js";
export { splitFrontMatter } from "./front-matter.js";
export { type LoadAgentsOptions, loadAgents, parseAgent, type Registry } from "./load.js";
export { type Counts, checkProfileAgents, checkTierPolicy, countAgents, tierUnder } from "./policy.js";
export { type AgentFrontMatter, AgentFrontMatterSchema, ALL_TOOLS, INHERIT } from "./schema.js";
