import { z } from "zod";

export const ProvenanceSchema = z.strictObject({
  source: z
    .enum(["live", "synthetic"])
    .describe("live: the real Anthropic API; synthetic: the fake API or hand-written"),
  model: z.string().describe("model id that produced the response"),
  recordedAt: z.string().describe("ISO 8601 time of the recording"),
  sdkVersion: z.string().describe("@anthropic-ai/sdk version that made the request"),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

const headers = z.record(z.string(), z.string());

/** What the transport returned for one HTTP attempt, enough to replay it byte for byte to the SDK. */
export const RecordedResponseSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("json"), status: z.number().int(), headers, body: z.unknown() }),
  z.strictObject({
    kind: z.literal("sse"),
    status: z.number().int(),
    headers,
    events: z.array(z.strictObject({ event: z.string(), data: z.string() })),
    /** The stream ended without message_stop (a cut connection). */
    truncated: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal("text"), status: z.number().int(), headers, text: z.string() }),
  z.strictObject({ kind: z.literal("network-error"), message: z.string() }),
]);
export type RecordedResponse = z.infer<typeof RecordedResponseSchema>;

export const RecordingSchema = z.strictObject({
  case: z.string().min(1),
  /** The profile the case was recorded under (for people: a recording answers its request under any profile). */
  profile: z.string(),
  trial: z.number().int().positive(),
  /** The nth time (from 1) this exact request was sent in this case and trial: retries and repeats. */
  seq: z.number().int().positive(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  agent: z.string(),
  model: z.string(),
  request: z.record(z.string(), z.unknown()).describe("normalized request; system text as a digest"),
  response: RecordedResponseSchema,
  latencyMs: z.number().nonnegative().describe("wall time of this attempt when it was recorded"),
  ttftMs: z.number().nonnegative().optional(),
  requestId: z.string().nullable(),
  provenance: ProvenanceSchema,
  /** sha256 of the line as written without this key: an edited recording is refused. */
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type Recording = z.infer<typeof RecordingSchema>;

/** Response headers worth keeping: nothing that could carry a credential is ever stored. */
export const KEPT_HEADERS = [
  "content-type",
  "request-id",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
  "x-orchestra-synthetic",
] as const;
