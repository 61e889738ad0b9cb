export { CONFIG_FILE, type LoadedConfig, loadConfig, parseConfig } from "./load.js";
export {
  type Config,
  ConfigSchema,
  type DatedRate,
  type Gates,
  type ModelPrice,
  NAME_PATTERN,
  type OrchestraConfig,
  type Prices,
  type Profile,
  ProfileSchema,
  type Rates,
  type Role,
  RoleSchema,
  type TierConfig,
  type TierPolicy,
  type Workload,
} from "./schema.js";
