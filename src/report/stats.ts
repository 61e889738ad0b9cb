/** Statistics of ../shared/methods/statistics.md: Wilson intervals and type-7 percentiles. */

const Z95 = 1.959963984540054;

/** Wilson score interval for a binary rate: right at small n and near 0 or 1, where Wald is not. */
export function wilson(successes: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Hyndman-Fan type 7 (numpy's default `linear`), on raw samples. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Smallest n for which a distribution-free 95% interval of the q-quantile exists from order
 * statistics: 29 for p90, 59 for p95, 299 for p99. Below it, a percentile is reported with
 * "insufficient n" beside it.
 */
export function minSamplesForQuantileCi(q: number): number {
  // The widest interval [x(1), x(n)] covers the quantile with probability 1 - q^n - (1-q)^n.
  let n = 1;
  while (1 - q ** n - (1 - q) ** n < 0.95) n++;
  return n;
}

/** pass@k (Chen et al.): the chance that at least one of k trials drawn from n passes, c passing. */
export function passAtK(n: number, c: number, k: number): number {
  if (n - c < k) return 1;
  let product = 1;
  for (let i = n - c + 1; i <= n; i++) product *= 1 - k / i;
  return 1 - product;
}

/** pass^k (tau-bench): the chance that all of k trials drawn from n pass. */
export function passHatK(n: number, c: number, k: number): number {
  if (k > n) return Number.NaN;
  let value = 1;
  for (let i = 0; i < k; i++) value *= (c - i) / (n - i);
  return Math.max(0, value);
}
