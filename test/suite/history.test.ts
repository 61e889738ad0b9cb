import { describe, expect, it } from "vitest";
import { flakyCases, type HistoryEntry } from "../../src/suite/index.js";

const entry = (run: string, verdict: HistoryEntry["verdict"], basis = "recordings:aaaa"): HistoryEntry => ({
  run,
  at: "2026-12-01T00:00:00.000Z",
  case: "c",
  profile: "three-tier",
  trial: 1,
  mode: "replay",
  verdict,
  basis,
});

describe("flaky cases of a run history", () => {
  it("is a case that passed and failed on the same basis", () => {
    expect(flakyCases([entry("r1", "pass"), entry("r2", "fail")])).toEqual([
      { case: "c", profile: "three-tier", basis: "recordings:aaaa", runs: 2, passes: 1, fails: 1 },
    ]);
  });

  it("is not a verdict that changed with the recordings, nor an outage", () => {
    expect(flakyCases([entry("r1", "pass"), entry("r2", "fail", "recordings:bbbb")])).toEqual([]);
    expect(flakyCases([entry("r1", "pass"), entry("r2", "error")])).toEqual([]);
  });
});
