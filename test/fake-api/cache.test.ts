import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { cacheMinimumsOf } from "../../src/fake-api/index.js";
import { shippedConfig } from "../helpers/config.js";
import { clientOf, params, serve } from "./helpers.js";

const SYSTEM = "You are the security auditor. ".repeat(40); // 1200 bytes: 300 tokens
const tokens = (text: string) => Math.ceil(Buffer.byteLength(text) / 4);

function cached(ttl?: "5m" | "1h"): Anthropic.TextBlockParam[] {
  return [
    { type: "text", text: SYSTEM, cache_control: ttl ? { type: "ephemeral", ttl } : { type: "ephemeral" } },
  ];
}

describe("fake API prompt cache", () => {
  it("writes the cached prefix on the first request, reads it afterwards; input counts the rest", async () => {
    const api = await serve();
    const client = clientOf(api);
    const first = await client.messages.create({ ...params, system: cached() });
    const rest = first.usage.input_tokens;
    expect(first.usage).toMatchObject({
      cache_creation_input_tokens: tokens(SYSTEM),
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: tokens(SYSTEM), ephemeral_1h_input_tokens: 0 },
    });
    const second = await client.messages.stream({ ...params, system: cached() }).finalMessage();
    expect(second.usage).toMatchObject({
      input_tokens: rest,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: tokens(SYSTEM),
    });
    expect(api.stats().tokens).toMatchObject({ cacheWrite: tokens(SYSTEM), cacheRead: tokens(SYSTEM) });
  });

  it("puts 1h writes in the 1h bucket, and keys the cache by model and exact prefix", async () => {
    const api = await serve();
    const client = clientOf(api);
    const first = await client.messages.create({ ...params, system: cached("1h") });
    expect(first.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 0,
      ephemeral_1h_input_tokens: tokens(SYSTEM),
    });
    const otherModel = await client.messages.create({
      ...params,
      model: "claude-opus-5-5",
      system: cached("1h"),
    });
    expect(otherModel.usage.cache_read_input_tokens).toBe(0);
    const changed = [{ ...cached("1h")[0]!, text: `${SYSTEM}!` }];
    const otherPrefix = await client.messages.create({ ...params, system: changed });
    expect(otherPrefix.usage.cache_read_input_tokens).toBe(0);
  });

  it("expires entries after their TTL, refreshed by each hit", async () => {
    let t = 0;
    const api = await serve({ now: () => t });
    const client = clientOf(api);
    await client.messages.create({ ...params, system: cached() });
    t += 4 * 60_000;
    expect(
      (await client.messages.create({ ...params, system: cached() })).usage.cache_read_input_tokens,
    ).toBe(300);
    t += 4 * 60_000; // 8 min after the write, 4 after the last hit
    expect(
      (await client.messages.create({ ...params, system: cached() })).usage.cache_read_input_tokens,
    ).toBe(300);
    t += 6 * 60_000;
    const expired = await client.messages.create({ ...params, system: cached() });
    expect(expired.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 300 });
  });

  it("reads the longest cached breakpoint and writes the blocks after it", async () => {
    const api = await serve();
    const client = clientOf(api);
    const tools = "Tool rules. ".repeat(20); // 240 bytes: 60 tokens
    const system = (extra: string): Anthropic.TextBlockParam[] => [
      { type: "text", text: tools, cache_control: { type: "ephemeral" } },
      { type: "text", text: extra, cache_control: { type: "ephemeral", ttl: "1h" } },
    ];
    await client.messages.create({ ...params, system: system("A".repeat(400)) });
    const second = await client.messages.create({ ...params, system: system("B".repeat(400)) });
    expect(second.usage).toMatchObject({
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 },
    });
  });

  it("is off with promptCache: false, and skips prefixes shorter than minTokens", async () => {
    const off = await serve({ promptCache: false });
    const plain = await clientOf(off).messages.create({ ...params, system: cached() });
    expect(plain.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    const withoutCache = await clientOf(off).messages.create(params);
    expect(plain.usage.input_tokens).toBe(withoutCache.usage.input_tokens + tokens(SYSTEM));

    const min = await serve({ promptCache: { minTokens: 1024 } });
    const short = await clientOf(min).messages.create({ ...params, system: cached() });
    expect(short.usage.cache_creation_input_tokens).toBe(0);
  });

  it("takes the minimum by model: a prefix under its model's minimum is neither written nor read", async () => {
    const api = await serve({
      promptCache: { minTokens: { "claude-sonnet-5-5": 512, "claude-haiku-4-5": 4096 } },
    });
    const client = clientOf(api);
    const prefix = (n: number): Anthropic.TextBlockParam[] => [
      { type: "text", text: "x".repeat(4 * n), cache_control: { type: "ephemeral" } },
    ];
    const twice = async (model: string, n: number) => {
      const first = await client.messages.create({ ...params, model, system: prefix(n) });
      const second = await client.messages.create({ ...params, model, system: prefix(n) });
      return [first.usage, second.usage].map((u) => [
        u.cache_creation_input_tokens,
        u.cache_read_input_tokens,
      ]);
    };
    const cachedTwice = (n: number) => [
      [n, 0],
      [0, n],
    ];
    const never = [
      [0, 0],
      [0, 0],
    ];
    expect(await twice("claude-sonnet-5-5", 511)).toEqual(never);
    expect(await twice("claude-sonnet-5-5", 600)).toEqual(cachedTwice(600));
    expect(await twice("claude-haiku-4-5", 4095)).toEqual(never);
    expect(await twice("claude-haiku-4-5", 4096)).toEqual(cachedTwice(4096));
    // A model the map does not name: 1024.
    expect(await twice("claude-opus-4-8", 1000)).toEqual(never);
    expect(await twice("claude-opus-4-8", 1024)).toEqual(cachedTwice(1024));
    await expect(serve({ promptCache: { minTokens: { "claude-opus-4-8": -1 } } })).rejects.toThrow(
      /minTokens must be whole numbers from 0, got -1/,
    );
  });

  it("reads the minimums of a config's models section", () => {
    expect(cacheMinimumsOf(shippedConfig)).toEqual({
      "claude-opus-5-5": 512,
      "claude-sonnet-5-5": 512,
      "claude-haiku-5-5": 512,
      "claude-opus-4-8": 1024,
      "claude-sonnet-5": 1024,
      "claude-haiku-4-5": 4096,
    });
    // Every model a tier serves has its minimum.
    for (const tier of Object.values(shippedConfig.tiers)) {
      for (const model of [tier.model, ...(tier.fallback ?? [])]) {
        expect(cacheMinimumsOf(shippedConfig)).toHaveProperty([model]);
      }
    }
  });

  it("leaves the cache alone on faults and rate-limited requests", async () => {
    const api = await serve({ rpm: 1 });
    const client = clientOf(api);
    await client.messages.create(params);
    await client.messages.create({ ...params, system: cached() }).catch(() => undefined);
    const other = await serve();
    expect(
      (await clientOf(other).messages.create({ ...params, system: cached() })).usage
        .cache_creation_input_tokens,
    ).toBe(300);
    expect(api.stats().tokens.cacheWrite).toBe(0);
  });
});
