import { describe, expect, it } from "vitest";
import {
  formatProblem,
  InputError,
  MAX_PROBLEM_LINE,
  MAX_PROBLEMS_PER_FILE,
  type Problem,
} from "../../src/shared/problem.js";

const many = (file: string, n: number): Problem[] =>
  Array.from({ length: n }, (_, i) => ({ file, line: i + 1, message: `problem ${i}` }));

describe("InputError", () => {
  it("keeps every problem, and prints at most MAX_PROBLEMS_PER_FILE of a file and a count of the rest", () => {
    const problems = [...many("a.yaml", 60), ...many("b.yaml", 3)];
    const err = new InputError(problems);
    expect(err.problems).toHaveLength(63);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(MAX_PROBLEMS_PER_FILE + 1 + 3);
    expect(lines[MAX_PROBLEMS_PER_FILE - 1]).toBe(`a.yaml:${MAX_PROBLEMS_PER_FILE}: problem 49`);
    expect(lines[MAX_PROBLEMS_PER_FILE]).toBe("a.yaml: and 10 more problem(s)");
    expect(lines.slice(-3)).toEqual(["b.yaml:1: problem 0", "b.yaml:2: problem 1", "b.yaml:3: problem 2"]);
  });

  it("prints exactly MAX_PROBLEMS_PER_FILE problems without a count line", () => {
    const err = new InputError(many("a.yaml", MAX_PROBLEMS_PER_FILE));
    expect(err.message.split("\n")).toHaveLength(MAX_PROBLEMS_PER_FILE);
    expect(err.message).not.toContain("more problem");
  });

  it("counts per file even when files' problems are interleaved, in the order given", () => {
    const problems = many("a.yaml", 55).flatMap((p, i) => [p, { file: "b.yaml", message: `b ${i}` }]);
    const lines = new InputError(problems).message.split("\n");
    expect(lines.filter((l) => l.startsWith("a.yaml:") && !l.includes("more"))).toHaveLength(50);
    expect(lines.filter((l) => l.startsWith("b.yaml:") && !l.includes("more"))).toHaveLength(50);
    expect(lines).toContain("a.yaml: and 5 more problem(s)");
    expect(lines).toContain("b.yaml: and 5 more problem(s)");
    expect(lines[0]).toBe("a.yaml:1: problem 0");
    expect(lines[1]).toBe("b.yaml: b 0");
  });
});

describe("formatProblem", () => {
  it("prints one line, whatever the message quotes", () => {
    const line = formatProblem({ file: "x.yaml", field: "f", message: 'unknown "a\nb\u001b[31m"' });
    expect(line).toBe('x.yaml: f: unknown "a\\nb\\u001b[31m"');
  });

  it("cuts a line past MAX_PROBLEM_LINE characters", () => {
    const line = formatProblem({ file: "x.yaml", message: `value ${"x".repeat(5_000_000)}` });
    expect(line.length).toBe(MAX_PROBLEM_LINE);
    expect(line.endsWith("…")).toBe(true);
  });

  it("keeps the documented shape", () => {
    expect(
      formatProblem({
        file: "a.md",
        line: 4,
        column: 8,
        field: "model",
        message: 'unknown model "gpt-5"',
        expected: "a tier",
        fix: "set it",
      }),
    ).toBe('a.md:4:8: model: unknown model "gpt-5" (expected a tier). Fix: set it');
  });
});
