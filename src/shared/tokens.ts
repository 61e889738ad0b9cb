/**
 * The token estimate the harness uses wherever it has no API count: a quarter of the UTF-8 bytes,
 * rounded up (Anthropic's rule of thumb for English and code). The fake API bills input with it,
 * so on synthetic runs an estimate of context tokens is the tokens the fake billed for that text.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 4);
}

/** Where an estimated figure comes from, as reports name it. */
export const TOKEN_ESTIMATE_BASIS = "estimated: UTF-8 bytes / 4, rounded up";
