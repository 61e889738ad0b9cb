import { textIn } from "./trace-view.js";
import { type Evaluator, result } from "./types.js";

export const contains: Evaluator<"contains"> = (a, { outcome }) => {
  const text = textIn(outcome, a.in);
  const found = a.ignoreCase ? text.toLowerCase().includes(a.value.toLowerCase()) : text.includes(a.value);
  return result(
    a.type,
    found,
    found
      ? `found "${a.value}" in the ${a.in}`
      : `"${a.value}" is not in the ${a.in === "final" ? "final message" : "trace"}`,
  );
};

export const notContains: Evaluator<"not-contains"> = (a, { outcome }) => {
  const text = textIn(outcome, a.in);
  const found = a.ignoreCase ? text.toLowerCase().includes(a.value.toLowerCase()) : text.includes(a.value);
  return result(
    a.type,
    !found,
    found
      ? `"${a.value}" appears in the ${a.in === "final" ? "final message" : "trace"}`
      : `"${a.value}" does not appear`,
  );
};

export const regex: Evaluator<"regex"> = (a, { outcome }) => {
  let re: RegExp;
  try {
    re = new RegExp(a.pattern, a.flags);
  } catch (err) {
    return result(a.type, false, `invalid pattern /${a.pattern}/: ${(err as Error).message}`);
  }
  const match = re.exec(textIn(outcome, a.in));
  return result(
    a.type,
    match !== null,
    match
      ? `/${a.pattern}/ matched "${match[0].slice(0, 60)}"`
      : `/${a.pattern}/ matched nothing in the ${a.in}`,
  );
};
