import { describe, expect, it } from "vitest";
import { limitHeaders, ModelPacer, retryAfterMs } from "../../src/models/pacing.js";

describe("rate-limit pacing per model", () => {
  it("reads how long to wait: retry-after-ms, retry-after (seconds or date), else the earliest reset", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": "Tue, 01 Dec 2026 10:00:03 GMT" }), now)).toBe(3000);
    expect(
      retryAfterMs(
        new Headers({
          "anthropic-ratelimit-requests-reset": "2026-12-01T10:00:07Z",
          "anthropic-ratelimit-tokens-reset": "2026-12-01T10:00:04Z",
        }),
        now,
      ),
    ).toBe(4000);
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined();
  });

  it("reads what remains: requests, and whether a token limit is used up", () => {
    expect(limitHeaders(new Headers({ "anthropic-ratelimit-requests-remaining": "7" }))).toEqual({
      requestsRemaining: 7,
    });
    expect(limitHeaders(new Headers({ "anthropic-ratelimit-input-tokens-remaining": "0" }))).toEqual({
      tokensExhausted: true,
    });
  });

  it("halves the in-flight limit on a 429 and holds the model until its retry-after", async () => {
    let now = 1_000;
    const pacer = new ModelPacer({ maxConcurrency: 8, now: () => now });
    for (let i = 0; i < 8; i++) await pacer.acquire("m");
    let ninth = false;
    const waiting = pacer.acquire("m").then(() => {
      ninth = true;
    });
    await Promise.resolve();
    expect(ninth).toBe(false); // 8 in flight: the limit
    pacer.rateLimited("m", 50); // one of the 8 answered 429: 7 in flight, the limit now 4
    expect(pacer.blockedFor("m")).toBe(50);
    expect(pacer.stats.lowestLimit).toEqual({ m: 4 });
    for (let i = 0; i < 4; i++) pacer.release("m", { ok: false }); // 3 in flight, under the limit
    await new Promise((r) => setTimeout(r, 10));
    expect(ninth).toBe(false); // held by the retry-after, though a slot is free
    now += 50;
    await waiting; // the timer wakes it at the retry-after
    expect(ninth).toBe(true);
  });

  it("sends no more than the API said remain, and then one probe at a time", async () => {
    const pacer = new ModelPacer({ maxConcurrency: 8 });
    await pacer.acquire("m");
    pacer.release("m", { ok: true, limits: { requestsRemaining: 1 } });
    await pacer.acquire("m"); // the one that remains
    let next = false;
    const probe = pacer.acquire("m").then(() => {
      next = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(next).toBe(false); // budget spent and one in flight: wait for its answer
    pacer.release("m", { ok: true, limits: { requestsRemaining: 0 } });
    await probe; // nothing in flight: one probe may go
    expect(next).toBe(true);
  });

  it("never waits forever when the clock ticks between the check and the wait", async () => {
    // A clock that moves a millisecond at every reading: whatever the parity of the retry-after,
    // some wait starts exactly as the block ends. The request must still go (it once hung here).
    for (const retryAfter of [3, 4, 5, 6]) {
      let t = 0;
      const pacer = new ModelPacer({ maxConcurrency: 1, now: () => t++ });
      await pacer.acquire("m");
      pacer.rateLimited("m", retryAfter);
      const outcome = await Promise.race([
        pacer.acquire("m").then(() => "sent"),
        new Promise((resolve) => setTimeout(() => resolve("stuck"), 1_000)),
      ]);
      expect(outcome, `retry-after ${retryAfter} ms`).toBe("sent");
    }
  });
});
