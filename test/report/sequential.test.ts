import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/report/paired.js";
import { sequentialNonInferiority } from "../../src/report/sequential.js";

/** Per-case differences B - A of one-trial cases: -1 (only A passes), +1 (only B), 0 otherwise. */
function differences(n: number, onlyA: number, onlyB: number, random: () => number): number[] {
  return Array.from({ length: n }, () => {
    const u = random();
    return u < onlyA ? -1 : u < onlyA + onlyB ? 1 : 0;
  });
}

describe("sequential non-inferiority (a confidence sequence)", () => {
  it("never declares non-inferiority more often than alpha at the margin, though it looks after every case", () => {
    const random = seededRandom(7);
    const runs = 400;
    let wrong = 0;
    for (let r = 0; r < runs; r++) {
      // True difference exactly -5 points: H0's boundary. Discordance 15%.
      const d = differences(800, 0.1, 0.05, random);
      const s = sequentialNonInferiority(d, { margin: 0.05 });
      if (s.looks.some((l) => l.verdict === "non-inferior")) wrong++;
    }
    // alpha 0.025; with 400 runs the binomial 99% upper bound at 0.025 is about 0.047.
    expect(wrong / runs).toBeLessThanOrEqual(0.047);
  });

  it("decides a true non-inferiority, and its interval only shrinks", () => {
    const random = seededRandom(11);
    const d = differences(3000, 0.02, 0.02, random);
    const s = sequentialNonInferiority(d, { margin: 0.05, looks: [100, 500, 1000, 2000, 3000] });
    expect(s.looks.map((l) => l.n)).toEqual([100, 500, 1000, 2000, 3000]);
    for (let i = 1; i < s.looks.length; i++) {
      expect(s.looks[i]!.ci[0]).toBeGreaterThanOrEqual(s.looks[i - 1]!.ci[0]);
      expect(s.looks[i]!.ci[1]).toBeLessThanOrEqual(s.looks[i - 1]!.ci[1]);
    }
    expect(s.decidedAt?.verdict).toBe("non-inferior");
  });

  it("declares inferiority when B is clearly worse", () => {
    const d = differences(2000, 0.3, 0.02, seededRandom(3));
    expect(sequentialNonInferiority(d, { margin: 0.05 }).decidedAt?.verdict).toBe("inferior");
  });
});
