import { callsOf, delegatedAgents, messagesOf } from "./trace-view.js";
import { type Evaluator, result } from "./types.js";

export const delegatedTo: Evaluator<"delegated-to"> = (a, { outcome }) => {
  const got = delegatedAgents(outcome);
  const missing = a.agents.filter((x) => !got.has(x));
  const extra = [...got].filter((x) => !a.agents.includes(x));
  const pass = missing.length === 0 && (!a.exact || extra.length === 0);
  const parts = [`delegated to: ${[...got].sort().join(", ") || "nobody"}`];
  if (missing.length) parts.push(`missing: ${missing.join(", ")}`);
  if (a.exact && extra.length) parts.push(`unexpected: ${extra.join(", ")}`);
  return result(a.type, pass, parts.join("; "));
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
