import { z } from "zod";
import { DEVIATION_KINDS } from "../protocol/index.js";
import { SUITES } from "./schema.js";

const usage = z.strictObject({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  cacheWrite5mTokens: z.number().int(),
  cacheWrite1hTokens: z.number().int(),
});

/** One model call of a trial, compact: enough to aggregate cost, tokens and latency per tier and agent. */
export const CallRecordSchema = z.strictObject({
  /** The task the call answered (`m1/t2/t1`), a node of the trial's `tree`. */
  task: z.string().optional(),
  /** When the call started, in ms after the trial started (this machine's clock). */
  startMs: z.number().optional(),
  agent: z.string(),
  tier: z.string(),
  model: z.string(),
  usage,
  costMicroUsd: z.number().int(),
  /** The price that costed the call: the model priced and its rate's `from` (null: undated). */
  price: z.strictObject({ model: z.string(), from: z.string().nullable() }).optional(),
  latencyMs: z.number(),
  latencySource: z.enum(["measured", "recorded"]),
  fellBack: z.boolean(),
  escalation: z.boolean(),
  corrective: z.boolean(),
  source: z.enum(["live", "synthetic"]),
  /** The API's request-id, for support tickets and trace viewers. */
  requestId: z.string().nullable().optional(),
  stopReason: z.string().nullable().optional(),
  /** Deviation kinds of the reply (absent: compliant). */
  deviations: z.array(z.enum(DEVIATION_KINDS)).optional(),
  /** The reply was not strictly compliant and nothing could be read from it. */
  unread: z.boolean().optional(),
  /** The retry of a reply cut at max_tokens, with a larger budget. */
  truncationRetry: z.boolean().optional(),
  /** The model the API says answered, when it is not the one asked for. */
  servedModel: z.string().optional(),
  /** 429s this call waited out on its own model. */
  rateLimited: z.number().int().optional(),
  /**
   * The context files offered and sent, in estimated tokens; `filtered` false where no filter ran
   * (planners, or the filter off). Absent on calls without context files.
   */
  context: z
    .strictObject({ tokensBefore: z.number().int(), tokensAfter: z.number().int(), filtered: z.boolean() })
    .optional(),
});

/** One task of a trial's delegation tree (src/orchestra/tree.ts TaskNode). */
export const TaskNodeSchema = z.strictObject({
  task: z.string(),
  parent: z.string().nullable(),
  agent: z.string(),
  objective: z.string(),
  tiers: z.array(z.string()),
  models: z.array(z.string()),
  calls: z.number().int(),
  tokens: z.number().int(),
  costMicroUsd: z.number().int(),
  latencyMs: z.number(),
  latencySource: z.enum(["measured", "recorded", "none"]),
  flags: z.array(z.string()),
  notes: z.array(z.string()),
  reply: z
    .strictObject({ type: z.string(), compliant: z.boolean(), recovered: z.boolean(), summary: z.string() })
    .nullable(),
});

/** A rubric assertion's judge: tier, models, repetitions and how they agreed. */
export const JudgeRecordSchema = z.strictObject({
  tier: z.string(),
  models: z.array(z.string()),
  /** Repetitions of the judge on the same input (`--judge-trials`). */
  trials: z.number().int().positive(),
  /** Each repetition's verdict (score >= threshold) and score, in order. */
  verdicts: z.array(z.boolean()),
  scores: z.array(z.number()),
  /** Share of the verdicts that agree with the majority. */
  agreement: z.number(),
  /** The repetitions disagree on the verdict. */
  unstable: z.boolean(),
});

/** One assertion's outcome in a trial. */
export const AssertionRecordSchema = z.strictObject({
  type: z.string(),
  pass: z.boolean(),
  reason: z.string(),
  /** The assertion could not be evaluated (its judge failed): the trial is an error. */
  error: z.boolean().optional(),
  judge: JudgeRecordSchema.optional(),
});

/** One line of results.jsonl: a trial, written the moment it ends. */
export const TrialResultSchema = z.strictObject({
  case: z.string(),
  suite: z.enum(SUITES),
  title: z.string(),
  critical: z.boolean(),
  /** The case's `cluster`, when its suite declares one. */
  cluster: z.string().optional(),
  tags: z.array(z.string()),
  trial: z.number().int().positive(),
  profile: z.string(),
  mode: z.enum(["replay", "record", "live"]),
  verdict: z.enum(["pass", "fail", "error"]),
  /** Why it failed or errored, in one line; null on a pass. */
  reason: z.string().nullable(),
  assertions: z.array(AssertionRecordSchema),
  final: z.strictObject({ type: z.string(), code: z.string().optional() }),
  trace: z.strictObject({
    agents: z.array(z.string()),
    messages: z.number().int(),
    calls: z.number().int(),
    maxDepth: z.number().int(),
    fallbacks: z.number().int(),
    escalations: z.number().int(),
    correctiveRetries: z.number().int(),
    /** Agent replies (every call a model answered), strictly compliant ones, and recovered ones. */
    agentMessages: z.number().int(),
    compliantMessages: z.number().int(),
    recoveredMessages: z.number().int().default(0),
    /** Replies showing each deviation kind. */
    deviations: z.partialRecord(z.enum(DEVIATION_KINDS), z.number().int()).default({}),
    /** One reply per kind as an example: who wrote it and how it began. */
    deviationExamples: z
      .array(
        z.strictObject({
          kind: z.enum(DEVIATION_KINDS),
          agent: z.string(),
          /** Where in the message, and what was read there. */
          path: z.string().default(""),
          detail: z.string().default(""),
          /** The reply's first characters. */
          excerpt: z.string(),
        }),
      )
      .default([]),
    /** Bytes of the agents' messages, and of their markup (for the overhead ratio). */
    messageBytes: z.number().int(),
    markupBytes: z.number().int(),
    contextBytesBefore: z.number().int(),
    contextBytesAfter: z.number().int(),
  }),
  calls: z.array(CallRecordSchema),
  usage,
  costMicroUsd: z.number().int(),
  judgeCostMicroUsd: z.number().int(),
  /** End-to-end model time of the trial: the calls on its critical path (recorded in replay). */
  latencyMs: z.number(),
  latencySource: z.enum(["measured", "recorded", "none"]),
  provenance: z.strictObject({
    live: z.number().int(),
    synthetic: z.number().int(),
    models: z.array(z.string()),
  }),
  durationMs: z.number(),
  /** When the trial started (ISO 8601), by this machine's clock. */
  startedAt: z.string().optional(),
  /** The trial's delegation tree: every task, parents first. */
  tree: z.array(TaskNodeSchema).default([]),
});

export type CallRecord = z.infer<typeof CallRecordSchema>;
export type AssertionRecord = z.infer<typeof AssertionRecordSchema>;
export type TaskNodeRecord = z.infer<typeof TaskNodeSchema>;
export type TrialResult = z.infer<typeof TrialResultSchema>;

/**
 * Reads results.jsonl, keeping every complete valid line. A torn last line (a run killed mid-write)
 * is dropped, and `validBytes` says where the good part ends so a resumed run can cut it off.
 */
export function parseResults(text: string): { results: TrialResult[]; validBytes: number; dropped: number } {
  const results: TrialResult[] = [];
  let validBytes = 0;
  let dropped = 0;
  let offset = 0;
  const total = Buffer.byteLength(text);
  for (const line of text.split("\n")) {
    const end = offset + Buffer.byteLength(line) + 1;
    const complete = end <= total;
    if (line.trim() !== "") {
      let parsed: ReturnType<typeof TrialResultSchema.safeParse> | undefined;
      try {
        parsed = TrialResultSchema.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success && complete) {
        results.push(parsed.data);
        validBytes = end;
      } else dropped++;
    } else if (complete) validBytes = end;
    offset = end;
  }
  return { results, validBytes, dropped };
}
