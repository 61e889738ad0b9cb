import type { Assertion } from "../schema.js";
import { costBelow, latencyBelow, tokensBelow } from "./budget.js";
import {
  delegatedTo,
  escalated,
  fanOut,
  fellBack,
  maxCalls,
  maxDepth,
  noCycle,
  notDelegatedTo,
  tierUsed,
} from "./graph.js";
import { javascript, rubric } from "./judged.js";
import { blocked, compliant, errorCode, finding, messageType } from "./protocol.js";
import { contains, notContains, regex } from "./text.js";
import type { AssertionContext, AssertionResult, Evaluator } from "./types.js";

export { readVerdict } from "./judged.js";
export type { AssertionContext, AssertionResult, Judge, JudgeRecord } from "./types.js";

type Registry = { [T in Assertion["type"]]: Evaluator<T> };

/** Every assertion type, registered by name: the suite schema's list and this one must agree. */
export const ASSERTIONS: Registry = {
  contains,
  "not-contains": notContains,
  regex,
  "message-type": messageType,
  compliant,
  finding,
  "delegated-to": delegatedTo,
  "fan-out": fanOut,
  "not-delegated-to": notDelegatedTo,
  escalated,
  "fell-back": fellBack,
  "tier-used": tierUsed,
  "max-calls": maxCalls,
  "max-depth": maxDepth,
  "no-cycle": noCycle,
  "cost-below": costBelow,
  "tokens-below": tokensBelow,
  "latency-below": latencyBelow,
  blocked,
  "error-code": errorCode,
  rubric,
  javascript,
};

export async function evaluate(assertion: Assertion, context: AssertionContext): Promise<AssertionResult> {
  const evaluator = ASSERTIONS[assertion.type] as Evaluator<typeof assertion.type>;
  try {
    return await evaluator(assertion as never, context);
  } catch (err) {
    return {
      type: assertion.type,
      pass: false,
      reason: `assertion failed to run: ${(err as Error).message}`,
    };
  }
}
