import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario, recordedReplies } from "../../src/fake-api/index.js";
import { createGateway, RecordingStore } from "../../src/models/index.js";
import { shippedConfig } from "../helpers/config.js";
import { serve } from "./helpers.js";

const request = {
  tier: "haiku",
  system: "You run tests.",
  messages: [{ role: "user" as const, content: "run the tests" }],
  maxTokens: 128,
};
const context = { agent: "test-automator", caseId: "rec-case", trial: 1 };

/** A recordings folder holding one reply to `request`, recorded through the fake API. */
async function recordingsDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "fake-recorded-"));
  const api = await serve({ scenario: parseScenario("rules:\n  - reply: the recorded reply\n") });
  const recorder = createGateway({
    config: shippedConfig,
    mode: "record",
    recordings: new RecordingStore(dir),
    baseURL: api.url,
  });
  await recorder.call(request, context);
  recorder.flush();
  await api.close();
  return dir;
}

describe("fake API serving recordings", () => {
  it("leaves the delay of a recorded reply to the server's latencyMs", async () => {
    const dir = await recordingsDir();
    const live = (url: string) =>
      createGateway({ config: shippedConfig, mode: "live", baseURL: url, maxRetries: 0 });

    const prompt = await serve({ reply: recordedReplies(dir) });
    expect((await live(prompt.url).call(request, context)).text).toBe("the recorded reply");

    // A minute's latency against a 300 ms timeout: the recorded reply must not come at once.
    const slow = await serve({ reply: recordedReplies(dir), latencyMs: 60_000 });
    await expect(live(slow.url).call({ ...request, timeoutMs: 300 }, context)).rejects.toThrow();
    expect(slow.stats().messages).toBeGreaterThan(0);
    expect(slow.stats().byStatus).toEqual({});
  });

  it("gives recorded replies no latency of their own", async () => {
    const hook = recordedReplies(await recordingsDir());
    const seen: unknown[] = [];
    const api = await serve({
      reply: (req) => {
        const spec = hook(req);
        seen.push(spec);
        return spec;
      },
    });
    const gateway = createGateway({ config: shippedConfig, mode: "live", baseURL: api.url, maxRetries: 0 });
    await gateway.call(request, context);
    expect(seen[0]).toMatchObject({ text: "the recorded reply" });
    expect(seen[0]).not.toHaveProperty("latencyMs");
  });
});
