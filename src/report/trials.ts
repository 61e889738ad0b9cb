/**
 * The statistics of K > 1 trials per case (../shared/methods/statistics.md §1-§3): trials are
 * collapsed to per-case pass shares first, never counted as independent rows. The difference B - A
 * gets a Student-t interval over cases (clustered when cases share a `cluster`), a paired t test,
 * and the cases and trials a non-inferiority decision would need (the variance decomposition of
 * §3.1: between-case variance plus within-case trial variance over K).
 */
import { normalQuantile } from "./paired.js";

/** ln Γ(x), Lanczos (g = 7, n = 9): relative error below 1e-13 for x > 0. */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the regularized incomplete beta (Numerical Recipes' betacf, Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Student's t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student's t quantile: the t with P(T <= t) = p, by bisection on the CDF (to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** One case of a paired K-trial comparison: each side's passes and trials, and its cluster. */
export interface PairedCase {
  id: string;
  cluster?: string;
  a: { passes: number; trials: number };
  b: { passes: number; trials: number };
}

export interface TrialsComparison {
  /** Mean over cases of s_B - s_A. */
  diff: number;
  /** The standard error of `diff`: clustered when clusters are declared, else sd(d) / sqrt(n). */
  se: number;
  df: number;
  ci95: [number, number];
  method: string;
  /** Clusters the SE was computed over (null: every case its own). */
  clusters: number | null;
  /** The paired t test of no difference (two-sided), and the non-inferiority p (one-sided, H0: diff <= -margin). */
  test: { method: string; t: number; df: number; p: number; niP: number };
  /** Paired cases a decision at 80% power would need with these trials per case (true difference 0). */
  casesNeeded: number | null;
  /**
   * Trials per case that would decide it on these cases: null when no number of trials can (the
   * between-case variance alone keeps the interval wider than the margin: more cases are needed).
   */
  trialsNeeded: number | null;
  /** The variance decomposition: between cases (omega^2) and within a case over its trials (mean sigma_i^2). */
  variance: { total: number; between: number; within: number; trialsPerCase: number };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * B - A over cases with K trials each (K may differ by case): the Student-t interval (df n - 1,
 * or C - 1 with C clusters and the clustered SE of §1, with Inspect's C/(C-1) factor), the paired
 * t test, and the cases and trials needed.
 */
export function compareTrials(
  cases: readonly PairedCase[],
  options: { margin: number; alphaOneSided?: number; power?: number },
): TrialsComparison {
  const n = cases.length;
  const alpha = options.alphaOneSided ?? 0.025;
  const d = cases.map((c) => c.b.passes / c.b.trials - c.a.passes / c.a.trials);
  const diff = mean(d);
  const variance = n > 1 ? d.reduce((s, x) => s + (x - diff) ** 2, 0) / (n - 1) : 0;
  const clusterOf = (c: PairedCase, i: number) => c.cluster ?? `\0case-${i}`;
  const clustered = cases.some((c) => c.cluster !== undefined);
  let se: number;
  let df: number;
  let clusters: number | null = null;
  if (clustered) {
    const sums = new Map<string, number>();
    cases.forEach((c, i) => {
      const key = clusterOf(c, i);
      sums.set(key, (sums.get(key) ?? 0) + (d[i]! - diff));
    });
    const C = sums.size;
    clusters = C;
    const squares = [...sums.values()].reduce((s, x) => s + x * x, 0);
    se = C > 1 ? Math.sqrt((C / (C - 1)) * squares) / n : 0;
    df = Math.max(1, C - 1);
  } else {
    se = n > 0 ? Math.sqrt(variance / n) : 0;
    df = Math.max(1, n - 1);
  }
  const tq = studentTQuantile(1 - alpha, df);
  const ci95: [number, number] = se > 0 ? [diff - tq * se, diff + tq * se] : [diff, diff];
  const t = se > 0 ? diff / se : 0;
  const p = se > 0 ? 2 * (1 - studentTCdf(Math.abs(t), df)) : diff === 0 ? 1 : 0;
  const niT = se > 0 ? (diff + options.margin) / se : Number.POSITIVE_INFINITY;
  const niP = se > 0 ? 1 - studentTCdf(niT, df) : diff > -options.margin ? 0 : 1;

  // §3.1: Var(d_i) = omega^2 + mean within-case variance of the difference over K.
  const within = mean(
    cases.map((c) => {
      const side = (s: { passes: number; trials: number }) => {
        const q = s.passes / s.trials;
        // The unbiased trial-to-trial variance of a case's pass indicator, over its own trials.
        return s.trials > 1 ? (q * (1 - q) * s.trials) / (s.trials - 1) : 0;
      };
      return side(c.a) + side(c.b);
    }),
  );
  const trialsPerCase = mean(cases.map((c) => (c.a.trials + c.b.trials) / 2));
  const between = Math.max(0, variance - within / Math.max(trialsPerCase, 1));
  const z = (normalQuantile(1 - alpha) + normalQuantile(options.power ?? 0.8)) ** 2;
  const effect = options.margin;
  const casesNeeded = n > 1 && variance > 0 ? Math.ceil((z * variance) / effect ** 2) : null;
  // n cases decide when n >= z (between + within / K) / margin^2: solve for K.
  const room = (n * effect ** 2) / z - between;
  const trialsNeeded = n > 1 && within > 0 ? (room > 0 ? Math.max(1, Math.ceil(within / room)) : null) : null;
  return {
    diff,
    se,
    df,
    ci95,
    method: clustered
      ? `Student-t interval on per-case pass shares, clustered SE over ${clusters} clusters (95%, two-sided, df ${df})`
      : `Student-t interval on per-case pass shares (95%, two-sided, df ${df})`,
    clusters,
    test: { method: "paired t test on per-case pass shares", t, df, p: Math.min(1, p), niP },
    casesNeeded,
    trialsNeeded,
    variance: { total: variance, between, within, trialsPerCase },
  };
}
