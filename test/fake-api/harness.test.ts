import { describe, expect, it } from "vitest";
import type { FakeApi } from "../../src/fake-api/index.js";
import { createGateway } from "../../src/models/index.js";
import { type CallEvent, type MissionOutcome, runAgent } from "../../src/orchestra/index.js";
import { testAgents, testConfig } from "../helpers/orchestra.js";
import { serve } from "./helpers.js";

/** One specialist's task, run by the orchestra against the fake API (live, no recordings). */
function runPyDev(api: FakeApi, trial: number): Promise<MissionOutcome> {
  const gateway = createGateway({
    config: testConfig,
    mode: "live",
    baseURL: api.url,
    apiKey: "test",
    maxRetries: 0,
  });
  return runAgent(
    { agent: "py-dev", objective: "Write the python backend view for orders." },
    { config: testConfig, agents: testAgents, gateway, profile: "three-tier", caseId: "messy-fake", trial },
  );
}

const calls = (o: MissionOutcome) => o.trace.events.filter((e): e is CallEvent => e.kind === "call");

describe("the orchestra against the messy fake API", () => {
  it("gets a cut reply whole on its retry with a larger max_tokens", async () => {
    const api = await serve({ messy: { rate: 1, kinds: ["truncated"] } });
    const outcome = await runPyDev(api, 1);
    const [cut, retry] = calls(outcome);
    expect(cut).toMatchObject({
      stopReason: "max_tokens",
      reply: { read: false, deviations: ["truncated"] },
    });
    expect(retry).toMatchObject({
      truncationRetry: true,
      stopReason: "end_turn",
      reply: { compliant: true },
    });
    expect(retry!.maxTokens).toBeGreaterThan(cut!.maxTokens);
    expect(calls(outcome)).toHaveLength(2);
    expect(outcome.final).toMatchObject({ type: "result", from: "py-dev" });
    expect(api.stats().messy).toEqual({ truncated: 1 });
  });

  it("reads each messy reply as the kind the fake API served", async () => {
    const api = await serve({ messy: { rate: 1 }, seed: 9 });
    const seen = new Set<string>();
    for (let trial = 1; trial <= 12; trial++) {
      const outcome = await runPyDev(api, trial);
      const served = new Map(api.stats().messyLog.map((e) => [e.requestId, e.kind]));
      for (const call of calls(outcome)) {
        const kind = served.get(call.requestId ?? "");
        // A retry of a cut reply is served whole: nothing to undo.
        expect(call.reply.deviations).toEqual(kind ? [kind] : []);
        if (kind) seen.add(kind);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });
});
