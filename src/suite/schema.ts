import { z } from "zod";
import { oneOfShapes } from "../shared/schema-messages.js";

export const SUITES = ["individual", "coordinator", "mission", "edge"] as const;
export type SuiteName = (typeof SUITES)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "kebab-case: lower-case letters, digits and dashes");
const agentName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "an agent name");
const where = z
  .enum(["final", "trace"])
  .default("final")
  .describe("final: the final message; trace: every message of the trace");

/** A context item of a case: a file from the repository, shown to agents under `as`, or a fact. */
export const ContextEntrySchema = z.union([
  z.strictObject({
    file: z.string().min(1).describe("path relative to the suite file's folder"),
    as: z.string().min(1).optional().describe("the path agents see (default: the file's name)"),
    trust: z.enum(["trusted", "untrusted"]).default("untrusted"),
    domains: z.array(z.string()).optional().describe("routing tags; default: inferred from the path"),
  }),
  z.strictObject({ fact: z.string().min(1) }),
]);

const common = {
  context: z.array(ContextEntrySchema).default([]),
  criteria: z.array(z.string().min(1)).optional().describe("acceptance criteria of the task"),
};

const inputShapes = [
  z.strictObject({
    agent: agentName.describe("a specialist: one agent, one task"),
    task: z.string().min(1),
    ...common,
  }),
  z.strictObject({
    coordinator: agentName.describe("a coordinator, with its specialists"),
    task: z.string().min(1),
    ...common,
  }),
  z.strictObject({ mission: z.string().min(1).describe("a mission for the orchestrator"), ...common }),
] as const;

// zod's own message, "Invalid input", does not say what input accepts: the shapes do.
export const InputSchema = z.union(inputShapes, { error: oneOfShapes(inputShapes) });

const AssertionSchemas = [
  z.strictObject({
    type: z.literal("contains"),
    value: z.string().min(1),
    in: where,
    ignoreCase: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("not-contains"),
    value: z.string().min(1),
    in: where,
    ignoreCase: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("regex"),
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[gimsuy]*$/)
      .default(""),
    in: where,
  }),
  z.strictObject({
    type: z.literal("message-type"),
    value: z.enum(["task-assignment", "status-update", "result", "escalation", "error"]),
  }),
  z.strictObject({
    type: z.literal("compliant"),
    min: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe("lowest acceptable compliance rate of the agents' messages"),
  }),
  z.strictObject({
    type: z.literal("finding"),
    severity: z.enum(["critical", "high", "medium", "low", "info"]).optional(),
    cwe: z
      .string()
      .regex(/^CWE-\d+$/)
      .optional(),
    file: z.string().optional(),
    min: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe("at least this many findings match, across all results"),
  }),
  z.strictObject({
    type: z.literal("delegated-to"),
    agents: z.array(agentName).min(1),
    exact: z
      .boolean()
      .default(false)
      .describe("true: exactly these agents received tasks; false: at least these (the same as mode: exact)"),
    mode: z
      .enum(["includes", "exact", "subset", "ordered"])
      .optional()
      .describe(
        "includes (default): at least these received tasks; exact: these and no others; subset: no agent outside these (and at least one task); ordered: these, their first tasks in this order",
      ),
  }),
  z.strictObject({
    type: z.literal("fan-out"),
    agent: agentName,
    min: z.number().int().min(0).optional().describe("the fewest tasks the agent hands out"),
    max: z.number().int().min(0).optional().describe("the most tasks the agent hands out"),
  }),
  z.strictObject({ type: z.literal("not-delegated-to"), agents: z.array(agentName).min(1) }),
  z.strictObject({
    type: z.literal("escalated"),
    agent: agentName.optional(),
    toTier: z.string().optional(),
    expected: z.boolean().default(true).describe("false: assert that nothing escalated"),
  }),
  z.strictObject({ type: z.literal("fell-back"), agent: agentName.optional(), from: z.string().optional() }),
  z.strictObject({
    type: z.literal("tier-used"),
    agent: agentName,
    tier: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe("the tier the agent's last call ran on, or a list of tiers any of which passes"),
  }),
  z.strictObject({ type: z.literal("max-calls"), value: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal("max-depth"), value: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal("no-cycle") }),
  z.strictObject({ type: z.literal("cost-below"), usd: z.number().positive() }),
  z.strictObject({ type: z.literal("tokens-below"), value: z.number().int().positive() }),
  z.strictObject({
    type: z.literal("latency-below"),
    ms: z.number().positive(),
    allowRecorded: z.boolean().default(false).describe("accept recorded latency (replay) as evidence"),
  }),
  z.strictObject({ type: z.literal("blocked") }),
  z.strictObject({ type: z.literal("error-code"), value: z.string().regex(/^[A-Z][A-Z0-9_]*$/) }),
  z.strictObject({
    type: z.literal("rubric"),
    criteria: z.string().min(1).describe("what a good answer does, for the judge"),
    judge: z.string().default("opus").describe("the tier of the judge model"),
    threshold: z.number().min(0).max(1).default(0.7),
  }),
  z.strictObject({
    type: z.literal("javascript"),
    module: z.string().min(1).describe("path relative to the suite file of an ES module"),
    export: z.string().default("default").describe("a function (trace, final) => boolean | {pass, reason}"),
  }),
] as const;

export const AssertionSchema = z.discriminatedUnion("type", AssertionSchemas);
export const ASSERTION_TYPES = AssertionSchemas.map((s) => s.shape.type.value);
export type Assertion = z.infer<typeof AssertionSchema>;

export const CaseSchema = z.strictObject({
  id,
  suite: z.enum(SUITES).optional().describe("default: the file's suite"),
  title: z.string().min(1),
  critical: z.boolean().default(false).describe("a failure of a critical case fails certification outright"),
  cluster: z
    .string()
    .min(1)
    .optional()
    .describe(
      "cases that share a scenario or source and so are not independent: with several trials per case the A/B's standard error is clustered over them",
    ),
  tags: z.array(z.string()).default([]),
  trials: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  input: InputSchema,
  scenario: z
    .string()
    .optional()
    .describe(
      "fixtures/scenarios/<name>.yaml scripting this case's synthetic replies (default: the case id)",
    ),
  limits: z
    .strictObject({
      maxDepth: z.number().int().positive().optional(),
      maxCalls: z.number().int().positive().optional(),
      maxCostUsd: z.number().positive().optional(),
      maxWallMs: z.number().int().positive().optional(),
    })
    .optional(),
  expect: z.array(AssertionSchema).min(1, "a case needs at least one assertion"),
});

export const SuiteFileSchema = z.strictObject({
  suite: z.enum(SUITES),
  description: z.string().optional(),
  cases: z.array(CaseSchema).min(1),
});

export type ContextEntry = z.infer<typeof ContextEntrySchema>;
export type CaseInput = z.infer<typeof InputSchema>;
export type SuiteCase = z.infer<typeof CaseSchema>;
export type SuiteFile = z.infer<typeof SuiteFileSchema>;
