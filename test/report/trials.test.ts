import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareRuns, renderAbMarkdown } from "../../src/report/index.js";
import { compareTrials, studentTCdf, studentTQuantile } from "../../src/report/trials.js";
import { trial } from "../helpers/trials.js";

describe("Student's t", () => {
  it("matches the tables: t(0.975; 1, 3, 10, 30) = 12.7062, 3.1824, 2.2281, 2.0423", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706205, 5);
    expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.182446, 5);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
  });

  it("has the closed-form CDF at 3 degrees of freedom", () => {
    // F(t) = 1/2 + (1/pi) (u / (1 + u^2) + atan u), u = t / sqrt 3
    const closed = (t: number) => {
      const u = t / Math.sqrt(3);
      return 0.5 + (u / (1 + u * u) + Math.atan(u)) / Math.PI;
    };
    for (const t of [-4, -1.2, 0, 0.3674, 2, 7]) expect(studentTCdf(t, 3)).toBeCloseTo(closed(t), 10);
  });

  it("quantile and CDF invert each other", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (p, df) => {
          expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("K trials per case, against a hand computation", () => {
  // Four cases, three trials a side. d = s_B - s_A = -1/3, 0, 1/3, 0.
  const cases = [
    { id: "c1", a: { passes: 3, trials: 3 }, b: { passes: 2, trials: 3 } },
    { id: "c2", a: { passes: 2, trials: 3 }, b: { passes: 2, trials: 3 } },
    { id: "c3", a: { passes: 1, trials: 3 }, b: { passes: 2, trials: 3 } },
    { id: "c4", a: { passes: 3, trials: 3 }, b: { passes: 3, trials: 3 } },
  ];

  it("gives the paired Student-t interval, the t test and the NI p", () => {
    const r = compareTrials(cases, { margin: 0.05 });
    // mean 0; var(d) = (1/9 + 1/9) / 3 = 2/27; SE = sqrt(2/27 / 4) = 0.136083; t(0.975, 3) = 3.182446
    expect(r.diff).toBeCloseTo(0, 12);
    expect(r.se).toBeCloseTo(0.136083, 6);
    expect(r.df).toBe(3);
    expect(r.ci95[0]).toBeCloseTo(-0.433075, 5);
    expect(r.ci95[1]).toBeCloseTo(0.433075, 5);
    expect(r.test.p).toBeCloseTo(1, 12);
    // NI: t = 0.05 / 0.136083 = 0.367423; 1 - F3(0.367423) = 0.368848
    expect(r.test.niP).toBeCloseTo(0.368848, 5);
  });

  it("decomposes the variance and says how many cases or trials would decide", () => {
    const r = compareTrials(cases, { margin: 0.05 });
    // within: per side q(1 - q) K / (K - 1): 0 at q = 1, 1/3 at q = 1/3 or 2/3; cases 1/3, 2/3, 2/3, 0
    expect(r.variance.within).toBeCloseTo(5 / 12, 12);
    expect(r.variance.total).toBeCloseTo(2 / 27, 12);
    // between = max(0, 2/27 - (5/12) / 3) = 0
    expect(r.variance.between).toBe(0);
    // (1.959964 + 0.841621)^2 = 7.848861; 7.848861 * (2/27) / 0.05^2 = 232.56
    expect(r.casesNeeded).toBe(233);
    // 4 cases: K >= within / (n margin^2 / z - between) = 0.416667 / 0.00127406 = 327.04
    expect(r.trialsNeeded).toBe(328);
  });

  it("clusters the standard error when cases share a cluster, with Inspect's C / (C - 1)", () => {
    const clustered = cases.map((c, i) => ({ ...c, cluster: i < 2 ? "x" : "y" }));
    const r = compareTrials(clustered, { margin: 0.05 });
    // cluster sums of d - mean: -1/3 and 1/3; SE = sqrt(2/1 * 2/9) / 4 = 1/6; df = C - 1 = 1
    expect(r.clusters).toBe(2);
    expect(r.se).toBeCloseTo(1 / 6, 12);
    expect(r.df).toBe(1);
    expect(r.ci95[1]).toBeCloseTo(12.706205 / 6, 5);
  });

  it("says no number of trials decides when the between-case variance alone is too wide", () => {
    const spread = [
      { id: "a", a: { passes: 3, trials: 3 }, b: { passes: 0, trials: 3 } },
      { id: "b", a: { passes: 0, trials: 3 }, b: { passes: 3, trials: 3 } },
      { id: "c", a: { passes: 3, trials: 3 }, b: { passes: 2, trials: 3 } },
    ];
    const r = compareTrials(spread, { margin: 0.05 });
    expect(r.variance.between).toBeGreaterThan(0);
    expect(r.trialsNeeded).toBeNull();
    expect(r.casesNeeded).toBeGreaterThan(3);
  });
});

describe("orchestra ab with K trials per case", () => {
  const side = (profile: string, passes: Record<string, number>, cluster?: (id: string) => string) =>
    Object.entries(passes).flatMap(([id, c]) =>
      [1, 2, 3].map((t) => ({
        ...trial({
          case: id,
          profile,
          verdict: t <= c ? ("pass" as const) : ("fail" as const),
          calls: [{ agent: "a", tier: "haiku" }],
        }),
        trial: t,
        ...(cluster ? { cluster: cluster(id) } : {}),
      })),
    );

  it("uses the Student-t interval of the per-case shares, the paired t test, and the cases and trials needed", () => {
    const ab = compareRuns(
      side("all-sonnet", { c1: 3, c2: 2, c3: 1, c4: 3 }),
      side("three-tier", { c1: 2, c2: 2, c3: 2, c4: 3 }),
      { margin: 0.05 },
    );
    expect(ab.table).toBeNull();
    expect(ab.passRate.method).toMatch(/Student-t/);
    expect(ab.passRate.ci95[0]).toBeCloseTo(-0.433075, 5);
    expect(ab.verdict).toBe("inconclusive");
    expect(ab.casesNeeded).toBe(233);
    expect(ab.trials).toMatchObject({ perCase: 3, df: 3, clusters: null, trialsNeeded: 328 });
    expect(renderAbMarkdown(ab)).toMatch(/paired t test on per-case pass shares: t = 0\.00, p = 1\.000/);
  });

  it("clusters over the suite's declared clusters", () => {
    const cluster = (id: string) => (id === "c1" || id === "c2" ? "x" : "y");
    const ab = compareRuns(
      side("all-sonnet", { c1: 3, c2: 2, c3: 1, c4: 3 }, cluster),
      side("three-tier", { c1: 2, c2: 2, c3: 2, c4: 3 }, cluster),
      { margin: 0.05 },
    );
    expect(ab.trials).toMatchObject({ clusters: 2, df: 1 });
    expect(ab.trials!.se).toBeCloseTo(1 / 6, 12);
  });
});
