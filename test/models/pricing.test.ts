import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { costMicroUsd, fromApiUsage, MissingPriceError } from "../../src/models/index.js";
import type { InputError } from "../../src/shared/problem.js";
import { shippedConfig } from "../helpers/config.js";

const prices = shippedConfig.prices;

describe("cost from usage, in integer micro-dollars", () => {
  it("prices input, output, cache reads and both cache-write lifetimes (opus 5.5: 4 / 20 / 0.20 / 5 / 8 per MTok)", () => {
    const usage = fromApiUsage({
      input_tokens: 1000,
      output_tokens: 500,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 1500,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 500 },
    });
    // 1000*4 + 500*20 + 2000*0.20 + 1000*5 + 500*8 = 4000 + 10000 + 400 + 5000 + 4000
    expect(costMicroUsd(prices, "claude-opus-5-5", usage)).toBe(23_400);
  });

  it("treats cache writes without a breakdown as 5-minute writes", () => {
    const usage = fromApiUsage({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 1000 });
    expect(usage.cacheWrite5mTokens).toBe(1000);
    // sonnet 5.5: 1000 * 2.50
    expect(costMicroUsd(prices, "claude-sonnet-5-5", usage)).toBe(2_500);
  });

  it("keeps sub-micro-dollar rates exact before rounding once per call (haiku 5.5: 0.10 in, 0.01 cache read)", () => {
    const usage = fromApiUsage({ input_tokens: 3, output_tokens: 0, cache_read_input_tokens: 70 });
    // 3*0.10 + 70*0.01 = 0.3 + 0.7 = 1.0 micro-dollar: exact, where per-field rounding would give 0 or 2
    expect(costMicroUsd(prices, "claude-haiku-5-5", usage)).toBe(1);
  });

  it("switches haiku 5.5 to its long-context rates above 100K prompt tokens, cache reads included", () => {
    const below = fromApiUsage({ input_tokens: 100_000, output_tokens: 1000 });
    const above = fromApiUsage({
      input_tokens: 90_000,
      output_tokens: 1000,
      cache_read_input_tokens: 10_001,
    });
    expect(costMicroUsd(prices, "claude-haiku-5-5", below)).toBe(100_000 * 0.1 + 1000 * 0.5);
    expect(costMicroUsd(prices, "claude-haiku-5-5", above)).toBe(
      Math.round(90_000 * 0.5 + 1000 * 2.5 + 10_001 * 0.05),
    );
  });

  it("applies the batch discount to input and output only", () => {
    const usage = fromApiUsage({ input_tokens: 1000, output_tokens: 1000, cache_read_input_tokens: 1000 });
    expect(costMicroUsd(prices, "claude-sonnet-5-5", usage, { batch: true })).toBe(
      1000 * 1 + 1000 * 5 + 1000 * 0.1,
    );
  });

  it("refuses a model without a price instead of costing it $0", () => {
    expect(() => costMicroUsd(prices, "claude-unknown-1", fromApiUsage({}))).toThrow(MissingPriceError);
  });

  it("sums calls without drift", () => {
    const usage = fromApiUsage({ input_tokens: 7, output_tokens: 3 });
    const one = costMicroUsd(prices, "claude-sonnet-5-5", usage);
    let total = 0;
    for (let i = 0; i < 100_000; i++) total += one;
    expect(total).toBe(one * 100_000);
  });
});

describe("the price table in orchestra.config.yaml", () => {
  it("has a price for every model a tier or fallback names", () => {
    for (const tier of Object.values(shippedConfig.tiers)) {
      for (const model of [tier.model, ...tier.fallback]) expect(prices.models[model], model).toBeDefined();
    }
  });

  it("makes a tier model without a price a load error at its line", () => {
    const text = `version: 1
tiers:
  opus: { model: claude-opus-9 }
prices:
  source: test
  retrieved: "2026-11-25"
  batchDiscount: 0.5
  models:
    claude-opus-5-5: { input: 4, output: 20, cacheWrite5m: 5, cacheWrite1h: 8, cacheRead: 0.2 }
`;
    try {
      parseConfig(text, "c.yaml");
      expect.unreachable();
    } catch (err) {
      expect((err as InputError).problems).toMatchObject([
        { line: 3, field: "tiers.opus.model", message: 'model "claude-opus-9" has no price' },
      ]);
    }
  });
});
