import { errorCodes, messagesOf, parsedMessages } from "./trace-view.js";
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

export const compliant: Evaluator<"compliant"> = (a, { outcome }) => {
  const agentMessages = messagesOf(outcome).filter((m) => m.compliant !== undefined);
  const ok = agentMessages.filter((m) => m.compliant).length;
  const rate = agentMessages.length === 0 ? 1 : ok / agentMessages.length;
  const bad = agentMessages.filter((m) => !m.compliant).map((m) => m.from);
  return result(
    a.type,
    rate >= a.min,
    `${ok}/${agentMessages.length} agent messages compliant${bad.length ? ` (not: ${[...new Set(bad)].join(", ")})` : ""}, need ${Math.round(a.min * 100)}%`,
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
