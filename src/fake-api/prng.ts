/** FNV-1a, 32 bits: a stable hash of a string, to seed per-key streams. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seeded PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent seeded streams, one per key, all derived from one seed. */
export class FaultDice {
  private readonly streams = new Map<string, () => number>();

  constructor(private readonly seed: number) {}

  roll(key: string): number {
    let next = this.streams.get(key);
    if (!next) {
      next = mulberry32(hashString(`${this.seed >>> 0}:${key}`) ^ Math.imul(this.seed | 0, 0x9e3779b1));
      this.streams.set(key, next);
    }
    return next();
  }
}
