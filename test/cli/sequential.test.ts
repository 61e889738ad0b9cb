import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orchestra } from "../helpers/cli.js";

describe("orchestra ab --until-decided", () => {
  it("runs the cases in rounds under both profiles, looking after each, and says what a fixed design needs", () => {
    const out = mkdtempSync(join(tmpdir(), "ab-seq-"));
    const r = orchestra([
      "ab",
      "--a",
      "all-sonnet",
      "--b",
      "three-tier",
      "--until-decided",
      "--round-size",
      "25",
      "--out",
      out,
    ]);
    expect(r.stderr).toMatch(/round: 25 case\(s\), 25 paired/);
    expect(r.stderr).toMatch(/round: 58 case\(s\), 58 paired/);
    const ab = JSON.parse(readFileSync(join(out, "ab.json"), "utf8"));
    expect(ab.sequential).toMatchObject({ roundSize: 25, casesRun: 58, casesAvailable: 58, decidedAt: null });
    expect(ab.sequential.looks.map((l: { n: number }) => l.n)).toEqual([25, 50, 58]);
    // The running intersection only narrows.
    const [first, , last] = ab.sequential.looks;
    expect(last.ci[1] - last.ci[0]).toBeLessThan(first.ci[1] - first.ci[0]);
    expect(ab.sequential.fixedDesignCases).toBe(ab.casesNeeded);
    // Each side's run folder holds every case once: later rounds resume it.
    const lines = readFileSync(join(out, "three-tier", "results.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(lines).toHaveLength(58);
    expect(r.stdout).toMatch(/## Sequential decision[\s\S]*Undecided after 58 of 58 case\(s\)/);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(
      /<dd id="sequential">undecided after 58 of 58 case\(s\)/,
    );
    expect(r.code).toBe(1);
  });

  it("stops at --max-cases, and refuses run folders", () => {
    const out = mkdtempSync(join(tmpdir(), "ab-seq-"));
    const r = orchestra([
      "ab",
      "--a",
      "all-sonnet",
      "--b",
      "three-tier",
      "--until-decided",
      "--max-cases",
      "12",
      "--out",
      out,
    ]);
    expect(JSON.parse(readFileSync(join(out, "ab.json"), "utf8")).sequential.casesRun).toBe(12);
    expect(r.code).toBe(1);
    const folder = orchestra(["ab", "--a", out, "--b", "three-tier", "--until-decided"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/give two profiles, not a run folder/);
  });
});
