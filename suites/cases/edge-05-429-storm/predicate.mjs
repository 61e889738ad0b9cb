// A `javascript` assertion: under a 429 storm every call still ends in an answer, at least one
// call waited out 429s (the storm was felt), and none left its model (a rate limit is not an
// outage: the gateway waits and asks the same model again).
export default function waitedWithoutFallback(trace) {
  const calls = trace.events.filter((e) => e.kind === "call");
  const waited = calls.filter((c) => (c.rateLimited ?? 0) > 0);
  const fellBack = calls.filter((c) => c.fellBackFrom.length > 0);
  if (waited.length === 0) return { pass: false, reason: "no call met a 429: the storm never reached the gateway" };
  if (fellBack.length > 0) return { pass: false, reason: `${fellBack.map((c) => c.agent).join(", ")} fell back to another model` };
  return {
    pass: true,
    reason: `${waited.length} of ${calls.length} calls waited out ${waited.reduce((n, c) => n + c.rateLimited, 0)} 429(s) on their own model, no fallback`,
  };
}
