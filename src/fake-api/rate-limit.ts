/** Per-model request and token limits over a sliding 60-second window. */
export const WINDOW_MS = 60_000;
/**
 * Limits reported in the anthropic-ratelimit-* headers when none is configured (a generous real
 * tier); they are not enforced: the fake API limits only what it is asked to.
 */
export const DEFAULT_RPM = 4_000;
export const DEFAULT_TPM = 2_000_000;

/** Configured limits; an absent one is reported at its default and never enforced. */
export interface Limits {
  rpm?: number;
  tpm?: number;
}

export type Admission =
  | { ok: true }
  | { ok: false; limit: "requests" | "tokens"; retryAfterMs: number; message: string };

export interface LimitState {
  limit: number;
  remaining: number;
  /** When the window is fully replenished (ms since the epoch). */
  resetAt: number;
}

export interface LimitSnapshot {
  requests: LimitState;
  tokens: LimitState;
}

interface Entry {
  at: number;
  tokens: number;
}

/** Admitted requests of one model still inside the window, oldest first. */
class Window {
  private entries: Entry[] = [];
  private head = 0;
  tokens = 0;

  get count(): number {
    return this.entries.length - this.head;
  }

  at(i: number): Entry | undefined {
    return this.entries[this.head + i];
  }

  newest(): Entry | undefined {
    return this.entries[this.entries.length - 1];
  }

  push(entry: Entry): void {
    this.entries.push(entry);
    this.tokens += entry.tokens;
  }

  prune(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.at + WINDOW_MS <= now) {
      this.tokens -= this.entries[this.head]!.tokens;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  private readonly rpm: number;
  private readonly tpm: number;

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
      }
    }
    this.rpm = limits.rpm ?? DEFAULT_RPM;
    this.tpm = limits.tpm ?? DEFAULT_TPM;
  }

  private window(model: string): Window {
    let w = this.windows.get(model);
    if (!w) {
      w = new Window();
      this.windows.set(model, w);
    }
    return w;
  }

  /** Admits a request of `tokens` (input + output estimate) for `model`, or says how long to wait. */
  admit(model: string, tokens: number): Admission {
    const now = this.now();
    const w = this.window(model);
    w.prune(now);
    const { rpm, tpm } = this.limits;
    if (rpm !== undefined && w.count + 1 > rpm) {
      const oldest = w.at(0)!;
      return {
        ok: false,
        limit: "requests",
        retryAfterMs: Math.max(1, oldest.at + WINDOW_MS - now),
        message: `This request would exceed the rate limit of ${rpm} requests per minute for ${model}.`,
      };
    }
    if (tpm !== undefined && w.tokens + tokens > tpm) {
      return {
        ok: false,
        limit: "tokens",
        retryAfterMs: this.tokenWait(w, tokens, now),
        message:
          tokens > tpm
            ? `This request's ${tokens} tokens exceed the rate limit of ${tpm} tokens per minute for ${model}.`
            : `This request would exceed the rate limit of ${tpm} tokens per minute for ${model}.`,
      };
    }
    w.push({ at: now, tokens });
    return { ok: true };
  }

  /** Time until enough tokens leave the window for `tokens` more to fit (a whole window if they never can). */
  private tokenWait(w: Window, tokens: number, now: number): number {
    const tpm = this.tpm;
    if (tokens > tpm) return WINDOW_MS;
    let used = w.tokens;
    for (let i = 0; i < w.count; i++) {
      const e = w.at(i)!;
      used -= e.tokens;
      if (used + tokens <= tpm) return Math.max(1, e.at + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }

  snapshot(model: string): LimitSnapshot {
    const now = this.now();
    const w = this.window(model);
    w.prune(now);
    const newest = w.count > 0 ? w.newest() : undefined;
    const resetAt = newest ? newest.at + WINDOW_MS : now;
    return {
      requests: { limit: this.rpm, remaining: Math.max(0, this.rpm - w.count), resetAt },
      tokens: { limit: this.tpm, remaining: Math.max(0, this.tpm - w.tokens), resetAt },
    };
  }
}
