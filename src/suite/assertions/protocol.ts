import { callsOf, errorCodes, parsedMessages } from "./trace-view.js";
import { type Evaluator, result } from "./types.js";

export const messageType: Evaluator<"message-type"> = (a, { outcome }) => {
  const type = outcome.final.type;
  const detail =
    outcome.final.type === "error" ? ` (${outcome.final.code}: ${outcome.final.detail.slice(0, 80)})` : "";
  return result(
    a.type,
    type === a.value,
    type === a.value
      ? `final message is a ${type}`
      : `final message is a ${type}${detail}, expected ${a.value}`,
  );
};

/**
 * Strict compliance of every agent reply (a reply nothing could be read from counts, as not
 * compliant). No reply at all, or none that could be read, is no evidence: the assertion fails.
 */
export const compliant: Evaluator<"compliant"> = (a, { outcome }) => {
  const replies = callsOf(outcome).map((c) => ({ agent: c.agent, ...c.reply }));
  const ok = replies.filter((r) => r.compliant).length;
  const read = replies.filter((r) => r.read).length;
  const bad = replies.filter((r) => !r.compliant).map((r) => r.agent);
  if (replies.length === 0 || read === 0)
    return result(
      a.type,
      false,
      `no evidence: ${replies.length === 0 ? "no agent replied" : `none of ${replies.length} replies could be read`}`,
    );
  const rate = ok / replies.length;
  return result(
    a.type,
    rate >= a.min,
    `${ok}/${replies.length} agent replies compliant${bad.length ? ` (not: ${[...new Set(bad)].join(", ")})` : ""}, need ${Math.round(a.min * 100)}%`,
  );
};

export const finding: Evaluator<"finding"> = (a, { outcome }) => {
  const all = parsedMessages(outcome).flatMap((m) => (m.type === "result" ? m.findings : []));
  const matching = all.filter(
    (f) =>
      (!a.severity || f.severity === a.severity) &&
      (!a.cwe || f.cwe === a.cwe) &&
      (!a.file || f.file === a.file),
  );
  const wanted = [a.severity, a.cwe, a.file].filter(Boolean).join(" ") || "any";
  const seen = all
    .map((f) => [f.severity, f.cwe, f.file].filter(Boolean).join(" "))
    .slice(0, 4)
    .join("; ");
  return result(
    a.type,
    matching.length >= a.min,
    matching.length >= a.min
      ? `${matching.length} finding(s) match ${wanted}`
      : `need ${a.min} finding(s) matching ${wanted}, found ${matching.length}${all.length ? ` (seen: ${seen})` : " (no findings at all)"}`,
  );
};

export const errorCode: Evaluator<"error-code"> = (a, { outcome }) => {
  const codes = errorCodes(outcome);
  return result(
    a.type,
    codes.includes(a.value),
    codes.includes(a.value)
      ? `error ${a.value} raised`
      : `no ${a.value} error (codes seen: ${codes.join(", ") || "none"})`,
  );
};

export const blocked: Evaluator<"blocked"> = (a, { outcome }) => {
  const screening = outcome.trace.events.find((e) => e.kind === "screening" && e.verdict === "block");
  return result(
    a.type,
    screening !== undefined,
    screening ? "input screening (L1) blocked the request" : "input screening did not block the request",
  );
};
