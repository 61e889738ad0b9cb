import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
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
