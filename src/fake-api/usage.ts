import { createHash, type Hash } from "node:crypto";
import type { Usage } from "@anthropic-ai/sdk/resources/messages/messages";
import { estimateTokens } from "../shared/tokens.js";
import type { CacheControl, MessagesBody } from "./request.js";

/** Deterministic token estimate: a quarter of the UTF-8 bytes, rounded up (the harness's one estimate). */
export { estimateTokens };

export type CacheTtl = "5m" | "1h";
const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };

/** One unit of the prompt, in the order the API reads it: tools, system, then message content. */
export interface PromptBlock {
  tokens: number;
  /** What identifies the block in a cached prefix: its content without cache_control. */
  key: string;
  /** Set when the block ends a cache breakpoint. */
  cache?: CacheTtl;
}

function withoutCacheControl(value: Record<string, unknown>): string {
  const { cache_control: _ignored, ...rest } = value;
  return JSON.stringify(rest);
}

function block(text: string, key: string, cacheControl: CacheControl | null | undefined): PromptBlock {
  const b: PromptBlock = { tokens: estimateTokens(text), key };
  if (cacheControl) b.cache = cacheControl.ttl ?? "5m";
  return b;
}

/** The prompt of a request as blocks: text counts by its text, other blocks by their JSON. */
export function promptBlocks(body: MessagesBody): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  for (const tool of body.tools ?? []) {
    const json = withoutCacheControl(tool);
    blocks.push(block(json, `tool:${json}`, tool.cache_control));
  }
  if (typeof body.system === "string") {
    blocks.push(block(body.system, `system:${body.system}`, undefined));
  } else {
    for (const b of body.system ?? []) blocks.push(block(b.text, `system:${b.text}`, b.cache_control));
  }
  for (const m of body.messages) {
    if (typeof m.content === "string") {
      blocks.push(block(m.content, `${m.role}:${m.content}`, undefined));
      continue;
    }
    for (const b of m.content) {
      const json = withoutCacheControl(b);
      const text = b.type === "text" && typeof b.text === "string" ? b.text : json;
      blocks.push(block(text, `${m.role}:${json}`, b.cache_control));
    }
  }
  return blocks;
}

export function inputTokensOf(blocks: readonly PromptBlock[]): number {
  return blocks.reduce((sum, b) => sum + b.tokens, 0);
}

/** How the input tokens of one request split between cache writes, cache reads and the rest. */
export interface InputSplit {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** The shortest cacheable prefix of a model missing from a per-model map of minimums. */
export const DEFAULT_CACHE_MIN_TOKENS = 1024;

export interface PromptCacheOptions {
  /**
   * Prefixes shorter than this are never cached: one number for every model, or by model id (a
   * model not listed: DEFAULT_CACHE_MIN_TOKENS), as the real API's minimum depends on the model.
   */
  minTokens: number | Readonly<Record<string, number>>;
  now: () => number;
}

/** The per-model minimums of a config's `models:` section, for `promptCache: { minTokens }`. */
export function cacheMinimumsOf(config: {
  models: Readonly<Record<string, { minCacheableTokens: number }>>;
}): Record<string, number> {
  return Object.fromEntries(
    Object.entries(config.models).map(([model, facts]) => [model, facts.minCacheableTokens]),
  );
}

function minimumOf(minTokens: PromptCacheOptions["minTokens"], model: string): number {
  if (typeof minTokens === "number") return minTokens;
  return Object.hasOwn(minTokens, model) ? minTokens[model]! : DEFAULT_CACHE_MIN_TOKENS;
}

/**
 * A simulation of prompt caching: every block carrying cache_control ends a breakpoint; the longest
 * breakpoint prefix already cached (same model, same blocks, not expired) is read, the blocks after
 * it up to the last breakpoint are written (in the bucket of the TTL of the breakpoint ending them),
 * and the rest is plain input. A hit refreshes the entry's TTL, as the real cache does.
 */
export class PromptCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly options: PromptCacheOptions) {
    const { minTokens } = options;
    const values = typeof minTokens === "number" ? [minTokens] : Object.values(minTokens);
    for (const value of values) {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`promptCache.minTokens must be whole numbers from 0, got ${value}`);
      }
    }
  }

  account(model: string, blocks: readonly PromptBlock[]): InputSplit {
    if (!blocks.some((b) => b.cache)) {
      return { input: inputTokensOf(blocks), cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    }
    const now = this.options.now();
    const minTokens = minimumOf(this.options.minTokens, model);
    const breakpoints: { end: number; tokens: number; key: string; ttl: CacheTtl }[] = [];
    const hash: Hash = createHash("sha256").update(model);
    let tokens = 0;
    blocks.forEach((b, i) => {
      hash.update(`\u0000${b.key}`);
      tokens += b.tokens;
      if (b.cache && tokens >= minTokens) {
        breakpoints.push({ end: i + 1, tokens, key: hash.copy().digest("hex"), ttl: b.cache });
      }
    });
    const total = tokens;
    const split: InputSplit = { input: total, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    if (breakpoints.length === 0) return split;

    let hit = -1;
    for (let i = breakpoints.length - 1; i >= 0; i--) {
      const expires = this.entries.get(breakpoints[i]!.key);
      if (expires !== undefined && expires > now) {
        hit = i;
        break;
      }
    }
    let covered = 0;
    breakpoints.forEach((bp, i) => {
      const segment = bp.tokens - covered;
      covered = bp.tokens;
      if (i <= hit) split.cacheRead += segment;
      else if (bp.ttl === "1h") split.cacheWrite1h += segment;
      else split.cacheWrite5m += segment;
      const expires = now + TTL_MS[bp.ttl];
      this.entries.set(bp.key, Math.max(expires, this.entries.get(bp.key) ?? 0));
    });
    split.input = total - covered;
    return split;
  }
}

/** Usage fields a scenario or a hook may set; the others keep their estimates. */
export interface UsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** A full Usage object, as the real API returns it. */
export function usageOf(split: InputSplit, outputTokens: number, override?: UsageOverride): Usage {
  const usage: Usage = {
    input_tokens: split.input,
    cache_creation_input_tokens: split.cacheWrite5m + split.cacheWrite1h,
    cache_read_input_tokens: split.cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: split.cacheWrite5m,
      ephemeral_1h_input_tokens: split.cacheWrite1h,
    },
    output_tokens: outputTokens,
    service_tier: "standard",
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    speed: null,
  };
  if (!override) return usage;
  if (override.input_tokens !== undefined) usage.input_tokens = override.input_tokens;
  if (override.output_tokens !== undefined) usage.output_tokens = override.output_tokens;
  if (override.cache_read_input_tokens !== undefined) {
    usage.cache_read_input_tokens = override.cache_read_input_tokens;
  }
  if (override.cache_creation_input_tokens !== undefined) {
    usage.cache_creation_input_tokens = override.cache_creation_input_tokens;
    usage.cache_creation = {
      ephemeral_5m_input_tokens: override.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    };
  }
  return usage;
}
