import { type TrialResult, TrialResultSchema } from "../../src/suite/index.js";

/** Micro-dollars per call on each tier, unless a call says otherwise. */
export const PRICE = { haiku: 1, sonnet: 20, opus: 40 } as const;

/** A trial as results.jsonl holds it, with what the optimizer reads: verdict, calls, tree, assertions. */
export function trial(p: {
  case: string;
  suite?: TrialResult["suite"];
  profile: string;
  verdict: "pass" | "fail" | "error";
  calls: {
    agent: string;
    tier: string;
    cost?: number;
    inputTokens?: number;
    cacheReadTokens?: number;
    cacheWriteTokens?: number;
    escalation?: boolean;
    context?: { tokensBefore: number; tokensAfter: number; filtered: boolean };
  }[];
  unread?: string[];
  against?: string[];
  critical?: boolean;
}): TrialResult {
  // Through the schema: a constructed trial is one results.jsonl could hold.
  return TrialResultSchema.parse({
    case: p.case,
    suite: p.suite ?? "mission",
    title: p.case,
    critical: p.critical ?? false,
    tags: [],
    trial: 1,
    profile: p.profile,
    mode: "replay",
    verdict: p.verdict,
    reason: p.verdict === "pass" ? null : "constructed",
    assertions: (p.against ?? []).map((a) => ({ type: "finding", pass: false, reason: `nothing from ${a}` })),
    final: { type: "result" },
    trace: {
      agents: p.calls.map((c) => c.agent),
      messages: 0,
      calls: p.calls.length,
      maxDepth: 1,
      fallbacks: 0,
      escalations: 0,
      correctiveRetries: 0,
      agentMessages: 0,
      compliantMessages: 0,
      recoveredMessages: 0,
      deviations: {},
      deviationExamples: [],
      messageBytes: 0,
      markupBytes: 0,
      contextBytesBefore: 0,
      contextBytesAfter: 0,
    },
    calls: p.calls.map((c, i) => ({
      task: `m1/t${i}`,
      agent: c.agent,
      tier: c.tier,
      model: `model-${c.tier}`,
      usage: {
        inputTokens: c.inputTokens ?? 0,
        outputTokens: 0,
        cacheReadTokens: c.cacheReadTokens ?? 0,
        cacheWriteTokens: c.cacheWriteTokens ?? 0,
        cacheWrite5mTokens: c.cacheWriteTokens ?? 0,
        cacheWrite1hTokens: 0,
      },
      costMicroUsd: c.cost ?? PRICE[c.tier as keyof typeof PRICE] * 1000,
      latencyMs: 1,
      latencySource: "recorded",
      fellBack: false,
      escalation: c.escalation ?? false,
      corrective: false,
      source: "synthetic",
      ...(c.context ? { context: c.context } : {}),
    })),
    usage: {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    },
    costMicroUsd: p.calls.reduce((s, c) => s + (c.cost ?? PRICE[c.tier as keyof typeof PRICE] * 1000), 0),
    judgeCostMicroUsd: 0,
    latencyMs: 1,
    latencySource: "recorded",
    provenance: { live: 0, synthetic: p.calls.length, models: [] },
    durationMs: 1,
    tree: p.calls.map((c, i) => ({
      task: `m1/t${i}`,
      parent: null,
      agent: c.agent,
      objective: "",
      tiers: [c.tier],
      models: [],
      calls: 1,
      tokens: 0,
      costMicroUsd: 0,
      latencyMs: 1,
      latencySource: "recorded",
      flags: [],
      notes: [],
      reply: {
        type: "result",
        compliant: !(p.unread ?? []).includes(c.agent),
        recovered: false,
        summary: "",
      },
    })),
  });
}
