import { callsOf, delegatedAgents, firstDelegations, messagesOf } from "./trace-view.js";
import { type Evaluator, result } from "./types.js";

/**
 * Who received tasks. `mode` (when given) decides; `exact: true` is the older spelling of
 * `mode: exact`. includes: at least these; exact: these and no others; subset: nobody outside
 * these, and someone; ordered: all of these, their first tasks in the order listed.
 */
export const delegatedTo: Evaluator<"delegated-to"> = (a, { outcome }) => {
  const mode = a.mode ?? (a.exact ? "exact" : "includes");
  const got = delegatedAgents(outcome);
  const missing = a.agents.filter((x) => !got.has(x));
  const extra = [...got].filter((x) => !a.agents.includes(x));
  const parts = [`delegated to: ${[...got].sort().join(", ") || "nobody"}`];
  let pass: boolean;
  if (mode === "subset") {
    pass = got.size > 0 && extra.length === 0;
    if (got.size === 0) parts.push("no task was handed out");
  } else {
    pass = missing.length === 0 && (mode !== "exact" || extra.length === 0);
    if (missing.length) parts.push(`missing: ${missing.join(", ")}`);
  }
  if ((mode === "exact" || mode === "subset") && extra.length) parts.push(`unexpected: ${extra.join(", ")}`);
  if (mode === "ordered" && missing.length === 0) {
    const order = firstDelegations(outcome).filter((x) => a.agents.includes(x));
    pass = order.every((x, i) => x === a.agents[i]);
    parts.push(
      `first tasks in the order ${order.join(" → ")}${pass ? "" : `, expected ${a.agents.join(" → ")}`}`,
    );
  }
  return result(a.type, pass, parts.join("; "));
};

/**
 * How many tasks an agent handed out, within `min` and `max`. A task re-sent (an escalation's
 * re-run one tier up carries the same task id) is one task.
 */
export const fanOut: Evaluator<"fan-out"> = (a, { outcome }) => {
  const byId = new Map(
    messagesOf(outcome)
      .filter((m) => m.type === "task-assignment" && m.from === a.agent)
      .map((m) => [m.id, m]),
  );
  const sent = [...byId.values()];
  const to = [...new Set(sent.map((m) => m.to))];
  const low = a.min === undefined || sent.length >= a.min;
  const high = a.max === undefined || sent.length <= a.max;
  const bounds = [
    a.min === undefined ? null : `at least ${a.min}`,
    a.max === undefined ? null : `at most ${a.max}`,
  ]
    .filter(Boolean)
    .join(" and ");
  return result(
    a.type,
    low && high,
    `${a.agent} handed out ${sent.length} task(s)${to.length ? ` (to ${to.join(", ")})` : ""}${low && high ? "" : `, expected ${bounds || "any number"}`}`,
  );
};

export const notDelegatedTo: Evaluator<"not-delegated-to"> = (a, { outcome }) => {
  const got = delegatedAgents(outcome);
  const wrong = a.agents.filter((x) => got.has(x));
  return result(
    a.type,
    wrong.length === 0,
    wrong.length ? `tasks went to ${wrong.join(", ")}` : `none of ${a.agents.join(", ")} received a task`,
  );
};

export const escalated: Evaluator<"escalated"> = (a, { outcome }) => {
  const events = outcome.trace.events.filter(
    (e) =>
      e.kind === "escalation" && (!a.agent || e.agent === a.agent) && (!a.toTier || e.toTier === a.toTier),
  );
  const what = [a.agent, a.toTier && `to ${a.toTier}`].filter(Boolean).join(" ") || "any agent";
  const pass = a.expected ? events.length > 0 : events.length === 0;
  const detail = events
    .map((e) =>
      e.kind === "escalation" ? `${e.agent} ${e.fromTier}→${e.toTier ?? "handoff"} (${e.reason})` : "",
    )
    .join("; ");
  return result(a.type, pass, events.length ? `escalated: ${detail}` : `no escalation of ${what}`);
};

export const fellBack: Evaluator<"fell-back"> = (a, { outcome }) => {
  const calls = callsOf(outcome).filter(
    (c) =>
      c.fellBackFrom.length > 0 &&
      (!a.agent || c.agent === a.agent) &&
      (!a.from || c.fellBackFrom.some((f) => f.model === a.from)),
  );
  const detail = calls
    .map(
      (c) => `${c.agent}: ${c.fellBackFrom.map((f) => `${f.model} (${f.reason})`).join(", ")} → ${c.model}`,
    )
    .join("; ");
  return result(
    a.type,
    calls.length > 0,
    calls.length
      ? `fell back: ${detail}`
      : `no fallback${a.agent ? ` for ${a.agent}` : ""}${a.from ? ` from ${a.from}` : ""}`,
  );
};

export const tierUsed: Evaluator<"tier-used"> = (a, { outcome }) => {
  const calls = callsOf(outcome).filter((c) => c.agent === a.agent);
  const answered = calls.at(-1);
  if (!answered) return result(a.type, false, `${a.agent} made no call`);
  const allowed = typeof a.tier === "string" ? [a.tier] : a.tier;
  const pass = allowed.includes(answered.tier);
  return result(
    a.type,
    pass,
    `${a.agent} answered on ${answered.tier} (${answered.model})${pass ? "" : `, expected ${allowed.join(" or ")}`}`,
  );
};

export const maxCalls: Evaluator<"max-calls"> = (a, { outcome }) => {
  const n = outcome.totals.calls;
  return result(a.type, n <= a.value, `${n} model call(s), limit ${a.value}`);
};

export const maxDepth: Evaluator<"max-depth"> = (a, { outcome }) => {
  const d = outcome.totals.maxDepth;
  return result(a.type, d <= a.value, `delegation depth ${d}, limit ${a.value}`);
};

/** No agent appears twice on one delegation path, and the orchestra reported no cycle. */
export const noCycle: Evaluator<"no-cycle"> = (a, { outcome }) => {
  const agentOf = new Map(
    messagesOf(outcome)
      .filter((m) => m.type === "task-assignment")
      .map((m) => [m.id, m.to]),
  );
  for (const id of agentOf.keys()) {
    const path: string[] = [];
    const parts = id.split("/");
    for (let i = 1; i <= parts.length; i++) path.push(agentOf.get(parts.slice(0, i).join("/")) ?? "?");
    const dup = path.find((x, i) => path.indexOf(x) !== i);
    if (dup) return result(a.type, false, `cycle through ${dup}: ${path.join(" -> ")}`);
  }
  const reported = outcome.trace.events.some((e) => e.kind === "error" && e.code === "DELEGATION_CYCLE");
  return result(
    a.type,
    !reported,
    reported ? "the orchestra rejected a delegation cycle" : "no delegation cycle",
  );
};
