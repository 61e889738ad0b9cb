import { describe, expect, it } from "vitest";
import { type CallResult, type Gateway, ZERO_USAGE } from "../../src/models/index.js";
import { runMission } from "../../src/orchestra/index.js";
import { testAgents, testConfig } from "../helpers/orchestra.js";
import { reply, type ScriptedRequest } from "../helpers/scripted-api.js";

const config = testConfig;
const agents = testAgents;

/** A gateway that answers from a script with a fixed latency per agent: no SDK, no network. */
function stubGateway(
  script: Record<string, ((req: ScriptedRequest) => string)[]>,
  latency: Record<string, number>,
): Gateway {
  const calls = new Map<string, number>();
  return {
    mode: "replay",
    flush: () => [],
    flushCase: () => undefined,
    release: () => undefined,
    requests: { direct: 0, sdk: 0 },
    pacing: { rateLimited: {}, waitedMs: 0, lowestLimit: {} },
    async call(request, context): Promise<CallResult> {
      const n = (calls.get(context.agent) ?? 0) + 1;
      calls.set(context.agent, n);
      const first = String(request.messages[0]?.content ?? "");
      const req: ScriptedRequest = {
        agent: context.agent,
        model: "m",
        taskId: /<message[^>]*\sid="([^"]+)"/.exec(first)?.[1] ?? "?",
        requester: /<message[^>]*\sfrom="([^"]+)"/.exec(first)?.[1] ?? "?",
        userText: "",
        call: n,
      };
      const replies = script[context.agent]!;
      const text = replies[Math.min(n - 1, replies.length - 1)]!(req);
      return {
        message: {
          id: "x",
          type: "message",
          role: "assistant",
          model: "m",
          content: [],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        } as unknown as CallResult["message"],
        text,
        stopReason: "end_turn",
        tier: request.tier,
        model: "m",
        servedModel: "m",
        servedOther: false,
        rateLimited: 0,
        startedAt: 0,
        usage: ZERO_USAGE,
        costMicroUsd: 0,
        price: { model: "claude-haiku-5-5", from: null },
        latencyMs: latency[context.agent] ?? 0,
        latencySource: "recorded",
        fellBackFrom: [],
        attempts: 1,
        requestId: null,
        fingerprint: "f",
        provenance: { source: "synthetic", model: "m", recordedAt: "", sdkVersion: "" },
      };
    },
  };
}

describe("mission latency", () => {
  it("is the critical path: planner calls plus the slowest task of each wave", async () => {
    const gateway = stubGateway(
      {
        lead: [
          reply.plan([
            { id: "t1", to: "backend-lead", objective: "Build the backend api." },
            { id: "t2", to: "writer", objective: "Write the documentation." },
            { id: "t3", to: "ops-lead", objective: "Deploy it with docker deployment.", dependsOn: ["t1"] },
          ]),
          reply.result("Done."),
        ],
        "backend-lead": [
          reply.plan([{ id: "t1", to: "py-dev", objective: "Write the python backend view." }]),
          reply.result("ok"),
        ],
        "ops-lead": [
          reply.plan([{ id: "t1", to: "deployer", objective: "Write the docker deployment." }]),
          reply.result("ok"),
        ],
        "py-dev": [reply.result("ok")],
        deployer: [reply.result("ok")],
        writer: [reply.result("ok")],
      },
      { lead: 1000, "backend-lead": 500, "ops-lead": 400, "py-dev": 300, deployer: 200, writer: 5000 },
    );
    const outcome = await runMission(
      { text: "Ship it." },
      { config, agents, gateway, profile: "three-tier", caseId: "cp", trial: 1 },
    );
    expect(outcome.final.type).toBe("result");
    // wave 1: max(t1 = 500 + 300 + 500, t2 = 5000) = 5000; wave 2: t3 = 400 + 200 + 400 = 1000
    expect(outcome.criticalPathMs).toBe(1000 + 5000 + 1000 + 1000);
    // the serial sum of every call is larger
    expect(outcome.totals.latencyMs).toBe(2 * 1000 + 2 * 500 + 300 + 5000 + 2 * 400 + 200);
  });
});
