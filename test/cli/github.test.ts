import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { annotationLine } from "../../src/cli/github.js";
import { orchestra, repoRoot } from "../helpers/cli.js";

describe("GitHub Actions", () => {
  it("annotates a failed case at its line in its suite file, escaped as GitHub reads it", () => {
    const r = orchestra(
      ["run", "suites/missions.yaml", "--filter", "mis-15", "--out", mkdtempSync(join(tmpdir(), "gh-"))],
      {
        env: { GITHUB_ACTIONS: "true" },
      },
    );
    expect(r.code).toBe(1);
    const line = readFileSync(join(repoRoot, "suites/missions.yaml"), "utf8")
      .split("\n")
      .findIndex((l) => l.includes("id: mis-15-rotate-leaked-secret"));
    const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::error "));
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatch(
      new RegExp(
        `^::error file=suites/missions\\.yaml,line=${line + 1},title=Failed%3A mis-15-rotate-leaked-secret::`,
      ),
    );
    // Outside GitHub Actions, no workflow commands are printed.
    const plain = orchestra(
      ["run", "suites/missions.yaml", "--filter", "mis-15", "--out", mkdtempSync(join(tmpdir(), "gh-"))],
      {
        env: { GITHUB_ACTIONS: "" },
      },
    );
    expect(plain.stdout).not.toContain("::error");
  });

  it("escapes %, CR and LF in messages, and also : and , in properties", () => {
    expect(annotationLine({ file: "a:b,c.yaml", line: 3, title: "t: 1, 2", message: "100%\r\nnext" })).toBe(
      "::error file=a%3Ab%2Cc.yaml,line=3,title=t%3A 1%2C 2::100%25%0D%0Anext",
    );
  });

  it("appends each command's Markdown to the step summary, a failing one too", () => {
    const work = mkdtempSync(join(tmpdir(), "summary-"));
    const summary = join(work, "summary.md");
    writeFileSync(summary, "# before\n");
    const env = { GITHUB_STEP_SUMMARY: summary };
    expect(orchestra(["run", "suites/edge.yaml", "--out", join(work, "run")], { env }).code).toBe(0);
    expect(orchestra(["run", "suites/individual.yaml", "--out", join(work, "fail")], { env }).code).toBe(1);
    expect(orchestra(["diff", join(work, "run"), join(work, "run")], { env }).code).toBe(0);
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("# before\n")).toBe(true);
    expect(text).toContain("# Run: three-tier (replay)");
    expect(text).toMatch(/\| individual \| 15 \|/);
    expect(text).toContain("## Diff:");
  });
});

describe("orchestra diff", () => {
  it("of a run against itself is empty and exits 0; across profiles names what regressed and exits 1", () => {
    const work = mkdtempSync(join(tmpdir(), "diff-"));
    orchestra(["run", "suites/individual.yaml", "--out", join(work, "three")]);
    orchestra(["run", "suites/individual.yaml", "--profile", "all-sonnet", "--out", join(work, "sonnet")]);
    const self = orchestra(["diff", join(work, "three"), join(work, "three"), "--json"]);
    expect(self.code).toBe(0);
    const same = JSON.parse(self.stdout);
    expect(same.counts).toMatchObject({ regressed: 0, fixed: 0, new: 0, gone: 0, errored: 0 });
    expect(same.costDeltaUsd).toBe(0);
    const across = orchestra(["diff", join(work, "three"), join(work, "sonnet"), "--out", join(work, "d")]);
    expect(across.code).toBe(1);
    const d = JSON.parse(readFileSync(join(work, "d", "diff.json"), "utf8"));
    // all-sonnet misses the IDOR and the goroutine (ind-02, ind-04); three-tier's haiku misses ind-06.
    expect(
      d.cases
        .filter((c: { change: string }) => c.change === "regressed")
        .map((c: { case: string }) => c.case),
    ).toEqual(["ind-02-review-pagination-diff", "ind-04-go-concurrent-map"]);
    expect(
      d.cases.filter((c: { change: string }) => c.change === "fixed").map((c: { case: string }) => c.case),
    ).toEqual(["ind-06-pytest-billing-periods"]);
    expect(d.a.basis).toBe("synthetic");
    expect(across.stdout).toMatch(/\*\*2 regressed\*\*, 1 fixed/);
  });
});

describe("junit.xml", () => {
  it("times each trial by the harness's wall time, keeps the model latency as a property, and the tree in system-out", () => {
    const out = mkdtempSync(join(tmpdir(), "junit-"));
    orchestra([
      "run",
      "suites/demo.yaml",
      "suites/individual.yaml",
      "--filter",
      "demo-rate-limit",
      "--out",
      out,
    ]);
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    const trial = JSON.parse(readFileSync(join(out, "results.jsonl"), "utf8").split("\n")[0]!);
    expect(junit).toContain(`time="${(trial.durationMs / 1000).toFixed(3)}"`);
    expect(junit).toContain(`<property name="latencyMs" value="${trial.latencyMs}"/>`);
    expect(trial.latencyMs).toBeGreaterThan(10_000); // recorded model time of the mission
    expect(trial.durationMs).toBeLessThan(10_000); // what the replay took
    expect(junit).toMatch(
      /<system-out>tech-lead-orchestrator \[m1\][\s\S]*documentation-specialist \[m1\/t3\]/,
    );
  });
});
