import { describe, expect, it } from "vitest";
import {
  casesNeeded,
  costReduction,
  mcnemarExact,
  newcombeInterval,
  niVerdict,
  normalQuantile,
  type PairedTable,
  seededRandom,
  tangoInterval,
  tangoZ,
} from "../../src/report/paired.js";
import { passAtK, passHatK, percentile, wilson } from "../../src/report/stats.js";

// The methods sheet's worked example (../shared/methods/statistics.md §7): n = 50, a=45 b=3 c=1 d=1.
const worked: PairedTable = { a: 45, b: 3, c: 1, d: 1 };
const round3 = ([lo, hi]: [number, number]) => [Number(lo.toFixed(3)), Number(hi.toFixed(3))];

describe("the worked example of the methods sheet, to 3 decimals", () => {
  it("Wilson 95% for A (48/50) and B (46/50), as worked.py prints them", () => {
    // The sheet's table shows B's upper bound as 0.969: worked.py prints 0.9685, which is 0.968450...
    const round4 = ([lo, hi]: [number, number]) => [Number(lo.toFixed(4)), Number(hi.toFixed(4))];
    expect(round4(wilson(48, 50))).toEqual([0.8654, 0.989]);
    expect(round4(wilson(46, 50))).toEqual([0.8116, 0.9685]);
  });

  it("Tango 95% [-0.146, 0.054] and 90% [-0.125, 0.034]; NI Z = -0.245", () => {
    expect(round3(tangoInterval(worked, 0.025))).toEqual([-0.146, 0.054]);
    expect(round3(tangoInterval(worked, 0.05))).toEqual([-0.125, 0.034]);
    expect(tangoZ(worked, 0.05).toFixed(3)).toBe("-0.245");
  });

  it("Tango reproduces the Fagerland et al. airway interval [-0.517, -0.026]", () => {
    // Tango's airway hyper-responsiveness data: a=1 b=1 c=7 d=12 (n=21). The published interval is
    // for pA - pB; ours is for pB - pA, so it is the same interval negated.
    const [lo, hi] = tangoInterval({ a: 1, b: 1, c: 7, d: 12 }, 0.025);
    expect(round3([-hi, -lo])).toEqual([-0.517, -0.026]);
  });

  it("Newcombe-10 95% [-0.149, 0.061]", () => {
    expect(round3(newcombeInterval(worked, 0.025))).toEqual([-0.149, 0.061]);
  });

  it("McNemar exact p = 0.625 for 1 of 4 discordant pairs", () => {
    expect(mcnemarExact(worked).toFixed(3)).toBe("0.625");
  });

  it("verdict inconclusive at a 5-point margin", () => {
    expect(niVerdict(tangoInterval(worked), 0.05)).toBe("inconclusive");
  });

  it("cases needed: about 198 at alpha 0.05 and 252 at 0.025 (psi = 0.08, true delta 0)", () => {
    expect(casesNeeded(worked, 0.05, { alphaOneSided: 0.05 })).toBe(198);
    expect(casesNeeded(worked, 0.05, { alphaOneSided: 0.025 })).toBe(252);
    expect(casesNeeded(worked, 0.05, { alphaOneSided: 0.025, trueDelta: -0.02 })).toBe(695);
  });

  it("cases needed without a discordant pair: the fewest concordant cases whose interval clears the margin", () => {
    const n = casesNeeded({ a: 53, b: 0, c: 0, d: 5 }, 0.05)!;
    expect(n).toBeGreaterThan(58);
    expect(niVerdict(tangoInterval({ a: n, b: 0, c: 0, d: 0 }), 0.05)).toBe("non-inferior");
    expect(niVerdict(tangoInterval({ a: n - 1, b: 0, c: 0, d: 0 }), 0.05)).toBe("inconclusive");
    // A wider margin needs fewer; a pilot with discordant pairs never needs fewer than none.
    expect(casesNeeded({ a: 53, b: 0, c: 0, d: 5 }, 0.1)!).toBeLessThan(n);
    expect(casesNeeded({ a: 52, b: 1, c: 0, d: 5 }, 0.05)!).toBeGreaterThanOrEqual(n);
    expect(casesNeeded({ a: 49, b: 3, c: 2, d: 4 }, 0.05)!).toBeGreaterThan(n);
  });

  it("pass@k and pass^k: n=5 c=4 k=3 -> 1.0 and 0.4; c=3 k=2 -> 0.9 and 0.3", () => {
    expect(passAtK(5, 4, 3)).toBeCloseTo(1, 10);
    expect(passHatK(5, 4, 3)).toBeCloseTo(0.4, 10);
    expect(passAtK(5, 3, 2)).toBeCloseTo(0.9, 10);
    expect(passHatK(5, 3, 2)).toBeCloseTo(0.3, 10);
  });

  it("type-7 percentiles match numpy's linear method", () => {
    const lat = [1.2, 1.4, 1.5, 1.7, 2.0, 2.2, 2.9, 3.5, 4.1, 9.8];
    expect(percentile(lat, 0.5)).toBeCloseTo(2.1, 10);
    expect(percentile(lat, 0.9)).toBeCloseTo(4.67, 10);
    expect(percentile(lat, 0.95)).toBeCloseTo(7.235, 10);
  });

  it("normal quantiles", () => {
    expect(normalQuantile(0.975).toFixed(6)).toBe("1.959964");
    expect(normalQuantile(0.8).toFixed(6)).toBe("0.841621");
  });
});

describe("McNemar against known tables", () => {
  it("gives exact binomial p-values", () => {
    expect(mcnemarExact({ a: 10, b: 0, c: 0, d: 10 })).toBe(1);
    expect(mcnemarExact({ a: 0, b: 10, c: 0, d: 0 }).toFixed(6)).toBe((2 / 1024).toFixed(6));
    expect(mcnemarExact({ a: 0, b: 6, c: 1, d: 0 }).toFixed(4)).toBe("0.1250");
  });
});

describe("non-inferiority on constructed cases", () => {
  it("clearly non-inferior, clearly inferior, inconclusive", () => {
    expect(niVerdict(tangoInterval({ a: 480, b: 5, c: 6, d: 9 }), 0.05)).toBe("non-inferior");
    expect(niVerdict(tangoInterval({ a: 300, b: 150, c: 10, d: 40 }), 0.05)).toBe("inferior");
    expect(niVerdict(tangoInterval({ a: 20, b: 2, c: 1, d: 2 }), 0.05)).toBe("inconclusive");
  });
});

describe("interval coverage by seeded simulation", () => {
  // Paired binary data with a known true difference: cell probabilities (pa, pb, pc, pd).
  function coverage(n: number, cells: [number, number, number, number], sets = 2000, seed = 7): number {
    const random = seededRandom(seed);
    const trueDelta = cells[2] - cells[1];
    let covered = 0;
    for (let s = 0; s < sets; s++) {
      const t = { a: 0, b: 0, c: 0, d: 0 };
      for (let i = 0; i < n; i++) {
        const u = random();
        if (u < cells[0]) t.a++;
        else if (u < cells[0] + cells[1]) t.b++;
        else if (u < cells[0] + cells[1] + cells[2]) t.c++;
        else t.d++;
      }
      const [lo, hi] = tangoInterval(t);
      if (lo <= trueDelta && trueDelta <= hi) covered++;
    }
    return covered / sets;
  }

  it("Tango 95% covers the true difference 93-97% of the time at n = 50", () => {
    const c = coverage(50, [0.8, 0.08, 0.04, 0.08]);
    expect(c).toBeGreaterThanOrEqual(0.93);
    expect(c).toBeLessThanOrEqual(0.97);
  });

  it("and at n = 500", () => {
    const c = coverage(500, [0.85, 0.06, 0.04, 0.05]);
    expect(c).toBeGreaterThanOrEqual(0.93);
    expect(c).toBeLessThanOrEqual(0.97);
  });
});

describe("cost reduction", () => {
  it("is 1 - sum(B)/sum(A), with a reproducible paired bootstrap interval around it", () => {
    const pairs = Array.from({ length: 40 }, (_, i) => ({ a: 100 + (i % 7) * 10, b: 30 + (i % 5) * 5 }));
    const first = costReduction(pairs, 2000, 3);
    expect(first.reduction).toBeCloseTo(
      1 - pairs.reduce((s, p) => s + p.b, 0) / pairs.reduce((s, p) => s + p.a, 0),
      12,
    );
    expect(first.ci95[0]).toBeLessThan(first.reduction);
    expect(first.ci95[1]).toBeGreaterThan(first.reduction);
    expect(costReduction(pairs, 2000, 3)).toEqual(first);
  });
});
