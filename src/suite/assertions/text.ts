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

/**
 * Compiled patterns, by pattern and flags: a case's regex assertions are compiled once, not once
 * per trial (a `new RegExp` per trial was 6% of a large replay). Bounded: a suite has few patterns.
 */
const compiled = new Map<string, RegExp | Error>();

function compile(pattern: string, flags: string | undefined): RegExp | Error {
  const key = `${flags ?? ""}/${pattern}`;
  let re = compiled.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, flags);
    } catch (err) {
      re = err as Error;
    }
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(key, re);
  }
  // A shared /g or /y pattern keeps its lastIndex between uses: every evaluation starts at 0.
  if (re instanceof RegExp) re.lastIndex = 0;
  return re;
}

export const regex: Evaluator<"regex"> = (a, { outcome }) => {
  const re = compile(a.pattern, a.flags);
  if (re instanceof Error) return result(a.type, false, `invalid pattern /${a.pattern}/: ${re.message}`);
  const match = re.exec(textIn(outcome, a.in));
  return result(
    a.type,
    match !== null,
    match
      ? `/${a.pattern}/ matched "${match[0].slice(0, 60)}"`
      : `/${a.pattern}/ matched nothing in the ${a.in}`,
  );
};
