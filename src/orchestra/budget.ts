/** The hard limits of one mission. A breach ends the mission with an error message, never a hang. */
export interface Limits {
  maxDepth: number;
  maxCalls: number;
  maxCostUsd: number;
  maxWallMs: number;
  concurrency: number;
}

export type LimitName = "depth" | "calls" | "cost" | "wall-time";

export class LimitExceededError extends Error {
  constructor(
    readonly limit: LimitName,
    readonly measured: number,
    readonly threshold: number,
  ) {
    super(`${limit} limit exceeded: ${measured} > ${threshold}`);
    this.name = "LimitExceededError";
  }
}

/**
 * Counts calls and cost as the mission goes and owns the wall-time deadline: its signal aborts
 * every model call still in flight when the mission runs out of time.
 */
export class Budget {
  calls = 0;
  costMicroUsd = 0;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private breach: LimitExceededError | undefined;

  constructor(
    readonly limits: Limits,
    private readonly now: () => number = () => performance.now(),
    private readonly started = now(),
  ) {
    this.timer = setTimeout(() => {
      this.trip(new LimitExceededError("wall-time", Math.round(this.now() - this.started), limits.maxWallMs));
    }, limits.maxWallMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get exceeded(): LimitExceededError | undefined {
    return this.breach;
  }

  /** Records the first breach and aborts calls in flight; never throws (it runs in a timer). */
  private trip(error: LimitExceededError): LimitExceededError {
    this.breach ??= error;
    if (!this.controller.signal.aborted) this.controller.abort(this.breach);
    return this.breach;
  }

  private fail(error: LimitExceededError): never {
    throw this.trip(error);
  }

  /** Before a model call: may this call be made? */
  beforeCall(depth: number): void {
    if (this.breach) throw this.breach;
    if (depth > this.limits.maxDepth) this.fail(new LimitExceededError("depth", depth, this.limits.maxDepth));
    if (this.calls + 1 > this.limits.maxCalls)
      this.fail(new LimitExceededError("calls", this.calls + 1, this.limits.maxCalls));
    this.calls += 1;
  }

  /** After a model call: its cost counts, and a breach stops the next call. */
  afterCall(costMicroUsd: number): void {
    this.costMicroUsd += costMicroUsd;
    const maxMicro = Math.round(this.limits.maxCostUsd * 1e6);
    if (this.costMicroUsd > maxMicro)
      this.trip(new LimitExceededError("cost", this.costMicroUsd / 1e6, this.limits.maxCostUsd));
  }

  elapsedMs(): number {
    return this.now() - this.started;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Runs tasks with at most `limit` at once; never rejects: each result is settled. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await fn(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
