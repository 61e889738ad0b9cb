/**
 * Paired comparison of two tier assignments on the same cases (../shared/methods/statistics.md §2):
 * Tango's score interval and Newcombe's method 10 for the difference of paired proportions, the
 * exact McNemar test, the non-inferiority verdict, and the cases a decision would need.
 */

/** Standard normal CDF, via erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Inverse standard normal CDF (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The 2x2 table of paired verdicts: a both pass, b only A passes, c only B passes, d both fail. */
export interface PairedTable {
  a: number;
  b: number;
  c: number;
  d: number;
}

const total = (t: PairedTable) => t.a + t.b + t.c + t.d;

/** Tango's score statistic for H0: pA - pB = theta. */
export function tangoZ(t: PairedTable, theta: number): number {
  const n = total(t);
  const A = 2 * n;
  const B = -t.b - t.c + (2 * n - t.b + t.c) * theta;
  const C = -t.c * theta * (1 - theta);
  const q = (-B + Math.sqrt(Math.max(0, B * B - 4 * A * C))) / (2 * A);
  const variance = n * (2 * q + theta * (1 - theta));
  if (variance <= 0)
    return t.b - t.c - n * theta === 0 ? 0 : Math.sign(t.b - t.c - n * theta) * Number.POSITIVE_INFINITY;
  return (t.b - t.c - n * theta) / Math.sqrt(variance);
}

function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const fm = f(mid);
    if (fm === 0) return mid;
    if (Math.sign(fm) === Math.sign(flo)) {
      lo = mid;
      flo = fm;
    } else hi = mid;
    if (hi - lo < 1e-12) break;
  }
  return (lo + hi) / 2;
}

/** Tango's score interval for delta = pB - pA at the two-sided level 1 - 2*alphaOneSided. */
export function tangoInterval(t: PairedTable, alphaOneSided = 0.025): [number, number] {
  const n = total(t);
  if (n === 0) return [-1, 1];
  const z = normalQuantile(1 - alphaOneSided);
  const point = (t.b - t.c) / n; // theta hat = pA - pB
  const eps = 1e-9;
  // Z(theta) decreases in theta: the interval for theta is where -z <= Z <= z.
  const thetaLo = tangoZ(t, -1 + eps) <= z ? -1 : bisect((th) => tangoZ(t, th) - z, -1 + eps, point);
  const thetaHi = tangoZ(t, 1 - eps) >= -z ? 1 : bisect((th) => tangoZ(t, th) + z, point, 1 - eps);
  return [-thetaHi, -thetaLo];
}

function wilsonAt(x: number, n: number, z: number): [number, number] {
  const p = x / n;
  const den = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / den;
  const half = (z / den) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [centre - half, centre + half];
}

/** Newcombe's method 10 (Wilson score intervals combined with a continuity-free phi correction). */
export function newcombeInterval(t: PairedTable, alphaOneSided = 0.025): [number, number] {
  const n = total(t);
  const z = normalQuantile(1 - alphaOneSided);
  const pB = (t.a + t.c) / n;
  const pA = (t.a + t.b) / n;
  const [l1, u1] = wilsonAt(t.a + t.c, n, z);
  const [l2, u2] = wilsonAt(t.a + t.b, n, z);
  const denom = (t.a + t.b) * (t.c + t.d) * (t.a + t.c) * (t.b + t.d);
  let phi = 0;
  if (denom > 0) {
    let num = t.a * t.d - t.b * t.c;
    if (num > n / 2) num -= n / 2;
    else if (num >= 0) num = 0;
    phi = num / Math.sqrt(denom);
  }
  const delta = Math.sqrt((pB - l1) ** 2 - 2 * phi * (pB - l1) * (u2 - pA) + (u2 - pA) ** 2);
  const epsilon = Math.sqrt((u1 - pB) ** 2 - 2 * phi * (u1 - pB) * (pA - l2) + (pA - l2) ** 2);
  return [pB - pA - delta, pB - pA + epsilon];
}

function binomialCdf(k: number, n: number): number {
  // P(X <= k) for X ~ Bin(n, 1/2), summed in log space so large n stays exact enough.
  let sum = 0;
  let logC = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, sum);
}

/** Exact two-sided McNemar p-value: c ~ Bin(b + c, 1/2) under H0 (a test of any difference, not of non-inferiority). */
export function mcnemarExact(t: PairedTable): number {
  const m = t.b + t.c;
  if (m === 0) return 1;
  const lower = binomialCdf(t.c, m);
  const upper = 1 - binomialCdf(t.c - 1, m);
  return Math.min(1, 2 * Math.min(lower, upper));
}

export type NiVerdict = "non-inferior" | "inferior" | "inconclusive";

/** Non-inferiority of B against A by margin: PASS if lo > -margin, FAIL if hi < -margin. */
export function niVerdict(ci: [number, number], margin: number): NiVerdict {
  if (ci[0] > -margin) return "non-inferior";
  if (ci[1] < -margin) return "inferior";
  return "inconclusive";
}

/**
 * Paired cases needed to show non-inferiority at this margin (§2, sample size): the discordance
 * psi = (b + c)/n from this run as the pilot, the true difference assumed `trueDelta`. A run with
 * no discordant pair is no pilot for psi (the formula would say one case): the answer is then the
 * fewest cases at which the Tango interval of a table still without a discordant pair clears the
 * margin, the least any decision needs (each discordant pair that appears raises it), and the
 * floor of the power formula's answer too.
 */
export function casesNeeded(
  t: PairedTable,
  margin: number,
  options: { alphaOneSided?: number; power?: number; trueDelta?: number } = {},
): number | null {
  const n = total(t);
  if (n === 0) return null;
  if (t.b + t.c === 0) return concordantCasesNeeded(margin, options.alphaOneSided ?? 0.025);
  const psi = (t.b + t.c) / n;
  const trueDelta = options.trueDelta ?? 0;
  const effect = margin + trueDelta;
  if (effect <= 0) return null;
  const za = normalQuantile(1 - (options.alphaOneSided ?? 0.025));
  const zb = normalQuantile(options.power ?? 0.8);
  const variance = Math.max(psi - trueDelta ** 2, 1e-9);
  const byPower = Math.ceil(((za + zb) ** 2 * variance) / effect ** 2);
  // The normal approximation undershoots at tiny discordance: no run shorter than the concordant
  // minimum can clear the margin, whatever the formula says.
  const floor = concordantCasesNeeded(margin, options.alphaOneSided ?? 0.025);
  return floor === null ? byPower : Math.max(byPower, floor);
}

/** The fewest paired cases, none discordant, whose Tango interval's lower bound clears -margin. */
function concordantCasesNeeded(margin: number, alphaOneSided: number): number | null {
  if (margin <= 0) return null;
  const clears = (n: number) => tangoInterval({ a: n, b: 0, c: 0, d: 0 }, alphaOneSided)[0] > -margin;
  let hi = 1;
  while (!clears(hi)) {
    hi *= 2;
    if (hi > 1e7) return null;
  }
  let lo = Math.floor(hi / 2);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (clears(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A seeded PRNG (mulberry32) so that bootstrap intervals reproduce byte for byte. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cost reduction R = 1 - sum(B)/sum(A) over paired cases, with a paired case-bootstrap 95% interval. */
export function costReduction(
  pairs: readonly { a: number; b: number }[],
  resamples = 10_000,
  seed = 1,
): { reduction: number; ci95: [number, number] } {
  const sum = (xs: readonly { a: number; b: number }[]) =>
    xs.reduce((acc, p) => ({ a: acc.a + p.a, b: acc.b + p.b }), { a: 0, b: 0 });
  const whole = sum(pairs);
  const reduction = whole.a > 0 ? 1 - whole.b / whole.a : 0;
  if (pairs.length === 0) return { reduction, ci95: [reduction, reduction] };
  const random = seededRandom(seed);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[Math.floor(random() * pairs.length)]!;
      a += p.a;
      b += p.b;
    }
    stats.push(a > 0 ? 1 - b / a : 0);
  }
  stats.sort((x, y) => x - y);
  const at = (q: number) =>
    stats[Math.min(stats.length - 1, Math.max(0, Math.round(q * (stats.length - 1))))]!;
  return { reduction, ci95: [at(0.025), at(0.975)] };
}
