import { formatProblem, type Problem } from "../shared/problem.js";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

export function printProblems(output: Output, problems: readonly Problem[], heading = "Problems"): void {
  if (problems.length === 0) return;
  output.out(`\n${heading} (${problems.length}):`);
  for (const problem of problems) output.out(`  ${formatProblem(problem)}`);
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
