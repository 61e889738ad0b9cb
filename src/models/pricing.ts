import type { Prices, Rates } from "../config/index.js";
import type { TokenUsage } from "./usage.js";

export class MissingPriceError extends Error {
  constructor(readonly model: string) {
    super(`no price for model "${model}": add it under prices.models in orchestra.config.yaml`);
  }
}

export interface CostOptions {
  /** Batch API calls get the configured discount on input and output. */
  batch?: boolean;
}

/**
 * Cost of one call in integer micro-dollars. Rates are USD per million tokens, so tokens x rate is
 * exactly micro-dollars; the sum is taken in exact integers of 1e-6 micro-dollars (rates have at
 * most six decimals) and rounded once per call, so that totals summed from calls never drift.
 */
export function costMicroUsd(
  prices: Prices,
  model: string,
  usage: TokenUsage,
  options: CostOptions = {},
): number {
  const price = prices.models[model];
  if (!price) throw new MissingPriceError(model);
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const rates: Rates =
    price.longContext && prompt > price.longContext.aboveInputTokens ? price.longContext : price;
  const discount = options.batch ? 1 - prices.batchDiscount : 1;
  const scaled =
    usage.inputTokens * scale(rates.input * discount) +
    usage.outputTokens * scale(rates.output * discount) +
    usage.cacheReadTokens * scale(rates.cacheRead) +
    usage.cacheWrite5mTokens * scale(rates.cacheWrite5m) +
    usage.cacheWrite1hTokens * scale(rates.cacheWrite1h);
  return Math.round(scaled / 1e6);
}

/** A rate as an integer number of 1e-6 micro-dollars per token. */
function scale(usdPerMTok: number): number {
  return Math.round(usdPerMTok * 1e6);
}

export function microToUsd(micro: number): number {
  return micro / 1e6;
}

/** `$0.012345` with enough digits that small per-call costs do not print as $0.00. */
export function formatUsd(micro: number): string {
  const usd = micro / 1e6;
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 100) return `$${usd.toFixed(2)}`;
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(6)}`;
}
