/**
 * Sequential non-inferiority: a confidence sequence for the mean per-case difference B - A, valid
 * at every look (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting",
 * JRSS-B 2024, the predictable plug-in empirical-Bernstein sequence, §3.2; running intersection).
 * An A/B may look after every round of cases and stop at the first interval that clears the margin
 * (or falls below it): the chance that it ever wrongly declares non-inferiority stays at most alpha,
 * however often it looks. Each case's difference d in [-1, 1] (per-case shares) is mapped to
 * x = (d + 1) / 2 in [0, 1]; the sequence's bounds map back.
 */

export interface SequentialLook {
  /** Cases seen at this look. */
  n: number;
  /** The running-intersection confidence interval for the mean difference B - A. */
  ci: [number, number];
  verdict: "non-inferior" | "inferior" | "undecided";
}

export interface SequentialResult {
  looks: SequentialLook[];
  /** The first look that decided, or null. */
  decidedAt: SequentialLook | null;
  method: string;
}

/** One-sided alpha of the non-inferiority decision; the sequence is two-sided at 2 alpha. */
const psiE = (lambda: number) => (-Math.log(1 - lambda) - lambda) / 4;

/**
 * The confidence sequence over per-case differences in the order given, looked at after every
 * case or at the sizes in `looks` (sorted; each at most the number of differences).
 */
export function sequentialNonInferiority(
  differences: readonly number[],
  options: { margin: number; alphaOneSided?: number; looks?: readonly number[] },
): SequentialResult {
  const alpha = 2 * (options.alphaOneSided ?? 0.025);
  const looks = new Set(options.looks ?? differences.map((_, i) => i + 1));
  const out: SequentialLook[] = [];
  let sumLambda = 0;
  let sumLambdaX = 0;
  let sumPenalty = 0;
  let sumX = 0;
  let sumSq = 0;
  let mean = 0.5;
  let variance = 0.25;
  let low = 0;
  let high = 1;
  let decidedAt: SequentialLook | null = null;
  differences.forEach((d, i) => {
    const t = i + 1;
    const x = Math.min(1, Math.max(0, (d + 1) / 2));
    // The predictable plug-in: lambda from the variance estimate before this observation.
    const lambda = Math.min(Math.sqrt((2 * Math.log(2 / alpha)) / (variance * t * Math.log(t + 1))), 0.5);
    sumLambda += lambda;
    sumLambdaX += lambda * x;
    sumPenalty += 4 * (x - mean) ** 2 * psiE(lambda);
    const center = sumLambdaX / sumLambda;
    const width = (Math.log(2 / alpha) + sumPenalty) / sumLambda;
    low = Math.max(low, center - width);
    high = Math.min(high, center + width);
    // The estimates the next lambda and penalty use (regularised as in the paper).
    sumX += x;
    mean = (0.5 + sumX) / (t + 1);
    sumSq += (x - mean) ** 2;
    variance = (0.25 + sumSq) / (t + 1);
    if (!looks.has(t)) return;
    const ci: [number, number] = [2 * low - 1, 2 * high - 1];
    const verdict =
      ci[0] > -options.margin ? "non-inferior" : ci[1] < -options.margin ? "inferior" : "undecided";
    const look = { n: t, ci, verdict } as const;
    out.push(look);
    if (!decidedAt && verdict !== "undecided") decidedAt = look;
  });
  return {
    looks: out,
    decidedAt,
    method:
      "predictable plug-in empirical-Bernstein confidence sequence (Waudby-Smith & Ramdas 2024), running intersection: valid at every look",
  };
}

/** ab.json `sequential`: the looks of the confidence sequence, where it decided, and what a fixed design needs. */
export interface SequentialAb {
  method: string;
  roundSize: number;
  looks: SequentialLook[];
  decidedAt: SequentialLook | null;
  casesRun: number;
  casesAvailable: number;
  /** Paired cases the fixed design would need at 80% power, from the cases run (the power analysis). */
  fixedDesignCases: number | null;
}
