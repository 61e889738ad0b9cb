/**
 * A problem found in a user's input file. Every loader in the project reports problems in this one
 * shape so that the CLI can print them the same way: where (file, line, column, field), what was
 * expected, and how to fix it.
 */
export interface Problem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `tiers.opus.model` or `policy.tierCounts`. */
  field?: string;
  message: string;
  expected?: string;
  fix?: string;
}

/**
 * Problems printed per file. A generated or corrupted file can have thousands; past the first few
 * dozen they repeat one mistake, and printing them all buried the useful lines under megabytes.
 * Loaders also compute line and column for this many problems of a file only.
 */
export const MAX_PROBLEMS_PER_FILE = 50;

/** Longest line one problem prints: messages quote the user's values, which can be any length. */
export const MAX_PROBLEM_LINE = 1000;

/**
 * Thrown when an input file cannot be used at all. `problems` has every problem found; the message
 * (what the CLI prints) has at most MAX_PROBLEMS_PER_FILE of each file and a count of the rest.
 */
export class InputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.name = "InputError";
    this.problems = problems;
  }
}

/**
 * One line per problem, in the order given, at most `perFile` of each file; after a file's last
 * printed problem, the line `FILE: and N more problem(s)`.
 */
export function formatProblems(problems: readonly Problem[], perFile = MAX_PROBLEMS_PER_FILE): string {
  const total = new Map<string, number>();
  for (const p of problems) total.set(p.file, (total.get(p.file) ?? 0) + 1);
  const shown = new Map<string, number>();
  const lines: string[] = [];
  for (const p of problems) {
    const n = (shown.get(p.file) ?? 0) + 1;
    shown.set(p.file, n);
    if (n > perFile) continue;
    lines.push(formatProblem(p));
    const rest = (total.get(p.file) ?? 0) - perFile;
    if (n === perFile && rest > 0)
      lines.push(formatProblem({ file: p.file, message: `and ${rest} more problem(s)` }));
  }
  return lines.join("\n");
}

/** `file:line:column: field: message (expected ...) fix: ...` on one line. */
export function formatProblem(p: Problem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  const parts = [`${where}:`];
  if (p.field) parts.push(`${p.field}:`);
  parts.push(p.message);
  if (p.expected) parts.push(`(expected ${p.expected})`);
  let text = parts.join(" ");
  if (p.fix) text += `. Fix: ${p.fix}`;
  return oneLine(text, MAX_PROBLEM_LINE);
}

/**
 * `text` made safe to print as one terminal line: control characters (a newline in a quoted value,
 * escape sequences from a binary file) escaped, and anything past `max` characters cut.
 */
export function oneLine(text: string, max: number): string {
  // Escaping only lengthens, so the first `max` characters are all that can be printed.
  const head = text.length > max ? text.slice(0, max) : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  const safe = head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  if (safe.length <= max && head === text) return safe;
  // Never cut a surrogate pair in two: half of one prints as garbage.
  let cut = Math.min(safe.length, max - 1);
  const code = safe.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${safe.slice(0, cut)}…`;
}
