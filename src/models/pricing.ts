import type { DatedRate, Prices, Rates } from "../config/index.js";
import { canonicalJson, sha256 } from "./canonical.js";
import type { TokenUsage } from "./usage.js";

export class MissingPriceError extends Error {
  constructor(readonly model: string) {
    super(`no price for model "${model}": add it under prices.models in orchestra.config.yaml`);
  }
}

/** A call dated before every rate of its model (or not dated at all): it has no price, never $0. */
export class PriceDateError extends Error {
  constructor(
    readonly model: string,
    readonly at: string,
    readonly earliest: string | null,
  ) {
    super(
      earliest === null
        ? `cannot price a call of model "${model}" dated "${at}": not an ISO 8601 date or time (a recording's provenance.recordedAt)`
        : `no price for model "${model}" on ${at}: its earliest rate in orchestra.config.yaml (prices.models.${model}) is from ${earliest}; add the rate in force on ${at} with an earlier \`from\`, or check the call's date (a recording's provenance.recordedAt)`,
    );
    this.name = "PriceDateError";
  }
}

export interface CostOptions {
  /** Batch API calls get the configured discount on input and output. */
  batch?: boolean;
  /**
   * When the call was made (ISO 8601 time or YYYY-MM-DD; a recording's `recordedAt`): it is
   * priced at the rate in force on that day (UTC). Omitted: the model's latest rate, for estimates.
   */
  at?: string;
}

/** The UTC day of an ISO 8601 time or date, or undefined when it is neither. */
function dayOf(at: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(at)) return undefined;
  const time = Date.parse(at);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 10);
}

/**
 * The rate of `model` in force at `at` (see CostOptions.at): the one with the latest `from` on or
 * before that day. Throws MissingPriceError for a model without a price and PriceDateError for a
 * day before every `from`.
 */
export function rateAt(prices: Prices, model: string, at?: string): DatedRate {
  const history = prices.rates[model];
  if (!history || history.length === 0) throw new MissingPriceError(model);
  if (at === undefined) return history[0]!;
  const day = dayOf(at);
  if (day === undefined) throw new PriceDateError(model, at, null);
  const rate = history.find((r) => r.from === null || r.from <= day);
  if (!rate) throw new PriceDateError(model, day, history.at(-1)!.from);
  return rate;
}

/** The model a call is priced as: the one that served it when it has a price, else the one asked for. */
export function pricedModel(prices: Prices, model: string, servedModel: string | undefined): string {
  return servedModel !== undefined && prices.rates[servedModel] ? servedModel : model;
}

/**
 * sha256 of the canonical JSON of the price table as loaded (source, retrieved, batchDiscount and
 * every model's rates, newest first): the same prices give the same digest however the file
 * spells or orders them.
 */
export function priceTableDigest(prices: Prices): string {
  const { source, retrieved, batchDiscount, rates } = prices;
  return sha256(canonicalJson({ source, retrieved, batchDiscount, rates }));
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
  const price = rateAt(prices, model, options.at);
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
