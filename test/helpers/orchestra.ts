import { join } from "node:path";
import { loadAgents } from "../../src/agents/index.js";
import type { Config } from "../../src/config/index.js";
import { repoRoot } from "./cli.js";
import { shippedConfig } from "./config.js";

/** The shipped config with `lead` as orchestrator, for the small test roster of test/fixtures/orchestra-agents. */
export const testConfig: Config = {
  ...shippedConfig,
  orchestra: { ...shippedConfig.orchestra, orchestrator: "lead" },
};

/** Seven agents: lead; backend-lead (py-dev, sql-helper); ops-lead (deployer); writer. */
export const testAgents = loadAgents(join(repoRoot, "test/fixtures/orchestra-agents"), {
  tiers: Object.keys(testConfig.tiers),
}).agents;
