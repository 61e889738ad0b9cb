import { z } from "zod";
import { DEVIATION_KINDS } from "../protocol/index.js";
import { InputError } from "../shared/problem.js";
import { readTextFile } from "../shared/text-file.js";
import { parseYaml, zodIssuesToProblems } from "../shared/yaml-source.js";
import { FAULT_KINDS, type FaultKind } from "./faults.js";
import { STOP_REASONS } from "./reply.js";
import type { FakeRequest, ReplySpec } from "./types.js";

/** Placeholders a scenario reply may use; each is replaced by a value of the request it answers. */
export const REPLY_PLACEHOLDERS = ["agent", "sender", "replyTo", "call", "model", "requestId"] as const;
type Placeholder = (typeof REPLY_PLACEHOLDERS)[number];
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

const count = z.number().int().min(0);

/** A fault kind; the numeric ones may be written as YAML numbers (`fault: 529`). */
const FaultKindSchema = z
  .union([z.enum(FAULT_KINDS), z.literal(429), z.literal(529), z.literal(500)], {
    error: `expected a fault kind: one of ${FAULT_KINDS.join(", ")}`,
  })
  .transform((kind): FaultKind => String(kind) as FaultKind);

export const MatchSchema = z
  .strictObject({
    agent: z
      .string()
      .min(1)
      .optional()
      .describe("the calling agent (x-orchestra-agent, else the task's `to`)"),
    model: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe("the exact model id of the request, or a list of them (any of)"),
    call: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("the nth request (1-based) this server has seen from the agent, retries included"),
    contains: z.string().min(1).optional().describe("a substring of the last user message's text"),
  })
  .describe("what a request must be for the rule to apply; every key optional, all given must hold");

export const UsageOverrideSchema = z
  .strictObject({
    input_tokens: count.optional(),
    output_tokens: count.optional(),
    cache_creation_input_tokens: count.optional(),
    cache_read_input_tokens: count.optional(),
  })
  .describe("usage to report instead of the estimates; keys left out keep their estimate");

const ReplyTextSchema = z
  .string()
  .superRefine((text, ctx) => {
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (!(REPLY_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown placeholder {{${m[1]}}}: expected one of ${REPLY_PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}`,
        });
      }
    }
  })
  .describe(
    "the assistant's reply text; may use {{agent}}, {{sender}}, {{replyTo}}, {{call}}, {{model}}, {{requestId}}",
  );

const MessyKindSchema = z.enum(DEVIATION_KINDS, {
  error: `expected a deviation kind: one of ${DEVIATION_KINDS.join(", ")}`,
});

export const MessySchema = z
  .strictObject({
    rate: z.number().min(0).max(1).describe("probability per reply, 0..1"),
    kinds: z
      .array(MessyKindSchema)
      .min(1)
      .optional()
      .describe("the kinds drawn from, uniformly (default: all nine)"),
  })
  .describe(
    "messy replies: each reply holding a protocol message is perturbed at this rate, the way real models write; a server's own messy option takes precedence",
  );

/** The keys that make up a rule's reply (as opposed to its fault). */
const REPLY_KEYS = ["reply", "usage", "stopReason", "messy"] as const;

export const RuleSchema = z
  .strictObject({
    match: MatchSchema.optional(),
    reply: ReplyTextSchema.optional(),
    usage: UsageOverrideSchema.optional(),
    latencyMs: count.optional().describe("delay before this response, instead of the server's latencyMs"),
    stopReason: z
      .enum(STOP_REASONS)
      .optional()
      .describe("stop_reason to report; the text is served untouched"),
    fault: FaultKindSchema.optional().describe("serve this fault instead of a reply"),
    retryAfterMs: count
      .optional()
      .describe("with a fault: the retry-after-ms hint (retry-after is its ceiling in seconds)"),
    shouldRetry: z.boolean().optional().describe("with a fault: send x-should-retry: true|false"),
    messy: MessyKindSchema.optional().describe(
      "always serve the rule's reply perturbed by this deviation kind (untouched when the kind does not apply to it)",
    ),
    times: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "with a fault: serve it to the first N matching requests, then the rule's reply if it has one, else fall through to the next rules; without: serve the reply N times, then fall through",
      ),
  })
  .superRefine((rule, ctx) => {
    const replyKeys = REPLY_KEYS.filter((k) => rule[k] !== undefined);
    if (rule.fault !== undefined) {
      if (rule.times === undefined) {
        for (const key of replyKeys) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `"${key}" is never used: a rule's reply is served once its fault has been served \`times\` times; add times: N, or move it to a rule of its own`,
          });
        }
      }
    } else {
      for (const key of ["retryAfterMs", "shouldRetry"] as const) {
        if (rule[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `"${key}" applies only to a rule with a fault`,
          });
        }
      }
      if (replyKeys.length === 0 && rule.latencyMs === undefined) {
        ctx.addIssue({
          code: "custom",
          message:
            "a rule needs something to do: a reply, a fault, or a usage, stopReason, messy or latencyMs",
        });
      }
    }
  });

export const ScenarioSchema = z
  .strictObject({
    description: z.string().optional(),
    intended: z
      .record(z.string(), z.enum(["pass", "fail", "error"]))
      .optional()
      .describe(
        "the verdict a case scripted by this scenario is meant to reach, by profile (default pass): a scripted miss says fail",
      ),
    messy: MessySchema.optional(),
    rules: z.array(RuleSchema).describe("tried in order; the first that matches (and has uses left) answers"),
  })
  .describe("scripted replies and faults of the fake Anthropic API");

export type ScenarioRule = z.infer<typeof RuleSchema>;
export type Scenario = z.infer<typeof ScenarioSchema>;

/** The verdict a case scripted by this scenario should reach under `profile` (pass unless it says). */
export function intendedVerdict(scenario: Scenario, profile: string): "pass" | "fail" | "error" {
  return scenario.intended?.[profile] ?? "pass";
}

/** Parses scenario YAML; problems come out as an InputError with file:line:column for each. */
export function parseScenario(text: string, file = "<scenario>"): Scenario {
  const source = parseYaml(text, file);
  if (source.syntaxProblems.length > 0) throw new InputError(source.syntaxProblems);
  const parsed = ScenarioSchema.safeParse(source.value ?? {});
  if (!parsed.success) throw new InputError(zodIssuesToProblems(parsed.error.issues, source));
  return parsed.data;
}

/** Reads and parses a scenario file (see docs/fake-api.md). */
export function loadScenario(file: string): Scenario {
  const read = readTextFile(file, "scenarios are UTF-8 YAML");
  if (read.kind === "unreadable")
    throw new InputError([{ file, message: `cannot read scenario: ${read.error.message}` }]);
  if (read.kind === "not-text") throw new InputError([read.problem]);
  return parseScenario(read.text, file);
}

export function renderReply(text: string, req: FakeRequest): string {
  const values: Record<Placeholder, string> = {
    agent: req.agent,
    sender: req.sender ?? "user",
    replyTo: req.replyTo ?? "",
    call: String(req.call),
    model: req.model,
    requestId: req.requestId,
  };
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? values[name as Placeholder] : whole,
  );
}

/** Applies a scenario's rules in order, keeping count of each rule's uses for `times`. */
export class ScenarioMatcher {
  /** Uses of each rule, per trial when requests say their trial: every trial plays the scenario alike. */
  private readonly uses = new Map<string, number[]>();

  constructor(private readonly scenario: Scenario) {}

  match(req: FakeRequest): ReplySpec | undefined {
    const key = String(req.trial ?? "");
    let uses = this.uses.get(key);
    if (!uses) {
      uses = this.scenario.rules.map(() => 0);
      this.uses.set(key, uses);
    }
    for (const [i, rule] of this.scenario.rules.entries()) {
      if (!matches(rule, req)) continue;
      const used = uses[i]!;
      const fresh = rule.times === undefined || used < rule.times;
      if (rule.fault !== undefined) {
        if (fresh) {
          uses[i] = used + 1;
          return faultOf(rule);
        }
        if (REPLY_KEYS.some((k) => rule[k] !== undefined)) return replyOf(rule, req);
        continue;
      }
      if (!fresh) continue;
      uses[i] = used + 1;
      return replyOf(rule, req);
    }
    return undefined;
  }
}

function matches(rule: ScenarioRule, req: FakeRequest): boolean {
  const m = rule.match;
  if (!m) return true;
  if (m.agent !== undefined && m.agent !== req.agent) return false;
  if (
    m.model !== undefined &&
    !(typeof m.model === "string" ? m.model === req.model : m.model.includes(req.model))
  )
    return false;
  if (m.call !== undefined && m.call !== req.call) return false;
  if (m.contains !== undefined && !req.lastUserText.includes(m.contains)) return false;
  return true;
}

function faultOf(rule: ScenarioRule): ReplySpec {
  const spec: ReplySpec = { fault: rule.fault };
  if (rule.latencyMs !== undefined) spec.latencyMs = rule.latencyMs;
  if (rule.retryAfterMs !== undefined) spec.retryAfterMs = rule.retryAfterMs;
  if (rule.shouldRetry !== undefined) spec.shouldRetry = rule.shouldRetry;
  return spec;
}

function replyOf(rule: ScenarioRule, req: FakeRequest): ReplySpec {
  const spec: ReplySpec = {};
  if (rule.reply !== undefined) spec.text = renderReply(rule.reply, req);
  if (rule.usage !== undefined) spec.usage = rule.usage;
  if (rule.latencyMs !== undefined) spec.latencyMs = rule.latencyMs;
  if (rule.stopReason !== undefined) spec.stopReason = rule.stopReason;
  if (rule.messy !== undefined) spec.messy = rule.messy;
  return spec;
}
