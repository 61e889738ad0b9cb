/**
 * Pacing per model, so a live run runs close to its rate limit without a storm of 429s:
 * - at most `limit` requests in flight to a model, AIMD: a 429 halves it, a success adds one back;
 * - never more sends than the API said remain (`anthropic-ratelimit-requests-remaining`), and
 *   when none remain, one probe at a time until a response says more;
 * - after a 429, nothing goes to that model until its retry-after has passed.
 * A 429 never changes the model: the call waits and tries the same model again (the gateway).
 */

export interface PacerOptions {
  maxConcurrency: number;
  now?: () => number;
}

/** What a response said about the model's limits. */
export interface LimitHeaders {
  /** Fewest remaining of the request and token limits, as a count of requests that may still go. */
  requestsRemaining?: number;
  /** A token limit (tokens, input or output) has nothing left. */
  tokensExhausted?: boolean;
}

interface ModelState {
  limit: number;
  inFlight: number;
  /** Sends the last response allows before the next one is heard; undefined: not known. */
  budget: number | undefined;
  blockedUntil: number;
  waiters: (() => void)[];
  timer: NodeJS.Timeout | undefined;
}

export interface PacerStats {
  /** 429s seen, by model. */
  rateLimited: Record<string, number>;
  /** Milliseconds spent waiting for a slot or a retry-after, summed over calls. */
  waitedMs: number;
  /** The smallest in-flight limit each model was driven to. */
  lowestLimit: Record<string, number>;
}

export class ModelPacer {
  private readonly models = new Map<string, ModelState>();
  private readonly now: () => number;
  readonly stats: PacerStats = { rateLimited: {}, waitedMs: 0, lowestLimit: {} };

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? Date.now;
  }

  private state(model: string): ModelState {
    let s = this.models.get(model);
    if (!s) {
      s = {
        limit: this.options.maxConcurrency,
        inFlight: 0,
        budget: undefined,
        blockedUntil: 0,
        waiters: [],
        timer: undefined,
      };
      this.models.set(model, s);
    }
    return s;
  }

  private wake(s: ModelState): void {
    const waiters = s.waiters.splice(0);
    for (const w of waiters) w();
  }

  private mayStart(s: ModelState, now: number): boolean {
    if (now < s.blockedUntil) return false;
    if (s.inFlight >= Math.max(1, Math.floor(s.limit))) return false;
    if (s.budget !== undefined && s.budget <= 0 && s.inFlight > 0) return false;
    return true;
  }

  /** Waits for a slot to send one request to `model`; call release() or rateLimited() once answered. */
  async acquire(model: string, signal?: AbortSignal): Promise<void> {
    const s = this.state(model);
    const started = this.now();
    for (;;) {
      // One reading of the clock for the check and the wait: read twice, a millisecond ticking
      // between them would find the model blocked, then no time left to wait, and set no timer.
      const now = this.now();
      if (this.mayStart(s, now)) break;
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener("abort", done);
          resolve();
        };
        s.waiters.push(done);
        signal?.addEventListener("abort", done, { once: true });
        const wait = s.blockedUntil - now;
        if (wait > 0 && !s.timer) {
          // Not unref'd: when every call waits on a rate limit, this timer is what keeps the run alive.
          s.timer = setTimeout(() => {
            s.timer = undefined;
            this.wake(s);
          }, wait);
        }
      });
    }
    if (signal?.aborted) throw signal.reason;
    s.inFlight += 1;
    if (s.budget !== undefined) s.budget -= 1;
    this.stats.waitedMs += this.now() - started;
  }

  /** The request was answered (or failed without a rate-limit answer). */
  release(model: string, outcome: { ok: boolean; limits?: LimitHeaders }): void {
    const s = this.state(model);
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (outcome.ok) s.limit = Math.min(this.options.maxConcurrency, s.limit + 1);
    const limits = outcome.limits;
    if (limits?.tokensExhausted) s.budget = 0;
    else if (limits?.requestsRemaining !== undefined) s.budget = limits.requestsRemaining;
    this.wake(s);
  }

  /** A 429: halve the in-flight limit and hold every request to this model for `waitMs`. */
  rateLimited(model: string, waitMs: number): void {
    const s = this.state(model);
    s.inFlight = Math.max(0, s.inFlight - 1);
    s.limit = Math.max(1, s.limit / 2);
    s.budget = undefined;
    s.blockedUntil = Math.max(s.blockedUntil, this.now() + waitMs);
    this.stats.rateLimited[model] = (this.stats.rateLimited[model] ?? 0) + 1;
    this.stats.lowestLimit[model] = Math.min(
      this.stats.lowestLimit[model] ?? Number.POSITIVE_INFINITY,
      Math.floor(s.limit),
    );
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    this.wake(s);
  }

  /** Milliseconds until `model` may be sent to again (0 when it may). */
  blockedFor(model: string): number {
    return Math.max(0, this.state(model).blockedUntil - this.now());
  }
}

/** Reads the limit headers of a response (absent ones stay undefined). */
export function limitHeaders(headers: Headers | undefined): LimitHeaders {
  if (!headers) return {};
  const num = (name: string) => {
    const v = headers.get(name);
    if (v === null || v.trim() === "") return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const requests = num("anthropic-ratelimit-requests-remaining");
  const tokens = [
    num("anthropic-ratelimit-tokens-remaining"),
    num("anthropic-ratelimit-input-tokens-remaining"),
    num("anthropic-ratelimit-output-tokens-remaining"),
  ].filter((n): n is number => n !== undefined);
  return {
    ...(requests === undefined ? {} : { requestsRemaining: requests }),
    ...(tokens.some((t) => t <= 0) ? { tokensExhausted: true } : {}),
  };
}

/**
 * How long a 429 asks to wait, in ms: `retry-after-ms`, else `retry-after` (seconds or an HTTP
 * date), else the earliest `anthropic-ratelimit-*-reset` still ahead; undefined if none says.
 */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers.get("retry-after");
  if (after !== null && after.trim() !== "") {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const resets: number[] = [];
  headers.forEach((value, name) => {
    if (!/^anthropic-ratelimit-.*-reset$/.test(name)) return;
    const at = Date.parse(value);
    if (Number.isFinite(at) && at > now) resets.push(at - now);
  });
  return resets.length ? Math.min(...resets) : undefined;
}
