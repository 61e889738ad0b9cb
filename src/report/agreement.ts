/**
 * Agreement of repeated judgements on the same units (a judge asked N times on the same input).
 * Pure functions: no I/O, no knowledge of results files.
 */

/**
 * Krippendorff's alpha for nominal data: 1 - (n - 1) * D_o / D_e over the coincidence matrix,
 * where each unit with m >= 2 values adds, for every ordered pair of its values (c, k) taken from
 * different repetitions, 1 / (m - 1) to o[c][k]; n_c = sum_k o[c][k], n = sum_c n_c,
 * D_o = sum_{c != k} o[c][k] and D_e = sum_{c != k} n_c n_k. Units with fewer than two values are
 * not pairable and are left out. Null when it is undefined: no pairable unit, or a single value
 * everywhere (no variation, so no disagreement could be told from chance).
 */
export function krippendorffAlphaNominal(
  units: readonly (readonly (string | boolean | number)[])[],
): number | null {
  const o = new Map<string, Map<string, number>>();
  const add = (c: string, k: string, w: number) => {
    const row = o.get(c) ?? new Map<string, number>();
    o.set(c, row);
    row.set(k, (row.get(k) ?? 0) + w);
  };
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    const counts = new Map<string, number>();
    for (const v of unit) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    for (const [c, nc] of counts)
      for (const [k, nk] of counts) add(c, k, (c === k ? nc * (nc - 1) : nc * nk) / (m - 1));
  }
  const values = [...o.keys()];
  const nOf = new Map(values.map((c) => [c, [...o.get(c)!.values()].reduce((s, x) => s + x, 0)]));
  const n = [...nOf.values()].reduce((s, x) => s + x, 0);
  if (n === 0) return null;
  let observed = 0;
  let expected = 0;
  for (const c of values)
    for (const k of values) {
      if (c === k) continue;
      observed += o.get(c)?.get(k) ?? 0;
      expected += nOf.get(c)! * nOf.get(k)!;
    }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

/** The share of a unit's values that agree with its most common value (1 for a unanimous unit). */
export function majorityShare(unit: readonly (string | boolean | number)[]): number {
  if (unit.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const v of unit) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return Math.max(...counts.values()) / unit.length;
}
