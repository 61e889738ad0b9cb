import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Trace } from "../../orchestra/index.js";
import type { Message } from "../../protocol/index.js";
import { type AssertionResult, type Evaluator, result } from "./types.js";

const JUDGE_SYSTEM = [
  "You grade one answer of a multi-agent system against criteria.",
  'Reply with JSON only: {"score": <0..1>, "reason": "<one sentence>"}.',
].join("\n");

/** Graded by a judge model through the gateway (recorded like any call); its cost is kept apart. */
export const rubric: Evaluator<"rubric"> = async (a, { outcome, judge }) => {
  if (!judge) return result(a.type, false, "no judge model available in this run");
  const reply = await judge({
    system: JUDGE_SYSTEM,
    user: `Criteria:\n${a.criteria}\n\nAnswer:\n${outcome.finalXml}`,
    tier: a.judge,
  });
  const json = /\{[\s\S]*\}/.exec(reply.text)?.[0];
  let score = Number.NaN;
  let reason = "";
  try {
    const parsed = JSON.parse(json ?? "") as { score?: unknown; reason?: unknown };
    score = Number(parsed.score);
    reason = String(parsed.reason ?? "");
  } catch {
    // fall through: an unreadable verdict fails the assertion
  }
  const out: AssertionResult = Number.isFinite(score)
    ? result(a.type, score >= a.threshold, `judge score ${score} (threshold ${a.threshold}): ${reason}`)
    : result(a.type, false, `the judge's reply is not {"score", "reason"} JSON: ${reply.text.slice(0, 80)}`);
  out.judgeCostMicroUsd = reply.costMicroUsd;
  return out;
};

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
