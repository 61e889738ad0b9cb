import { z } from "zod";

/** Tier and agent names share one spelling rule so they can appear in paths and XML attributes. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const name = z
  .string()
  .regex(NAME_PATTERN, "lower-case letters, digits and dashes, starting with a letter or digit");

export const TierSchema = z.strictObject({
  model: z.string().min(1).describe("Model id this tier calls, e.g. claude-sonnet-5-5"),
  fallback: z
    .array(z.string().min(1))
    .default([])
    .describe("Models tried in order when the tier's model is unavailable after the SDK's retries"),
  description: z.string().optional(),
});

export const ProfileSchema = z.strictObject({
  description: z.string().optional(),
  /**
   * `agents`: each agent runs on the tier its file names (the three-tier design).
   * A tier name: every agent runs on that tier (a single-tier baseline such as all-sonnet).
   */
  base: z
    .string()
    .min(1)
    .describe('"agents" to use each agent file\'s model, or a tier name for every agent'),
  overrides: z.record(name, name).default({}).describe("agent name -> tier, applied after base"),
});

/** USD per million tokens, as Anthropic publishes them. */
const usdPerMTok = z.number().nonnegative();
export const RatesSchema = z.strictObject({
  input: usdPerMTok,
  output: usdPerMTok,
  cacheWrite5m: usdPerMTok.describe("5-minute prompt-cache writes"),
  cacheWrite1h: usdPerMTok.describe("1-hour prompt-cache writes"),
  cacheRead: usdPerMTok.describe("prompt-cache hits and refreshes"),
});

export const ModelPriceSchema = RatesSchema.extend({
  longContext: RatesSchema.extend({
    aboveInputTokens: z
      .number()
      .int()
      .positive()
      .describe(
        "these rates apply to a request whose prompt (input + cache reads + cache writes) exceeds this",
      ),
  }).optional(),
});

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD, e.g. "2026-10-07"')
  .refine((d) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return true; // the regex's problem, said once
    const time = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === d;
  }, 'a date that exists on the calendar, YYYY-MM-DD, e.g. "2026-10-07"');

/** One rate of a model's price history: in force from `from` (UTC) until the next rate's `from`. */
export const DatedPriceSchema = ModelPriceSchema.extend({
  from: isoDate.describe("the first day (UTC) these rates apply, YYYY-MM-DD"),
});

/**
 * A model's price: one set of rates, in force always; or its history, a list of dated rates in any
 * order, each in force from its `from` until the next one's (no two share a `from`).
 */
export const ModelPricesSchema = z.union([ModelPriceSchema, z.array(DatedPriceSchema).min(1)]);

export const PricesSchema = z.strictObject({
  source: z.string().min(1).describe("where the prices were read"),
  retrieved: isoDate.describe("when they were read"),
  batchDiscount: z
    .number()
    .min(0)
    .max(1)
    .describe("fraction off input and output for the Batch API, e.g. 0.5"),
  models: z
    .record(z.string().min(1), ModelPricesSchema)
    .describe("model id -> its rates, or a list of dated rates ({ from: YYYY-MM-DD, ...rates })"),
});

export const RoleSchema = z.enum(["orchestrator", "coordinator", "specialist"]);

export const PolicySchema = z.strictObject({
  tierCounts: z
    .record(name, z.number().int().nonnegative())
    .default({})
    .describe("Expected number of agents on each tier"),
  roleTiers: z
    .partialRecord(RoleSchema, z.array(name).min(1))
    .default({})
    .describe("Tiers a role may run on, e.g. coordinators on opus only"),
  explicitModel: z
    .boolean()
    .default(true)
    .describe("Every agent names its tier; `inherit` or a missing model is a policy problem"),
});

export const OrchestraSchema = z.strictObject({
  orchestrator: name.default("tech-lead-orchestrator").describe("the agent every mission goes to"),
  escalation: z
    .strictObject({
      order: z
        .array(name)
        .min(1)
        .optional()
        .describe(
          "tiers from cheapest to strongest: an escalation re-runs one step up (default: haiku, sonnet, opus, those defined)",
        ),
      confidenceThreshold: z.number().min(0).max(1).describe("a result below this confidence escalates"),
    })
    .default({ confidenceThreshold: 0.7 }),
  limits: z
    .strictObject({
      maxDepth: z.number().int().positive(),
      maxCalls: z.number().int().positive(),
      maxCostUsd: z.number().positive(),
      maxWallMs: z.number().int().positive(),
      concurrency: z.number().int().positive(),
    })
    .default({ maxDepth: 3, maxCalls: 60, maxCostUsd: 5, maxWallMs: 600_000, concurrency: 4 }),
  maxTokens: z
    .union([
      z.number().int().positive(),
      z.strictObject({
        orchestrator: z.number().int().positive().optional(),
        coordinator: z.number().int().positive().optional(),
        specialist: z.number().int().positive().optional(),
      }),
    ])
    .default(4096)
    .describe(
      "max_tokens of each agent call: one number, or per role (a planner's final merge needs more than a specialist's answer); a role left out gets 4096",
    ),
  truncation: z
    .strictObject({
      factor: z
        .number()
        .min(1)
        .default(2)
        .describe("a reply cut at max_tokens is retried once with this many times the budget"),
      ceiling: z
        .number()
        .int()
        .positive()
        .default(32768)
        .describe("the largest max_tokens a retry may ask for"),
    })
    .default({ factor: 2, ceiling: 32768 }),
  calls: z
    .strictObject({
      timeoutMs: z
        .number()
        .int()
        .positive()
        .default(120_000)
        .describe("timeout of one HTTP attempt (a case's timeoutMs and --timeout-ms override it)"),
      retries: z
        .number()
        .int()
        .nonnegative()
        .default(2)
        .describe(
          "retries of the same model after 529, 5xx, a timeout or a broken connection, before the fallback",
        ),
      rateLimitDeadlineMs: z
        .number()
        .int()
        .positive()
        .default(600_000)
        .describe("how long one call may wait out 429s on its own model; a 429 never changes the model"),
      maxConcurrencyPerModel: z
        .number()
        .int()
        .positive()
        .default(16)
        .describe("requests in flight to one model at most; 429s halve it, successes grow it back"),
    })
    .default({ timeoutMs: 120_000, retries: 2, rateLimitDeadlineMs: 600_000, maxConcurrencyPerModel: 16 }),
  contextFilter: z
    .strictObject({
      enabled: z.boolean().default(true),
      pathDomains: z
        .record(z.string(), z.array(z.string()))
        .default({})
        .describe("glob-like suffix or path part -> domains, e.g. '.py': [python, backend]"),
    })
    .default({ enabled: true, pathDomains: {} }),
});

/** What the harness reads of agent replies. */
export const ProtocolSchema = z.strictObject({
  recover: z
    .boolean()
    .default(true)
    .describe(
      "act on the recovered reading of a reply (fences, prose, raw markup, enum case, number formats undone and counted); false: only strictly compliant replies are used, others get the corrective retry",
    ),
});

/** Facts about a model that are not prices. */
export const ModelFactsSchema = z.strictObject({
  minCacheableTokens: z
    .number()
    .int()
    .nonnegative()
    .describe("the shortest prompt prefix the model caches (Anthropic's prompt-caching docs)"),
});

/** A month of work, to turn the cost of a run into a monthly cost: tasks per month by suite kind. */
export const WorkloadSchema = z.strictObject({
  description: z.string().optional(),
  perMonth: z
    .record(z.enum(["individual", "coordinator", "mission", "edge"]), z.number().nonnegative())
    .describe(
      "how many tasks of each kind the orchestra handles a month; each costs the mean of its suite's cases",
    ),
});

/** The owners' readiness criteria; every threshold can be changed here. */
export const GatesSchema = z.strictObject({
  complianceRate: z.number().min(0).max(1).default(1),
  maxOverheadRatio: z.number().min(0).max(1).default(0.05),
  minCases: z.number().int().nonnegative().default(50),
  minPassRate: z.number().min(0).max(1).default(0.95),
  nonInferiorityMargin: z.number().min(0).max(1).default(0.05),
  minCostReduction: z.number().min(-10).max(1).default(0.72),
  maxFallbackRate: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe("share of calls a fallback model may serve, outside cases that assert fell-back"),
  maxErrorRate: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe("share of trials that may end in error (an outage, a missing recording)"),
});

export const ConfigSchema = z.strictObject({
  version: z.literal(1),
  tiers: z
    .record(name, TierSchema)
    .refine((tiers) => Object.keys(tiers).length > 0, "at least one tier is needed")
    .describe("Tier name -> model; agent files name these tiers in `model`"),
  prices: PricesSchema.describe("Price table; every model a tier or fallback names must have a price"),
  profiles: z.record(name, ProfileSchema).default({}),
  orchestra: OrchestraSchema.default(() => OrchestraSchema.parse({})),
  protocol: ProtocolSchema.default({ recover: true }),
  models: z
    .record(z.string().min(1), ModelFactsSchema)
    .default({})
    .describe("model id -> facts that are not prices (the minimum cacheable prompt)"),
  workload: WorkloadSchema.optional(),
  gates: GatesSchema.default(() => GatesSchema.parse({})),
  policy: PolicySchema.default({ tierCounts: {}, roleTiers: {}, explicitModel: true }),
});

export type TierConfig = z.infer<typeof TierSchema>;
export type Rates = z.infer<typeof RatesSchema>;
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
/** One rate of a model's loaded price history; `from` null: an undated price, in force always. */
export type DatedRate = ModelPrice & { from: string | null };
/** The price table as loaded: every model's history in one shape. */
export type Prices = Omit<z.infer<typeof PricesSchema>, "models"> & {
  /** model id -> its rates, newest `from` first; an undated price is one rate with `from` null. */
  rates: Record<string, DatedRate[]>;
  /**
   * model id -> its latest rate (the newest `from`), for what is not the cost of a call: price
   * ratios between tiers (orchestra optimize's predictor) and estimates. The latest rather than
   * the one in force today, so that the same config always gives the same ratios. The cost of a
   * call takes the rate in force on the call's date: costMicroUsd with `at` (src/models/pricing.ts).
   */
  models: Record<string, ModelPrice>;
};
export type Profile = z.infer<typeof ProfileSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type TierPolicy = z.infer<typeof PolicySchema>;
type ParsedConfig = z.infer<typeof ConfigSchema>;
/** The loaded config: as parsed, with defaults that depend on other sections filled in. */
export type Config = Omit<ParsedConfig, "orchestra" | "prices"> & {
  prices: Prices;
  orchestra: Omit<ParsedConfig["orchestra"], "escalation" | "maxTokens"> & {
    escalation: { order: string[]; confidenceThreshold: number };
    /** max_tokens of an agent call, by role. */
    maxTokens: Record<Role, number>;
  };
};
export type CallSettings = ParsedConfig["orchestra"]["calls"];
export type OrchestraConfig = z.infer<typeof OrchestraSchema>;
export type Workload = z.infer<typeof WorkloadSchema>;
export type Gates = z.infer<typeof GatesSchema>;
