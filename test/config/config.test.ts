import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { InputError } from "../../src/shared/problem.js";

const valid = `version: 1
tiers:
  opus: { model: claude-opus-5-5 }
  sonnet: { model: claude-sonnet-5-5, fallback: [claude-sonnet-5] }
profiles:
  all-sonnet: { base: sonnet }
prices:
  source: test
  retrieved: "2026-11-25"
  batchDiscount: 0.5
  models:
    claude-opus-5-5: { input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.2 }
    claude-sonnet-5-5: { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.1 }
    claude-sonnet-5: { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 }
`;

function problemsOf(text: string) {
  try {
    parseConfig(text, "orchestra.config.yaml");
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  return [];
}

describe("orchestra.config.yaml", () => {
  it("loads tiers with fallbacks defaulted, profiles and policy defaults", () => {
    const config = parseConfig(valid, "c.yaml");
    expect(config.tiers.opus).toEqual({ model: "claude-opus-5-5", fallback: [] });
    expect(config.profiles["all-sonnet"]).toEqual({ base: "sonnet", overrides: {} });
    expect(config.policy).toEqual({ tierCounts: {}, roleTiers: {}, explicitModel: true });
  });

  it("points at the line of a wrong type", () => {
    const problems = problemsOf(valid.replace("claude-opus-5-5", "[1, 2]"));
    expect(problems).toMatchObject([{ line: 3, field: "tiers.opus.model", expected: "string" }]);
  });

  it("rejects a profile naming an unknown tier, at its line", () => {
    const problems = problemsOf(valid.replace("profiles:\n", "profiles:\n  cheap: { base: haiku }\n"));
    expect(problems).toMatchObject([
      { line: 6, field: "profiles.cheap.base", message: 'unknown tier "haiku"' },
    ]);
  });

  it("reports YAML syntax errors with a position", () => {
    const problems = problemsOf("version: 1\ntiers: [\n");
    expect(problems[0]).toMatchObject({
      file: "orchestra.config.yaml",
      message: expect.stringMatching(/invalid YAML/),
    });
    expect(problems[0]?.line).toBeGreaterThan(0);
  });

  it("rejects unknown keys so a typo is not silently ignored", () => {
    const problems = problemsOf(`${valid}polcy: {}\n`);
    expect(problems[0]).toMatchObject({ message: expect.stringMatching(/[Uu]nrecognized key/) });
  });
});
