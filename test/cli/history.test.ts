import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orchestra } from "../helpers/cli.js";

const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("a run history (--history) and quarantine", () => {
  it("finds no flake in replays of the same recordings, then the case whose verdict flipped on them", () => {
    const dir = mkdtempSync(join(tmpdir(), "history-"));
    const history = join(dir, "history");
    for (const out of ["one", "two"]) {
      const r = orchestra(["run", "--filter", "ind-01", "--history", history, "--out", join(dir, out)]);
      expect(r.code, r.stderr).toBe(0);
    }
    const two = read(join(dir, "two", "summary.json")).history;
    expect(two).toMatchObject({ runs: 2, entries: 2, flaky: [], problems: [] });
    const lines = readFileSync(join(history, "history.jsonl"), "utf8").trim().split("\n");
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ case: "ind-01-jwt-decode", mode: "replay", verdict: "pass" });
    expect(first.basis).toMatch(/^recordings:[0-9a-f]{16}$/);

    // An earlier run on the same recordings that failed the case, and a line nothing can read.
    appendFileSync(
      join(history, "history.jsonl"),
      `${JSON.stringify({ ...first, run: "earlier", verdict: "fail" })}\n{oops\n`,
    );
    const r = orchestra(["run", "--filter", "ind-01", "--history", history, "--out", join(dir, "three")]);
    expect(r.stderr).toMatch(/history\.jsonl:4: not JSON; the line is skipped/);
    const three = read(join(dir, "three", "summary.json")).history;
    expect(three.flaky).toEqual([
      { case: "ind-01-jwt-decode", profile: "three-tier", basis: first.basis, runs: 4, passes: 3, fails: 1 },
    ]);
    expect(readFileSync(join(dir, "three", "report.md"), "utf8")).toMatch(
      /## Flaky across runs[\s\S]*\| ind-01-jwt-decode \| three-tier \|/,
    );
    // `orchestra report` re-renders the run folder to the same bytes: the history is the run's own.
    const before = readFileSync(join(dir, "three", "report.md"), "utf8");
    expect(orchestra(["report", join(dir, "three")]).code).toBe(0);
    expect(readFileSync(join(dir, "three", "report.md"), "utf8")).toBe(before);

    // certify --quarantine keeps the flaky case out of the gates and the A/B, and says so.
    const cert = orchestra([
      "certify",
      "suites/individual.yaml",
      "--history",
      history,
      "--quarantine",
      "--out",
      join(dir, "cert"),
    ]);
    expect(cert.stderr).toMatch(/quarantined \(flaky in .*\): ind-01-jwt-decode/);
    const ab = read(join(dir, "cert", "ab.json"));
    const all = orchestra(["certify", "suites/individual.yaml", "--out", join(dir, "cert-all")]);
    expect(all.code).toBe(1);
    expect(ab.pairedCases).toBe(read(join(dir, "cert-all", "ab.json")).pairedCases - 1);
    expect(readFileSync(join(dir, "cert", "report.md"), "utf8")).toMatch(/\*\*Quarantined\.\*\* 1 case\(s\)/);
  }, 120_000);

  it("refuses --quarantine without a history", () => {
    const r = orchestra(["certify", "--quarantine"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give --history DIR/);
  });
});
