import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";

const CacheControlSchema = z.looseObject({
  type: z.literal("ephemeral"),
  ttl: z.enum(["5m", "1h"]).optional(),
});

const BlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  cache_control: CacheControlSchema.nullish(),
});

const TextBlockSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  cache_control: CacheControlSchema.nullish(),
});

/**
 * The body of `POST /v1/messages`, checked as little as the real API is strict about: the required
 * fields and the shapes the fake reads. Anything else passes through untouched.
 */
export const MessagesBodySchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["user", "assistant", "system"]),
        content: z.union([z.string(), z.array(BlockSchema)]),
      }),
    )
    .min(1, "at least one message is required"),
  system: z.union([z.string(), z.array(TextBlockSchema)]).optional(),
  tools: z.array(z.looseObject({ cache_control: CacheControlSchema.nullish() })).optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
});
export type MessagesBody = z.infer<typeof MessagesBodySchema>;
export type ContentBlock = z.infer<typeof BlockSchema>;
export type CacheControl = z.infer<typeof CacheControlSchema>;

/** `POST /v1/messages/count_tokens` takes the same body without max_tokens. */
export const CountTokensBodySchema = MessagesBodySchema.omit({ max_tokens: true, stream: true });

/** The first problem of a body, worded like the real API (`max_tokens: Field required`). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request body";
  const path = issue.path.map(String).join(".");
  const missing = issue.code === "invalid_type" && issue.input === undefined;
  const text = missing ? "Field required" : issue.message;
  return path ? `${path}: ${text}` : text;
}

/** Text of a message content: the string, or its text blocks joined by newlines. */
export function textOf(content: string | readonly ContentBlock[]): string {
  if (typeof content === "string") return content;
  return content
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => b.text)
    .join("\n");
}

export function lastUserText(body: MessagesBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i]!;
    if (m.role === "user") return textOf(m.content);
  }
  return "";
}

/**
 * The text of the conversation's first user turn: the task being answered. A planner's second call
 * carries its reports' replies in a later turn, and a corrective retry carries the violations, so
 * the envelope of the task must come from here, not from the last turn.
 */
export function firstUserText(body: MessagesBody): string {
  const first = body.messages.find((m) => m.role === "user");
  return first ? textOf(first.content) : "";
}

export interface Envelope {
  id?: string;
  from?: string;
  to?: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeAttr(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name] ?? "");
}

/** The attributes of the first `<message ...>` start tag in a text, if any. */
export function envelopeOf(text: string): Envelope {
  const tag = /<message\b([^>]*)>/.exec(text);
  if (!tag) return {};
  const out: Envelope = {};
  for (const m of (tag[1] ?? "").matchAll(/([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const name = m[1];
    const value = unescapeAttr(m[2] ?? m[3] ?? "");
    if (name === "id" || name === "from" || name === "to") out[name] = value;
  }
  return out;
}

/** Header names whose values are credentials: never handed to hooks or kept anywhere. */
const SECRET_HEADERS = new Set(["authorization", "x-api-key", "cookie", "proxy-authorization"]);

/** Request headers with lower-case names, credentials left out, repeated values joined. */
export function publicHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Whether the request carries an API key the way the SDK sends one. */
export function hasCredentials(headers: IncomingHttpHeaders): boolean {
  const key = headers["x-api-key"];
  if (typeof key === "string" && key.trim() !== "") return true;
  const auth = headers.authorization;
  return typeof auth === "string" && /^Bearer\s+\S/i.test(auth);
}
