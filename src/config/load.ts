import { resolve } from "node:path";
import type { z } from "zod";
import { InputError, MAX_PROBLEMS_PER_FILE, type Problem } from "../shared/problem.js";
import { readTextFile } from "../shared/text-file.js";
import { parseYaml, zodIssuesToProblems } from "../shared/yaml-source.js";
import { type Config, ConfigSchema, type DatedRate, type ModelPrice, type Prices } from "./schema.js";

export const CONFIG_FILE = "orchestra.config.yaml";
const DEFAULT_ESCALATION = ["haiku", "sonnet", "opus"];
const DEFAULT_MAX_TOKENS = 4096;

export interface LoadedConfig {
  file: string;
  config: Config;
  /** Line and column of a field of the file (`["profiles", "mine", "overrides", "x"]`), on demand. */
  positionOf(path: readonly PropertyKey[]): { line: number; column: number } | undefined;
}

/** Loads and validates `orchestra.config.yaml`; throws InputError listing every problem. */
export function loadConfig(file: string = resolve(CONFIG_FILE)): LoadedConfig {
  const read = readTextFile(file, `the configuration is UTF-8 YAML (${CONFIG_FILE})`);
  if (read.kind === "not-text") throw new InputError([read.problem]);
  if (read.kind === "unreadable") {
    throw new InputError([
      {
        file,
        message: "configuration file not found",
        fix: `run from the project root or pass --config PATH to an ${CONFIG_FILE}`,
      },
    ]);
  }
  const source = parseYaml(read.text, file);
  return { file, config: configOf(source, file), positionOf: (path) => source.positionOf(path) };
}

export function parseConfig(text: string, file: string): Config {
  return configOf(parseYaml(text, file), file);
}

function configOf(source: ReturnType<typeof parseYaml>, file: string): Config {
  if (source.syntaxProblems.length > 0) throw new InputError(source.syntaxProblems);
  const parsed = ConfigSchema.safeParse(source.value);
  if (!parsed.success)
    throw new InputError(zodIssuesToProblems(parsed.error.issues, source).map(withPriceHints));
  // Positions for the problems that will be printed only (see MAX_PROBLEMS_PER_FILE).
  let positioned = 0;
  const problems = crossCheck(parsed.data, file, (path) =>
    positioned++ < MAX_PROBLEMS_PER_FILE ? source.positionOf(path) : undefined,
  );
  if (problems.length > 0) throw new InputError(problems);
  const { escalation, maxTokens } = parsed.data.orchestra;
  const order = escalation.order ?? DEFAULT_ESCALATION.filter((tier) => tier in parsed.data.tiers);
  const byRole =
    typeof maxTokens === "number"
      ? { orchestrator: maxTokens, coordinator: maxTokens, specialist: maxTokens }
      : {
          orchestrator: maxTokens.orchestrator ?? DEFAULT_MAX_TOKENS,
          coordinator: maxTokens.coordinator ?? DEFAULT_MAX_TOKENS,
          specialist: maxTokens.specialist ?? DEFAULT_MAX_TOKENS,
        };
  return {
    ...parsed.data,
    prices: loadedPrices(parsed.data.prices),
    orchestra: { ...parsed.data.orchestra, escalation: { ...escalation, order }, maxTokens: byRole },
  };
}

/** Every model's price as a history, newest first, and its latest rate (see Prices). */
function loadedPrices(prices: z.infer<typeof ConfigSchema>["prices"]): Prices {
  const rates: Record<string, DatedRate[]> = {};
  const models: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(prices.models)) {
    const history: DatedRate[] = Array.isArray(price)
      ? [...price].sort((a, b) => b.from.localeCompare(a.from))
      : [{ ...price, from: null }];
    rates[model] = history;
    const { from: _from, ...latest } = history[0]!;
    models[model] = latest;
  }
  return {
    source: prices.source,
    retrieved: prices.retrieved,
    batchDiscount: prices.batchDiscount,
    rates,
    models,
  };
}

/** What a dated rate's `from` must be, and how to write it, for the schema's problems with one. */
function withPriceHints(problem: Problem): Problem {
  if (!/^prices\.models\..+\.\d+\.from$/.test(problem.field ?? "")) return problem;
  return {
    ...problem,
    expected: problem.expected ?? "the first day (UTC) the rate applies, YYYY-MM-DD",
    fix: 'write the day the rate took effect as YYYY-MM-DD, e.g. from: "2026-10-07"; an undated price is a single object instead of a list',
  };
}

/** References between sections that a schema alone cannot check: every tier named must exist. */
function crossCheck(
  config: z.infer<typeof ConfigSchema>,
  file: string,
  positionOf: (path: PropertyKey[]) => { line: number; column: number } | undefined,
): Problem[] {
  const tiers = Object.keys(config.tiers);
  const known = `one of ${tiers.join(", ")}`;
  const problems: Problem[] = [];
  const check = (tier: string, path: PropertyKey[], allowAgents = false) => {
    if (tiers.includes(tier) || (allowAgents && tier === "agents")) return;
    problems.push({
      file,
      ...positionOf(path),
      field: path.join("."),
      message: `unknown tier "${tier}"`,
      expected: allowAgents ? `"agents" or ${known}` : known,
      fix: "name a tier defined under `tiers`, or add that tier",
    });
  };
  for (const [profileName, profile] of Object.entries(config.profiles)) {
    check(profile.base, ["profiles", profileName, "base"], true);
    for (const [agent, tier] of Object.entries(profile.overrides)) {
      check(tier, ["profiles", profileName, "overrides", agent]);
    }
  }
  // A model's dated rates: each `from` once, or which rate prices a call on that day is ambiguous.
  for (const [model, price] of Object.entries(config.prices.models)) {
    if (!Array.isArray(price)) continue;
    const first = new Map<string, number>();
    price.forEach((rate, i) => {
      const earlier = first.get(rate.from);
      if (earlier === undefined) {
        first.set(rate.from, i);
        return;
      }
      const path = ["prices", "models", model, i, "from"];
      problems.push({
        file,
        ...positionOf(path),
        field: path.join("."),
        message: `two rates of ${model} start on ${rate.from} (entries ${earlier} and ${i})`,
        expected: "a different `from` date for each rate of a model",
        fix: `keep one rate from ${rate.from}, or correct the \`from\` of the other`,
      });
    });
  }
  // A model without a price would cost $0 in every report: refuse to load instead.
  for (const [tierName, tier] of Object.entries(config.tiers)) {
    [tier.model, ...tier.fallback].forEach((model, i) => {
      if (config.prices.models[model]) return;
      const path = i === 0 ? ["tiers", tierName, "model"] : ["tiers", tierName, "fallback", i - 1];
      problems.push({
        file,
        ...positionOf(path),
        field: path.join("."),
        message: `model "${model}" has no price`,
        expected: `a key of prices.models (${Object.keys(config.prices.models).join(", ")})`,
        fix: `add ${model} with its published prices under prices.models`,
      });
    });
  }
  config.orchestra.escalation.order?.forEach((tier, i) => {
    check(tier, ["orchestra", "escalation", "order", i]);
  });
  for (const tier of Object.keys(config.policy.tierCounts)) check(tier, ["policy", "tierCounts", tier]);
  for (const [role, roleTiers] of Object.entries(config.policy.roleTiers)) {
    roleTiers?.forEach((tier, i) => {
      check(tier, ["policy", "roleTiers", role, i]);
    });
  }
  return problems;
}
