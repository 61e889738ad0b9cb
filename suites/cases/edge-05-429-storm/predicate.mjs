// A `javascript` assertion: under a 429 storm every call still ends in an answer, at least one
// call needed retries (the storm was felt), and none had to leave its model (backoff sufficed).
export default function retriedWithoutFallback(trace) {
  const calls = trace.events.filter((e) => e.kind === "call");
  const retried = calls.filter((c) => c.attempts > 1);
  const fellBack = calls.filter((c) => c.fellBackFrom.length > 0);
  if (retried.length === 0) return { pass: false, reason: "no call was retried: the 429s never reached the gateway" };
  if (fellBack.length > 0) return { pass: false, reason: `${fellBack.map((c) => c.agent).join(", ")} fell back to another model` };
  return { pass: true, reason: `${retried.length} of ${calls.length} calls retried after 429 (up to ${Math.max(...retried.map((c) => c.attempts))} attempts), no fallback` };
}
