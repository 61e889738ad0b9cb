import { describe, expect, it } from "vitest";
import { krippendorffAlphaNominal, majorityShare } from "../../src/report/agreement.js";

describe("judge agreement", () => {
  it("computes Krippendorff's alpha (nominal) as by hand", () => {
    // Four units, three repetitions each (P pass, F fail): PPP, PPF, FFF, PPP.
    // Coincidences, each unit adding pairs / (m - 1) = pairs / 2:
    //   PPP: o_PP += 3*2/2 = 3 (twice: 6); PPF: o_PP += 2*1/2 = 1, o_PF = o_FP += 2*1/2 = 1;
    //   FFF: o_FF += 3. So o_PP = 7, o_FF = 3, o_PF = o_FP = 1; n_P = 8, n_F = 4, n = 12.
    // alpha = 1 - (n - 1) * (o_PF + o_FP) / (n_P n_F + n_F n_P) = 1 - 11 * 2 / 64 = 42/64 = 0.65625.
    const P = true;
    const F = false;
    const alpha = krippendorffAlphaNominal([
      [P, P, P],
      [P, P, F],
      [F, F, F],
      [P, P, P],
    ]);
    expect(alpha).toBeCloseTo(0.65625, 10);
  });

  it("is 1 for perfect agreement with variation, undefined (null) without variation", () => {
    expect(
      krippendorffAlphaNominal([
        ["pass", "pass"],
        ["fail", "fail"],
      ]),
    ).toBe(1);
    expect(
      krippendorffAlphaNominal([
        ["pass", "pass"],
        ["pass", "pass"],
      ]),
    ).toBeNull();
    expect(krippendorffAlphaNominal([["pass"]])).toBeNull();
    expect(krippendorffAlphaNominal([])).toBeNull();
  });

  it("falls below zero when disagreement exceeds chance", () => {
    // PF, PF: o_PF = o_FP = 2, n_P = n_F = 2, n = 4: alpha = 1 - 3 * 4 / 8 = -0.5.
    expect(
      krippendorffAlphaNominal([
        [true, false],
        [true, false],
      ]),
    ).toBeCloseTo(-0.5, 10);
  });

  it("gives the majority's share of a unit", () => {
    expect(majorityShare([true, true, false])).toBeCloseTo(2 / 3, 10);
    expect(majorityShare([true, true, true])).toBe(1);
    expect(majorityShare([])).toBe(1);
  });
});
