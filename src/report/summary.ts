import { DEVIATION_KINDS, type DeviationKind } from "../protocol/index.js";
import { TOKEN_ESTIMATE_BASIS } from "../shared/tokens.js";
import type { RunHistory, TrialResult } from "../suite/index.js";

type Partial_<T> = { [K in keyof T]?: T[K] };

import { krippendorffAlphaNominal, majorityShare } from "./agreement.js";
import { minSamplesForQuantileCi, passAtK, passHatK, percentile, wilson } from "./stats.js";

export interface RateStats {
  cases: number;
  trials: number;
  passed: number;
  failed: number;
  errored: number;
  /** Cases with at least one trial that was not an error: the pass rate's denominator. */
  scoredCases: number;
  /**
   * Trials collapsed per case first (each case's pass share over its trials that were not errors),
   * then averaged over the scored cases: trials are never independent rows, and an outage is not a
   * quality failure. Null when no trial was scored.
   */
  passRate: number | null;
  ci95: [number, number] | null;
}

export interface LatencyStats {
  n: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  max: number | null;
  /** Percentiles whose 95% interval cannot be had at this n. */
  insufficientN: string[];
  source: "measured" | "recorded" | "mixed" | "none";
}

export interface TierStats {
  /** Pass rate of the cases in which this tier answered at least one call. */
  cases: RateStats;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicroUsd: number;
  costUsd: number;
  latencyMs: LatencyStats;
  fallbacks: number;
  escalations: number;
  /** 429s waited out on this tier's models. */
  rateLimited: number;
  /** Calls the API answered with another model than the one asked for. */
  servedOther: number;
}

export interface DeviationExample {
  case: string;
  trial: number;
  agent: string;
  path: string;
  detail: string;
  excerpt: string;
}

/** Set when the run did not do everything it planned: its figures stand on part of the plan. */
export interface Partial {
  planned: number;
  done: number;
  reason: string;
}

/** The price table a run's calls were priced with (run.json), and which of its rates priced them. */
export interface PricesUsed {
  source: string;
  retrieved: string;
  /** sha256 of the canonical JSON of the price table. */
  digest: string;
  /** Model priced -> the `from` date of each rate that priced its calls, oldest first ("always": an undated price). */
  models: Record<string, string[]>;
}

/** The rubric assertions' judges over the run: who judged, at what cost, and how repetitions agreed. */
export interface JudgeSummary {
  /** Rubric assertions evaluated (one per trial and assertion), and those whose judge failed. */
  assertions: number;
  errors: number;
  passed: number;
  /** Judge tier -> the models that answered for it. */
  tiers: Record<string, string[]>;
  /** Repetitions of the judge per assertion (`--judge-trials`): the largest seen. */
  trials: number;
  costUsd: number;
  /** Mean over the assertions judged more than once of the share agreeing with their majority. */
  agreement: number | null;
  /**
   * Krippendorff's alpha (nominal, pass/fail) across the judge repetitions of every rubric
   * assertion; null when undefined (fewer than two repetitions, or every verdict the same).
   */
  alpha: number | null;
  /** Assertions whose repetitions disagree on the verdict. */
  unstable: {
    case: string;
    trial: number;
    profile: string;
    tier: string;
    verdicts: boolean[];
    scores: number[];
  }[];
}

export interface Summary {
  /** Null for a complete run; otherwise what was planned, what was done, and why it stopped. */
  partial: Partial | null;
  /** Null when run.json does not name its price table (a run folder without one, or older). */
  prices: PricesUsed | null;
  runs: { profile: string; mode: string }[];
  totals: RateStats & {
    costUsd: number;
    /** Spent by trials that ended in error (included in costUsd). */
    erroredCostUsd: number;
    costPerPassUsd: number | null;
    judgeCostUsd: number;
  };
  /** Pass rate and cost per suite (the cost of all its trials, errored ones included). */
  bySuite: Record<string, RateStats & { costUsd: number }>;
  byTier: Record<string, TierStats>;
  byAgent: Record<
    string,
    {
      cases: RateStats;
      calls: number;
      tier: string[];
      costUsd: number;
      escalations: number;
      fallbacks: number;
    }
  >;
  protocol: {
    /** Every agent reply, read or not. */
    messages: number;
    /** Strictly compliant replies. */
    compliant: number;
    /** compliant / messages; null with no replies (no evidence). */
    complianceRate: number | null;
    /** Replies that were not compliant but were read by the recovered reading and acted on. */
    recovered: number;
    /** Replies showing each deviation kind. */
    deviations: Partial_<Record<DeviationKind, number>>;
    /** The first reply of each kind: where, who, how it began. */
    deviationExamples: Partial_<Record<DeviationKind, DeviationExample>>;
    /** Markup over bytes of the messages read; null with none. */
    overheadRatio: number | null;
  };
  routing: {
    /** Calls served by a fallback model. */
    fallbacks: number;
    /** Of those, in cases that do not assert `fell-back` (what the fallback gate counts). */
    unexpectedFallbacks: number;
    escalations: number;
    correctiveRetries: number;
    /** Retries of replies cut at max_tokens, with a larger budget. */
    truncationRetries: number;
    /** 429s waited out on the same model. */
    rateLimited: number;
    /** Calls the API answered with another model than the one asked for. */
    servedOther: number;
    escalationCostShare: number;
  };
  /**
   * Context filtering. Bytes are over every call (planners see everything, so they dilute it);
   * `tokens` are over the calls the filter ran on only, in estimated tokens, with the share of
   * those calls' prompt tokens the filter saved, per agent and tier, and the calls left out.
   */
  context: {
    bytesBefore: number;
    bytesAfter: number;
    reduction: number;
    tokens: {
      basis: string;
      filteredCalls: number;
      /** Calls with context that no filter ran on (planners, or the filter off): not in the reduction. */
      unfilteredCalls: number;
      before: number;
      after: number;
      saved: number;
      /** 1 - after / before over filtered calls; null with none. */
      reduction: number | null;
      /** saved / (the filtered calls' prompt tokens + saved): what the filter took off their input. */
      promptShareSaved: number | null;
      byAgentTier: {
        agent: string;
        tier: string;
        calls: number;
        before: number;
        after: number;
        reduction: number | null;
      }[];
    };
  };
  /**
   * Prompt caching: the share of prompt tokens read from the cache, per agent and tier, and the
   * cache writes no call of the same agent and model read in this run (paid for, gained nothing).
   */
  cache: {
    promptTokens: number;
    readTokens: number;
    writeTokens: number;
    /** readTokens / promptTokens; null without prompt tokens. */
    hitRatio: number | null;
    neverRead: { writeTokens: number; groups: { agent: string; model: string; writeTokens: number }[] };
    byAgentTier: {
      agent: string;
      tier: string;
      calls: number;
      promptTokens: number;
      readTokens: number;
      writeTokens: number;
      hitRatio: number | null;
    }[];
  };
  /**
   * The run history (`--history`): runs and trials it holds, and the cases whose verdict flipped on
   * the same basis (recordings in replay, models live). Null without a history.
   */
  history: RunHistory | null;
  /** With more than one trial of some case (errors left out). */
  reliability: {
    /** The fewest and the most scored trials a case has. */
    trialsPerCase: number;
    maxTrialsPerCase: number;
    /** k -> the mean over cases with at least k trials; `casesAtK` says how many those are. */
    passAtK: Record<string, number>;
    passHatK: Record<string, number>;
    casesAtK: Record<string, number>;
    flakyCases: number;
  } | null;
  latencyPerCase: LatencyStats;
  criticalFailures: { case: string; trial: number; reason: string }[];
  /** Null when no case of the run has a rubric assertion. */
  judges: JudgeSummary | null;
  failures: { case: string; trial: number; verdict: string; reason: string }[];
  provenance: {
    live: number;
    recorded: number;
    synthetic: number;
    basis: "live" | "recorded" | "synthetic" | "none";
    models: string[];
  };
}

function rate(results: readonly TrialResult[]): RateStats {
  const byCase = new Map<string, { n: number; pass: number }>();
  const cases = new Set<string>();
  let passed = 0;
  let failed = 0;
  let errored = 0;
  for (const r of results) {
    cases.add(r.case);
    if (r.verdict === "error") {
      errored++;
      continue;
    }
    if (r.verdict === "pass") passed++;
    else failed++;
    const entry = byCase.get(r.case) ?? { n: 0, pass: 0 };
    entry.n++;
    if (r.verdict === "pass") entry.pass++;
    byCase.set(r.case, entry);
  }
  let passedCases = 0;
  for (const e of byCase.values()) passedCases += e.pass / e.n;
  const scored = byCase.size;
  return {
    cases: cases.size,
    trials: results.length,
    passed,
    failed,
    errored,
    scoredCases: scored,
    passRate: scored === 0 ? null : passedCases / scored,
    ci95: scored === 0 ? null : wilson(passedCases, scored),
  };
}

function latency(values: number[], sources: string[]): LatencyStats {
  const quantiles: [string, number][] = [
    ["p90", 0.9],
    ["p95", 0.95],
  ];
  const unique = new Set(sources);
  return {
    n: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p95: percentile(values, 0.95),
    max: values.length ? Math.max(...values) : null,
    insufficientN: quantiles
      .filter(([, q]) => values.length < minSamplesForQuantileCi(q))
      .map(([name]) => name),
    source:
      unique.size === 0
        ? "none"
        : unique.size > 1
          ? "mixed"
          : (unique.values().next().value as "measured" | "recorded"),
  };
}

/** Everything a report says, computed from results.jsonl lines alone (so merged shards re-render identically). */
export function summarize(
  results: readonly TrialResult[],
  options: {
    partial?: Partial | null;
    /** history.json of the run folder, when the run was added to a history. */
    history?: RunHistory | null;
    /** The price table run.json names. */
    prices?: Omit<PricesUsed, "models"> | undefined;
  } = {},
): Summary {
  const sorted = [...results].sort(
    (a, b) => a.case.localeCompare(b.case) || a.trial - b.trial || a.profile.localeCompare(b.profile),
  );
  const calls = sorted.flatMap((r) => r.calls);
  const costMicro = sorted.reduce((n, r) => n + r.costMicroUsd, 0);
  const totals = rate(sorted);
  const byTier: Summary["byTier"] = {};
  for (const tier of [...new Set(calls.map((c) => c.tier))].sort()) {
    const own = calls.filter((c) => c.tier === tier);
    const micro = own.reduce((n, c) => n + c.costMicroUsd, 0);
    byTier[tier] = {
      cases: rate(sorted.filter((r) => r.calls.some((c) => c.tier === tier))),
      calls: own.length,
      inputTokens: own.reduce((n, c) => n + c.usage.inputTokens, 0),
      outputTokens: own.reduce((n, c) => n + c.usage.outputTokens, 0),
      cacheReadTokens: own.reduce((n, c) => n + c.usage.cacheReadTokens, 0),
      cacheWriteTokens: own.reduce((n, c) => n + c.usage.cacheWriteTokens, 0),
      costMicroUsd: micro,
      costUsd: micro / 1e6,
      latencyMs: latency(
        own.map((c) => c.latencyMs),
        own.map((c) => c.latencySource),
      ),
      fallbacks: own.filter((c) => c.fellBack).length,
      escalations: own.filter((c) => c.escalation).length,
      rateLimited: own.reduce((n, c) => n + (c.rateLimited ?? 0), 0),
      servedOther: own.filter((c) => c.servedModel !== undefined).length,
    };
  }
  const byAgent: Summary["byAgent"] = {};
  for (const agent of [...new Set(calls.map((c) => c.agent))].sort()) {
    const own = calls.filter((c) => c.agent === agent);
    byAgent[agent] = {
      cases: rate(sorted.filter((r) => r.calls.some((c) => c.agent === agent))),
      calls: own.length,
      tier: [...new Set(own.map((c) => c.tier))].sort(),
      costUsd: own.reduce((n, c) => n + c.costMicroUsd, 0) / 1e6,
      escalations: own.filter((c) => c.escalation).length,
      fallbacks: own.filter((c) => c.fellBack).length,
    };
  }
  const bySuite: Summary["bySuite"] = {};
  for (const suite of [...new Set(sorted.map((r) => r.suite))].sort()) {
    const own = sorted.filter((r) => r.suite === suite);
    bySuite[suite] = { ...rate(own), costUsd: own.reduce((n, r) => n + r.costMicroUsd, 0) / 1e6 };
  }
  const messages = sorted.reduce((n, r) => n + r.trace.agentMessages, 0);
  const compliant = sorted.reduce((n, r) => n + r.trace.compliantMessages, 0);
  const recovered = sorted.reduce((n, r) => n + r.trace.recoveredMessages, 0);
  const deviations: Summary["protocol"]["deviations"] = {};
  const deviationExamples: Summary["protocol"]["deviationExamples"] = {};
  for (const r of sorted) {
    for (const [kind, n] of Object.entries(r.trace.deviations) as [DeviationKind, number][])
      deviations[kind] = (deviations[kind] ?? 0) + n;
    for (const e of r.trace.deviationExamples)
      deviationExamples[e.kind] ??= {
        case: r.case,
        trial: r.trial,
        agent: e.agent,
        path: e.path,
        detail: e.detail,
        excerpt: e.excerpt,
      };
  }
  const unexpectedFallbacks = sorted
    .filter((r) => !r.assertions.some((a) => a.type === "fell-back"))
    .reduce((n, r) => n + r.calls.filter((c) => c.fellBack).length, 0);
  const messageBytes = sorted.reduce((n, r) => n + r.trace.messageBytes, 0);
  const markupBytes = sorted.reduce((n, r) => n + r.trace.markupBytes, 0);
  const escalationMicro = calls.filter((c) => c.escalation).reduce((n, c) => n + c.costMicroUsd, 0);
  const before = sorted.reduce((n, r) => n + r.trace.contextBytesBefore, 0);
  const after = sorted.reduce((n, r) => n + r.trace.contextBytesAfter, 0);
  const live = calls.filter((c) => c.source === "live").length;
  const synthetic = calls.filter((c) => c.source === "synthetic").length;
  const recorded = calls.filter((c) => c.latencySource === "recorded").length;
  const basis: Summary["provenance"]["basis"] =
    calls.length === 0 ? "none" : synthetic > 0 ? "synthetic" : recorded > 0 ? "recorded" : "live";
  // Reliability over each case's own trials (errors left out: an outage is not quality): pass@k
  // and pass^k for every k up to the most trials a case has, each k averaged over the cases with
  // at least k trials, and how many those are.
  const perCase = new Map<string, { n: number; c: number }>();
  for (const r of sorted) {
    if (r.verdict === "error") continue;
    const entry = perCase.get(r.case) ?? { n: 0, c: 0 };
    entry.n += 1;
    if (r.verdict === "pass") entry.c += 1;
    perCase.set(r.case, entry);
  }
  const counts = [...perCase.values()];
  const trialsPerCase = counts.reduce((m, x) => Math.min(m, x.n), Number.POSITIVE_INFINITY);
  const maxTrials = counts.reduce((m, x) => Math.max(m, x.n), 0);
  let reliability: Summary["reliability"] = null;
  if (maxTrials > 1) {
    const at: Record<string, number> = {};
    const hat: Record<string, number> = {};
    const casesAtK: Record<string, number> = {};
    for (let k = 1; k <= maxTrials; k++) {
      const eligible = counts.filter((x) => x.n >= k);
      at[`k${k}`] = eligible.reduce((s, x) => s + passAtK(x.n, x.c, k), 0) / eligible.length;
      hat[`k${k}`] = eligible.reduce((s, x) => s + passHatK(x.n, x.c, k), 0) / eligible.length;
      casesAtK[`k${k}`] = eligible.length;
    }
    reliability = {
      trialsPerCase,
      maxTrialsPerCase: maxTrials,
      passAtK: at,
      passHatK: hat,
      casesAtK,
      flakyCases: counts.filter((x) => x.c > 0 && x.c < x.n).length,
    };
  }
  return {
    runs: [
      ...new Map(
        sorted.map((r) => [`${r.profile}/${r.mode}`, { profile: r.profile, mode: r.mode }]),
      ).values(),
    ],
    partial: options.partial ?? null,
    prices: options.prices ? { ...options.prices, models: ratesUsed(calls) } : null,
    totals: {
      ...totals,
      costUsd: costMicro / 1e6,
      erroredCostUsd:
        sorted.filter((r) => r.verdict === "error").reduce((n, r) => n + r.costMicroUsd, 0) / 1e6,
      costPerPassUsd: totals.passed > 0 ? costMicro / 1e6 / totals.passed : null,
      judgeCostUsd: sorted.reduce((n, r) => n + r.judgeCostMicroUsd, 0) / 1e6,
    },
    bySuite,
    byTier,
    byAgent,
    protocol: {
      messages,
      compliant,
      complianceRate: messages ? compliant / messages : null,
      recovered,
      deviations: sortKeys(deviations),
      deviationExamples: sortKeys(deviationExamples),
      overheadRatio: messageBytes ? markupBytes / messageBytes : null,
    },
    routing: {
      fallbacks: calls.filter((c) => c.fellBack).length,
      unexpectedFallbacks,
      escalations: calls.filter((c) => c.escalation).length,
      correctiveRetries: calls.filter((c) => c.corrective).length,
      truncationRetries: calls.filter((c) => c.truncationRetry).length,
      rateLimited: calls.reduce((n, c) => n + (c.rateLimited ?? 0), 0),
      servedOther: calls.filter((c) => c.servedModel !== undefined).length,
      escalationCostShare: costMicro ? escalationMicro / costMicro : 0,
    },
    context: {
      bytesBefore: before,
      bytesAfter: after,
      reduction: before ? 1 - after / before : 0,
      tokens: contextTokens(calls),
    },
    cache: cacheOf(calls),
    history: options.history ?? null,
    reliability,
    latencyPerCase: latency(
      sorted.filter((r) => r.latencySource !== "none").map((r) => r.latencyMs),
      sorted.filter((r) => r.latencySource !== "none").map((r) => r.latencySource),
    ),
    criticalFailures: sorted
      .filter((r) => r.critical && r.verdict !== "pass")
      .map((r) => ({ case: r.case, trial: r.trial, reason: r.reason ?? r.verdict })),
    judges: judgesOf(sorted),
    failures: sorted
      .filter((r) => r.verdict !== "pass")
      .map((r) => ({ case: r.case, trial: r.trial, verdict: r.verdict, reason: r.reason ?? "" })),
    provenance: { live, recorded, synthetic, basis, models: [...new Set(calls.map((c) => c.model))].sort() },
  };
}

/** Per model priced, the `from` dates of the rates that priced the calls, models and dates sorted. */
function ratesUsed(calls: readonly TrialResult["calls"][number][]): Record<string, string[]> {
  const used = new Map<string, Set<string>>();
  for (const c of calls) {
    if (!c.price) continue;
    const dates = used.get(c.price.model) ?? new Set<string>();
    dates.add(c.price.from ?? "always");
    used.set(c.price.model, dates);
  }
  return Object.fromEntries([...used.keys()].sort().map((model) => [model, [...used.get(model)!].sort()]));
}

function judgesOf(sorted: readonly TrialResult[]): JudgeSummary | null {
  const judged = sorted.flatMap((r) =>
    r.assertions.filter((a) => a.type === "rubric").map((a) => ({ r, a, judge: a.judge })),
  );
  if (judged.length === 0) return null;
  const tiers: Record<string, Set<string>> = {};
  for (const { judge } of judged) {
    if (!judge) continue;
    const set = tiers[judge.tier] ?? new Set<string>();
    tiers[judge.tier] = set;
    for (const m of judge.models) set.add(m);
  }
  const repeated = judged.filter(({ judge }) => judge && !judgeFailed(judge) && judge.verdicts.length > 1);
  const units = repeated.map(({ judge }) => judge!.verdicts);
  return {
    assertions: judged.length,
    errors: judged.filter(({ a }) => a.error).length,
    passed: judged.filter(({ a }) => a.pass).length,
    tiers: Object.fromEntries(
      Object.keys(tiers)
        .sort()
        .map((t) => [t, [...tiers[t]!].sort()]),
    ),
    trials: judged.reduce((n, { judge }) => Math.max(n, judge?.trials ?? 1), 1),
    costUsd: sorted.reduce((n, r) => n + r.judgeCostMicroUsd, 0) / 1e6,
    agreement: units.length ? units.reduce((n, u) => n + majorityShare(u), 0) / units.length : null,
    alpha: krippendorffAlphaNominal(units),
    unstable: repeated
      .filter(({ judge }) => judge!.unstable)
      .map(({ r, judge }) => ({
        case: r.case,
        trial: r.trial,
        profile: r.profile,
        tier: judge!.tier,
        verdicts: judge!.verdicts,
        scores: judge!.scores,
      })),
  };
}

/** A judge record whose repetitions did not all give a verdict (the assertion errored). */
const judgeFailed = (judge: { trials: number; verdicts: boolean[] }) => judge.verdicts.length < judge.trials;

/** Deviation kinds in contract order, so summaries compare and diff byte for byte. */
function sortKeys<T>(record: Partial_<Record<DeviationKind, T>>): Partial_<Record<DeviationKind, T>> {
  const out: Partial_<Record<DeviationKind, T>> = {};
  for (const kind of DEVIATION_KINDS) if (record[kind] !== undefined) out[kind] = record[kind];
  return out;
}

/** Context filtering in estimated tokens, over the calls the filter ran on, per agent and tier. */
function contextTokens(calls: readonly TrialResult["calls"][number][]): Summary["context"]["tokens"] {
  const withContext = calls.filter((c) => c.context);
  const filtered = withContext.filter((c) => c.context!.filtered);
  const before = filtered.reduce((n, c) => n + c.context!.tokensBefore, 0);
  const after = filtered.reduce((n, c) => n + c.context!.tokensAfter, 0);
  const saved = before - after;
  const prompt = filtered.reduce(
    (n, c) => n + c.usage.inputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens,
    0,
  );
  const groups = new Map<
    string,
    { agent: string; tier: string; calls: number; before: number; after: number }
  >();
  for (const c of filtered) {
    const key = `${c.agent}\0${c.tier}`;
    const g = groups.get(key) ?? { agent: c.agent, tier: c.tier, calls: 0, before: 0, after: 0 };
    g.calls += 1;
    g.before += c.context!.tokensBefore;
    g.after += c.context!.tokensAfter;
    groups.set(key, g);
  }
  return {
    basis: TOKEN_ESTIMATE_BASIS,
    filteredCalls: filtered.length,
    unfilteredCalls: withContext.length - filtered.length,
    before,
    after,
    saved,
    reduction: before > 0 ? 1 - after / before : null,
    promptShareSaved: prompt + saved > 0 && filtered.length > 0 ? saved / (prompt + saved) : null,
    byAgentTier: [...groups.values()]
      .map((g) => ({ ...g, reduction: g.before > 0 ? 1 - g.after / g.before : null }))
      .sort((a, b) => b.before - b.after - (a.before - a.after) || a.agent.localeCompare(b.agent)),
  };
}

/** Prompt caching over the run's calls: hit ratio per agent and tier, and writes nothing read. */
function cacheOf(calls: readonly TrialResult["calls"][number][]): Summary["cache"] {
  const promptOf = (c: TrialResult["calls"][number]) =>
    c.usage.inputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens;
  const byTier = new Map<string, Summary["cache"]["byAgentTier"][number]>();
  const byModel = new Map<string, { agent: string; model: string; read: number; write: number }>();
  for (const c of calls) {
    const key = `${c.agent}\0${c.tier}`;
    const g = byTier.get(key) ?? {
      agent: c.agent,
      tier: c.tier,
      calls: 0,
      promptTokens: 0,
      readTokens: 0,
      writeTokens: 0,
      hitRatio: null,
    };
    g.calls += 1;
    g.promptTokens += promptOf(c);
    g.readTokens += c.usage.cacheReadTokens;
    g.writeTokens += c.usage.cacheWriteTokens;
    byTier.set(key, g);
    const model = c.servedModel ?? c.model;
    const m = byModel.get(`${c.agent}\0${model}`) ?? { agent: c.agent, model, read: 0, write: 0 };
    m.read += c.usage.cacheReadTokens;
    m.write += c.usage.cacheWriteTokens;
    byModel.set(`${c.agent}\0${model}`, m);
  }
  const groups = [...byTier.values()].map((g) => ({
    ...g,
    hitRatio: g.promptTokens > 0 ? g.readTokens / g.promptTokens : null,
  }));
  const neverRead = [...byModel.values()]
    .filter((m) => m.write > 0 && m.read === 0)
    .map((m) => ({ agent: m.agent, model: m.model, writeTokens: m.write }))
    .sort((a, b) => b.writeTokens - a.writeTokens || a.agent.localeCompare(b.agent));
  const promptTokens = calls.reduce((n, c) => n + promptOf(c), 0);
  const readTokens = calls.reduce((n, c) => n + c.usage.cacheReadTokens, 0);
  return {
    promptTokens,
    readTokens,
    writeTokens: calls.reduce((n, c) => n + c.usage.cacheWriteTokens, 0),
    hitRatio: promptTokens > 0 ? readTokens / promptTokens : null,
    neverRead: { writeTokens: neverRead.reduce((n, g) => n + g.writeTokens, 0), groups: neverRead },
    byAgentTier: groups.sort((a, b) => b.promptTokens - a.promptTokens || a.agent.localeCompare(b.agent)),
  };
}
