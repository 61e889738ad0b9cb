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

/** Thrown when an input file cannot be used at all; carries every problem found in it. */
export class InputError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = problems;
  }
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
  return text;
}
