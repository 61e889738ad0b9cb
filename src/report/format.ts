/** Number formats every report shares, so Markdown, the console and HTML print the same figures. */

/** `12.3%`; `n/a` for a figure that has no evidence. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? "n/a" : `${(x * 100).toFixed(1)}%`;
}

/** `12.3% [10.1%, 14.2%]`, or `n/a`. */
export function pctWithInterval(x: number | null, ci: readonly [number, number] | null): string {
  if (x === null) return "n/a (no trial scored)";
  return ci ? `${pct(x)} [${pct(ci[0])}, ${pct(ci[1])}]` : pct(x);
}

/** Dollars with enough digits that small costs do not print as $0.00. */
export function usd(x: number): string {
  if (x === 0) return "$0";
  return Math.abs(x) < 0.01 ? `$${x.toFixed(6)}` : `$${x.toFixed(4)}`;
}

export function ms(x: number | null): string {
  return x === null ? "n/a" : `${Math.round(x)} ms`;
}
