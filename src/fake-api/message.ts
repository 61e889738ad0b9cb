import type { Message, Usage } from "@anthropic-ai/sdk/resources/messages/messages";
import type { Completion } from "./reply.js";

/** A complete `Message` object as the real API returns it for a text reply. */
export function messageOf(id: string, model: string, completion: Completion, usage: Usage): Message {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text: completion.text, citations: null }],
    stop_reason: completion.stopReason,
    stop_sequence: completion.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  };
}
