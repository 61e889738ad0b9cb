import { HttpResponse, http } from "msw";
import type { SetupServer } from "msw/node";
import { buildMessage, type Finding, type PlanTask } from "../../src/protocol/index.js";

/** A loopback base URL: the gateway then tells the (mocked) API which agent is calling. */
export const SCRIPTED_API = "http://127.0.0.1:9";

export interface ScriptedRequest {
  agent: string;
  model: string;
  /** The id of the task-assignment in the first user turn, and who sent it. */
  taskId: string;
  requester: string;
  /** All user turns' text, joined. */
  userText: string;
  /** 1-based count of this agent's calls so far (this one included). */
  call: number;
}

export type Reply =
  | string
  | ((req: ScriptedRequest) => string)
  | { status: number }
  | { text: string | ((req: ScriptedRequest) => string); stopReason: string; servedModel?: string };

export interface Script {
  [agent: string]: Reply[];
}

export interface ScriptLog {
  calls: { agent: string; model: string; maxTokens: number }[];
  inFlight: number;
  maxInFlight: number;
}

/**
 * Scripted model replies per agent, served through msw to the real SDK: the nth call of an agent
 * gets its nth reply (the last one repeats). A `{status}` reply answers with that API error.
 */
export function useScript(
  server: SetupServer,
  script: Script,
  options: { delayMs?: number } = {},
): ScriptLog {
  const log: ScriptLog = { calls: [], inFlight: 0, maxInFlight: 0 };
  const counts = new Map<string, number>();
  server.use(
    http.post(`${SCRIPTED_API}/v1/messages`, async ({ request }) => {
      const body = (await request.json()) as {
        model: string;
        max_tokens: number;
        messages: { role: string; content: string }[];
      };
      const agent = request.headers.get("x-orchestra-agent") ?? "unknown";
      const call = (counts.get(agent) ?? 0) + 1;
      counts.set(agent, call);
      log.calls.push({ agent, model: body.model, maxTokens: body.max_tokens });
      const first = body.messages[0]?.content ?? "";
      const req: ScriptedRequest = {
        agent,
        model: body.model,
        taskId: /<message[^>]*\sid="([^"]+)"/.exec(first)?.[1] ?? "?",
        requester: /<message[^>]*\sfrom="([^"]+)"/.exec(first)?.[1] ?? "?",
        userText: body.messages
          .filter((m) => m.role === "user")
          .map((m) => m.content)
          .join("\n"),
        call,
      };
      const replies = script[agent];
      if (!replies || replies.length === 0) throw new Error(`no scripted reply for ${agent}`);
      const reply = replies[Math.min(call - 1, replies.length - 1)]!;
      log.inFlight += 1;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      try {
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (typeof reply === "object" && "status" in reply) {
          const type =
            reply.status === 429
              ? "rate_limit_error"
              : reply.status === 529
                ? "overloaded_error"
                : "api_error";
          return HttpResponse.json(
            { type: "error", error: { type, message: "scripted" } },
            { status: reply.status, headers: { "retry-after-ms": "1" } },
          );
        }
        const shaped = typeof reply === "object" ? reply : undefined;
        const source = shaped ? shaped.text : reply;
        const text = typeof source === "function" ? source(req) : source;
        return HttpResponse.json(
          {
            id: `msg_${agent}_${call}`,
            type: "message",
            role: "assistant",
            model: shaped?.servedModel ?? body.model,
            content: [{ type: "text", text }],
            stop_reason: shaped?.stopReason ?? "end_turn",
            stop_sequence: null,
            usage: {
              input_tokens: 1000,
              output_tokens: 200,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          },
          { headers: { "request-id": `req_${agent}_${call}`, "x-orchestra-synthetic": "true" } },
        );
      } finally {
        log.inFlight -= 1;
      }
    }),
  );
  return log;
}

/** Reply builders: envelopes filled from the request, so replies answer the task they got. */
export const reply = {
  result:
    (
      summary: string,
      extra: {
        confidence?: string;
        findings?: Finding[];
        deliverables?: { kind: "code" | "patch" | "document" | "analysis"; path?: string; content: string }[];
      } = {},
    ) =>
    (req: ScriptedRequest) =>
      buildMessage({
        type: "result",
        id: `${req.agent}-r${req.call}`,
        from: req.agent,
        to: req.requester,
        inReplyTo: req.taskId,
        status: "complete",
        confidence: extra.confidence ?? "0.9",
        summary,
        deliverables: extra.deliverables ?? [],
        findings: extra.findings ?? [],
        plan: [],
      }),
  plan:
    (tasks: { id: string; to: string; objective: string; dependsOn?: string[] }[]) =>
    (req: ScriptedRequest) =>
      buildMessage({
        type: "result",
        id: `${req.agent}-plan${req.call}`,
        from: req.agent,
        to: req.requester,
        inReplyTo: req.taskId,
        status: "partial",
        confidence: "0.85",
        summary: `Plan of ${tasks.length} task(s).`,
        deliverables: [],
        findings: [],
        plan: tasks.map(
          (t): PlanTask => ({
            id: t.id,
            to: t.to,
            priority: "normal",
            dependsOn: t.dependsOn ?? [],
            objective: t.objective,
            acceptanceCriteria: ["Done as asked."],
            constraints: [],
          }),
        ),
      }),
  escalation:
    (reason: "knowledge-boundary" | "low-confidence" | "security" | "failure", summary: string) =>
    (req: ScriptedRequest) =>
      buildMessage({
        type: "escalation",
        id: `${req.agent}-e${req.call}`,
        from: req.agent,
        to: req.requester,
        inReplyTo: req.taskId,
        reason,
        target: req.requester,
        summary,
      }),
};
