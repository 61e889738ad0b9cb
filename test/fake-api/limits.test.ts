import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/fake-api/rate-limit.js";
import { clientOf, MODEL, params, rejectionOf, serve } from "./helpers.js";

function clock(start = Date.parse("2026-01-01T00:00:00Z")) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe("fake API rate limits", () => {
  it("rpm: above the limit, 429 rate_limit_error with retry-after (ceil seconds) and retry-after-ms", async () => {
    const c = clock();
    const api = await serve({ rpm: 2, now: c.now });
    const client = clientOf(api);
    const first = await client.messages.create(params).withResponse();
    expect(first.response.headers.get("anthropic-ratelimit-requests-limit")).toBe("2");
    expect(first.response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    expect(first.response.headers.get("anthropic-ratelimit-requests-reset")).toBe("2026-01-01T00:01:00Z");
    c.advance(10_500);
    await client.messages.create(params);
    const error = await rejectionOf(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const e = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.type).toBe("rate_limit_error");
    expect(e.apiMessage).toMatch(/2 requests per minute/);
    expect(e.headers.get("retry-after-ms")).toBe("49500");
    expect(e.headers.get("retry-after")).toBe("50");
    expect(e.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(api.stats()).toMatchObject({ messages: 3, rateLimited: 1, faults: { "429": 1 } });

    c.advance(49_500);
    await expect(client.messages.create(params)).resolves.toMatchObject({ type: "message" });
  });

  it("rpm is per model", async () => {
    const api = await serve({ rpm: 1 });
    const client = clientOf(api);
    await client.messages.create(params);
    await client.messages.create({ ...params, model: "claude-haiku-5-5" });
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it("the SDK waits out a short window and succeeds", async () => {
    const c = clock();
    const api = await serve({ rpm: 1, now: c.now });
    const client = clientOf(api, { maxRetries: 1 });
    await client.messages.create(params);
    c.advance(59_950); // 50 ms left in the window: the SDK sleeps retry-after-ms, then the clock has moved on
    setTimeout(() => c.advance(100), 20);
    await expect(client.messages.create(params)).resolves.toMatchObject({ type: "message" });
    expect(api.stats()).toMatchObject({ messages: 3, rateLimited: 1 });
  });

  it("tpm counts input and output token estimates", async () => {
    const api = await serve({ tpm: 200 });
    const client = clientOf(api);
    const ok = await client.messages.create(params).withResponse();
    const used = ok.data.usage.input_tokens + ok.data.usage.output_tokens;
    expect(ok.response.headers.get("anthropic-ratelimit-tokens-remaining")).toBe(String(200 - used));
    expect(used).toBeGreaterThan(100);
    const error = await rejectionOf(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).apiMessage).toMatch(
      /200 tokens per minute/,
    );
  });
});

describe("RateLimiter", () => {
  it("slides its window and computes waits for tokens", () => {
    const c = clock(0);
    const limiter = new RateLimiter({ tpm: 100 }, c.now);
    expect(limiter.admit(MODEL, 60)).toEqual({ ok: true });
    c.advance(10_000);
    expect(limiter.admit(MODEL, 30)).toEqual({ ok: true });
    expect(limiter.admit(MODEL, 20)).toMatchObject({ ok: false, limit: "tokens", retryAfterMs: 50_000 });
    expect(limiter.admit(MODEL, 200)).toMatchObject({ ok: false, retryAfterMs: 60_000 });
    c.advance(50_000);
    expect(limiter.admit(MODEL, 20)).toEqual({ ok: true });
    expect(limiter.snapshot(MODEL)).toMatchObject({
      requests: { limit: 4000, remaining: 3998 },
      tokens: { limit: 100, remaining: 50, resetAt: 120_000 },
    });
  });

  it("does not enforce limits that were not configured", () => {
    const limiter = new RateLimiter({}, () => 0);
    for (let i = 0; i < 5000; i++) expect(limiter.admit(MODEL, 1000).ok).toBe(true);
    expect(limiter.snapshot(MODEL).requests.remaining).toBe(0);
  });

  it("refuses invalid limits", () => {
    expect(() => new RateLimiter({ rpm: 0 }, Date.now)).toThrow(/rpm must be a positive integer/);
  });
});
