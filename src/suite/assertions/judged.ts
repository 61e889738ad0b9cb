import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Trace } from "../../orchestra/index.js";
import type { Message } from "../../protocol/index.js";
import { type AssertionResult, type Evaluator, type JudgeRecord, result } from "./types.js";

const JUDGE_SYSTEM = [
  "You grade one answer of a multi-agent system against criteria.",
  'Reply with JSON only: {"score": <0..1>, "reason": "<one sentence>"}.',
].join("\n");

/** One repetition's reading of the judge's reply: a score in 0..1 and its reason, or nothing. */
export function readVerdict(text: string): { score: number; reason: string } | undefined {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  try {
    const parsed = JSON.parse(json ?? "") as { score?: unknown; reason?: unknown };
    const score = typeof parsed.score === "number" ? parsed.score : Number.NaN;
    if (!Number.isFinite(score) || score < 0 || score > 1) return undefined;
    return { score, reason: typeof parsed.reason === "string" ? parsed.reason : "" };
  } catch {
    return undefined;
  }
}

/**
 * Graded by a judge model through the gateway (recorded like any call); its cost is kept apart.
 * With `judgeTrials` N the judge is asked N times on the same input: the verdict is the majority's
 * (a tie goes by the mean score), and the record says how far the repetitions agreed. A judge that
 * fails (the call errors, or a reply is not a readable score) makes the assertion unevaluated
 * (`error`), never a failed one: the trial is an error, not a fail.
 */
export const rubric: Evaluator<"rubric"> = async (a, { outcome, judge, judgeTrials }) => {
  const trials = Math.max(1, Math.floor(judgeTrials ?? 1));
  const record: JudgeRecord = {
    tier: a.judge,
    models: [],
    trials,
    verdicts: [],
    scores: [],
    agreement: 1,
    unstable: false,
  };
  const unevaluated = (reason: string, cost: number): AssertionResult => ({
    ...result(a.type, false, reason),
    error: true,
    judgeCostMicroUsd: cost,
    judge: record,
  });
  if (!judge) return unevaluated(`judge ${a.judge}: no judge model available in this run`, 0);
  const prompt = {
    system: JUDGE_SYSTEM,
    user: `Criteria:\n${a.criteria}\n\nAnswer:\n${outcome.finalXml}`,
    tier: a.judge,
  };
  let cost = 0;
  const reasons: string[] = [];
  for (let i = 1; i <= trials; i++) {
    const of = trials > 1 ? ` (repetition ${i} of ${trials})` : "";
    let reply: Awaited<ReturnType<typeof judge>>;
    try {
      reply = await judge(prompt);
    } catch (err) {
      const first = ((err as Error).message ?? String(err)).split("\n")[0];
      return unevaluated(`judge ${a.judge}${named(record)} failed${of}: ${first}`, cost);
    }
    cost += reply.costMicroUsd;
    if (!record.models.includes(reply.model)) record.models.push(reply.model);
    const read = readVerdict(reply.text);
    if (!read)
      return unevaluated(
        `judge ${a.judge} (${reply.model})${of}: its reply is not {"score": 0..1, "reason"} JSON: ${JSON.stringify(reply.text.slice(0, 80))}`,
        cost,
      );
    record.scores.push(read.score);
    record.verdicts.push(read.score >= a.threshold);
    reasons.push(read.reason);
  }
  const passes = record.verdicts.filter(Boolean).length;
  const mean = record.scores.reduce((n, x) => n + x, 0) / trials;
  const pass = passes * 2 === trials ? mean >= a.threshold : passes * 2 > trials;
  record.agreement = Math.max(passes, trials - passes) / trials;
  record.unstable = passes > 0 && passes < trials;
  const by = `judge ${a.judge} (${record.models.join(", ")})`;
  const reason =
    trials === 1
      ? `${by} score ${record.scores[0]} (threshold ${a.threshold}): ${reasons[0]}`
      : `${by} x${trials}: scores ${record.scores.join(", ")} (threshold ${a.threshold}), ${passes}/${trials} pass, agreement ${Math.round(record.agreement * 100)}%${record.unstable ? ", UNSTABLE" : ""}: ${reasons[record.verdicts.indexOf(pass)] ?? reasons[0]}`;
  return { ...result(a.type, pass, reason), judgeCostMicroUsd: cost, judge: record };
};

const named = (record: JudgeRecord) => (record.models.length ? ` (${record.models.join(", ")})` : "");

type Predicate = (
  trace: Trace,
  final: Message,
) => boolean | { pass: boolean; reason?: string } | Promise<boolean | { pass: boolean; reason?: string }>;

/** A user's own check: an ES module exporting a predicate over the trace and the final message. */
export const javascript: Evaluator<"javascript"> = async (a, { outcome, dir }) => {
  const file = resolve(dir, a.module);
  let fn: unknown;
  try {
    fn = ((await import(pathToFileURL(file).href)) as Record<string, unknown>)[a.export];
  } catch (err) {
    return result(a.type, false, `cannot import ${a.module}: ${(err as Error).message}`);
  }
  if (typeof fn !== "function")
    return result(a.type, false, `${a.module} has no function export "${a.export}"`);
  const verdict = await (fn as Predicate)(outcome.trace, outcome.final);
  if (typeof verdict === "boolean")
    return result(a.type, verdict, `${a.module}#${a.export} returned ${verdict}`);
  return result(
    a.type,
    verdict.pass,
    verdict.reason ?? `${a.module}#${a.export} returned pass=${verdict.pass}`,
  );
};
