import type { Message, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages";

/** Code points per text delta: a reply streams in several deltas, as a real one does. */
export const DELTA_CHARS = 16;

export interface SseEvent {
  event: string;
  data: string;
}

export function sseEvent(event: string, data: unknown): SseEvent {
  return { event, data: JSON.stringify(data) };
}

/** The wire form of one event: `event: NAME\ndata: JSON\n\n`. */
export function encodeSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${e.data}\n\n`;
}

export function chunkText(text: string, size = DELTA_CHARS): string[] {
  const points = Array.from(text);
  const chunks: string[] = [];
  for (let i = 0; i < points.length; i += size) chunks.push(points.slice(i, i + size).join(""));
  return chunks;
}

function raw(e: RawMessageStreamEvent): SseEvent {
  return sseEvent(e.type, e);
}

/**
 * The event sequence the real API streams for a text message: message_start (empty content, the
 * input usage), content_block_start, ping, content_block_delta per chunk, content_block_stop,
 * message_delta (stop reason, final usage), message_stop.
 */
export function messageEvents(message: Message): SseEvent[] {
  const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
  const events: SseEvent[] = [
    raw({
      type: "message_start",
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...message.usage, output_tokens: Math.min(1, message.usage.output_tokens) },
      },
    }),
    raw({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "", citations: null },
    }),
    sseEvent("ping", { type: "ping" }),
  ];
  for (const chunk of chunkText(text)) {
    events.push(raw({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: chunk } }));
  }
  events.push(
    raw({ type: "content_block_stop", index: 0 }),
    raw({
      type: "message_delta",
      delta: {
        stop_reason: message.stop_reason,
        stop_sequence: message.stop_sequence,
        stop_details: null,
        container: null,
      },
      usage: {
        input_tokens: message.usage.input_tokens,
        cache_creation_input_tokens: message.usage.cache_creation_input_tokens,
        cache_read_input_tokens: message.usage.cache_read_input_tokens,
        output_tokens: message.usage.output_tokens,
        output_tokens_details: null,
        server_tool_use: null,
      },
    }),
    raw({ type: "message_stop" }),
  );
  return events;
}

/** Where a faulty stream breaks: after message_start, the block start, the ping and one delta. */
export function breakPoint(events: readonly SseEvent[]): number {
  return Math.min(4, Math.max(1, events.length - 3));
}
