import { formatUsd } from "../../models/index.js";
import { type Evaluator, result } from "./types.js";

export const costBelow: Evaluator<"cost-below"> = (a, { outcome }) => {
  const micro = outcome.totals.costMicroUsd;
  return result(a.type, micro < a.usd * 1e6, `cost ${formatUsd(micro)}, limit $${a.usd}`);
};

export const tokensBelow: Evaluator<"tokens-below"> = (a, { outcome }) => {
  const u = outcome.totals.usage;
  const n = u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  return result(a.type, n < a.value, `${n} tokens, limit ${a.value}`);
};

/** Recorded latency is not evidence of today's latency: it passes only when the case says so. */
export const latencyBelow: Evaluator<"latency-below"> = (a, { outcome }) => {
  const calls = outcome.trace.events.filter((e) => e.kind === "call");
  const recorded = calls.some((c) => c.kind === "call" && c.latencySource === "recorded");
  const ms = outcome.criticalPathMs;
  if (recorded && !a.allowRecorded) {
    return result(
      a.type,
      false,
      `latency ${Math.round(ms)} ms is recorded (replay), not measured: refusing to pass; set allowRecorded: true to accept it`,
    );
  }
  return result(
    a.type,
    ms < a.ms,
    `latency ${Math.round(ms)} ms${recorded ? " (recorded)" : ""}, limit ${a.ms} ms`,
  );
};
