import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { repoRoot } from "./cli.js";

/** The shipped orchestra.config.yaml: tests price and route exactly as users do. */
export const shippedConfig = loadConfig(join(repoRoot, "orchestra.config.yaml")).config;
