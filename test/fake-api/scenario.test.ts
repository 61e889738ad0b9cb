import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario, ScenarioSchema } from "../../src/fake-api/index.js";
import { formatProblem, InputError } from "../../src/shared/problem.js";
import { clientOf, MODEL, params, rejectionOf, serve, textOf } from "./helpers.js";

const as = (agent: string) => ({ headers: { "x-orchestra-agent": agent } });

function problemsOf(text: string, file = "s.yaml") {
  try {
    parseScenario(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error("expected the scenario to be refused");
}

describe("fake API scenarios", () => {
  it("matches rules by agent, model and call, first match wins", async () => {
    const scenario = parseScenario(`
rules:
  - match: { agent: security-auditor, call: 2 }
    reply: second call of the auditor
  - match: { agent: security-auditor, model: claude-haiku-5-5 }
    reply: auditor on haiku
    usage: { input_tokens: 1200, output_tokens: 350 }
    stopReason: end_turn
  - match: { agent: security-auditor }
    reply: auditor
  - match: { contains: migration }
    reply: migration plan
`);
    const api = await serve({ scenario });
    const client = clientOf(api);
    expect(textOf(await client.messages.create(params))).toBe("auditor");
    expect(textOf(await client.messages.create(params))).toBe("second call of the auditor");
    const haiku = await client.messages.create({ ...params, model: "claude-haiku-5-5" });
    expect(textOf(haiku)).toBe("auditor on haiku");
    expect(haiku.usage).toMatchObject({ input_tokens: 1200, output_tokens: 350 });
    const other = await client.messages.create(
      { ...params, messages: [{ role: "user", content: "plan the migration" }] },
      as("cloud-architect"),
    );
    expect(textOf(other)).toBe("migration plan");
    expect(textOf(await client.messages.create(params, as("debugger")))).toContain('from="debugger"');
  });

  it("counts calls and rule uses per trial when the harness says the trial, so every trial plays alike", async () => {
    const scenario = parseScenario(`
rules:
  - match: { agent: debugger, call: 1 }
    reply: first call
  - match: { agent: debugger }
    times: 1
    reply: once per trial
  - match: { agent: debugger }
    reply: later calls
`);
    const api = await serve({ scenario, ids: "per-agent" });
    const client = clientOf(api);
    const inTrial = (trial: number) => ({
      headers: { "x-orchestra-agent": "debugger", "x-orchestra-trial": String(trial) },
    });
    const texts = async (trial: number) => [
      textOf(await client.messages.create(params, inTrial(trial))),
      textOf(await client.messages.create(params, inTrial(trial))),
      textOf(await client.messages.create(params, inTrial(trial))),
    ];
    expect(await texts(1)).toEqual(["first call", "once per trial", "later calls"]);
    expect(await texts(2)).toEqual(["first call", "once per trial", "later calls"]);
    const second = await client.messages.create(params, inTrial(2)).withResponse();
    expect(second.request_id).toBe("req_fake_debugger_t2_000004");
  });

  it("counts calls per agent, retries included", async () => {
    const scenario = parseScenario(`
rules:
  - match: { agent: debugger, call: 1 }
    fault: 529
  - match: { agent: debugger, call: 2 }
    reply: the retry is call 2
`);
    const api = await serve({ scenario });
    const message = await clientOf(api, { maxRetries: 1 }).messages.create(params, as("debugger"));
    expect(textOf(message)).toBe("the retry is call 2");
  });

  it("a fault with times: N hits the first N matches, then the rule serves its reply", async () => {
    const scenario = parseScenario(`
rules:
  - match: { model: ${MODEL} }
    fault: 500
    times: 2
    reply: after two failures
    latencyMs: 0
`);
    const api = await serve({ scenario });
    const client = clientOf(api);
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.InternalServerError);
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.InternalServerError);
    expect(textOf(await client.messages.create(params))).toBe("after two failures");
    expect(textOf(await client.messages.create(params))).toBe("after two failures");
    expect(api.stats().faults).toEqual({ "500": 2 });
  });

  it("a fault with times and no reply falls through to the next rules; a reply with times too", async () => {
    const scenario = parseScenario(`
rules:
  - fault: "529"
    times: 1
  - reply: once
    times: 1
  - reply: from then on
`);
    const api = await serve({ scenario });
    const client = clientOf(api);
    expect(await rejectionOf(client.messages.create(params))).toBeInstanceOf(Anthropic.OverloadedError);
    expect(textOf(await client.messages.create(params))).toBe("once");
    expect(textOf(await client.messages.create(params))).toBe("from then on");
    expect(textOf(await client.messages.create(params))).toBe("from then on");
  });

  it("fills placeholders in replies from the request", async () => {
    const scenario = parseScenario(`
rules:
  - reply: |-
      <message type="result" id="r-{{call}}" from="{{agent}}" to="{{sender}}" in-reply-to="{{replyTo}}"><status>complete</status><confidence>0.8</confidence><summary>{{model}} {{requestId}}</summary></message>
`);
    const api = await serve({ scenario });
    const text = textOf(await clientOf(api).messages.create(params));
    expect(text).toBe(
      `<message type="result" id="r-1" from="security-auditor" to="security-coordinator" in-reply-to="t-7"><status>complete</status><confidence>0.8</confidence><summary>${MODEL} req_fake_000001</summary></message>`,
    );
  });

  it("applies a rule's latencyMs and stopReason", async () => {
    const scenario = parseScenario("rules:\n  - reply: slow\n    latencyMs: 120\n    stopReason: refusal\n");
    const api = await serve({ scenario });
    const started = performance.now();
    const message = await clientOf(api).messages.stream(params).finalMessage();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(message.stop_reason).toBe("refusal");
    expect(textOf(message)).toBe("slow");
  });

  it("loads a file and reports errors at file:line:column", () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-api-scenario-"));
    const good = join(dir, "good.yaml");
    writeFileSync(good, "description: ok\nrules:\n  - match: { agent: a }\n    fault: timeout\n");
    expect(loadScenario(good)).toEqual({
      description: "ok",
      rules: [{ match: { agent: "a" }, fault: "timeout" }],
    });

    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      [
        "rules:",
        "  - match: { agent: a }",
        "    reply: fine",
        "  - match: { agent: b, call: 0 }",
        "    fault: 418",
        "  - match: { agnt: c }",
        "    reply: x",
      ].join("\n"),
    );
    let error: unknown;
    try {
      loadScenario(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: bad, line: 4, column: 30, field: "rules.1.match.call" }),
        expect.objectContaining({ file: bad, line: 5, column: 12, field: "rules.1.fault" }),
        expect.objectContaining({ file: bad, line: 6, field: "rules.2.match" }),
      ]),
    );
    expect((error as Error).message).toContain(`${bad}:5:12: rules.1.fault: expected a fault kind`);
    expect(formatProblem(problems.find((p) => p.field === "rules.2.match")!)).toMatch(/agnt/);
  });

  it("reports YAML syntax errors with their position, and a missing file", () => {
    const problems = problemsOf("rules:\n  - reply: [unclosed\n");
    expect(problems[0]).toMatchObject({ file: "s.yaml", line: 3 });
    expect(problems[0]!.message).toMatch(/invalid YAML/);
    expect(() => loadScenario("/nonexistent/scenario.yaml")).toThrow(/cannot read scenario/);
  });

  it("refuses rules that cannot do what they say", () => {
    expect(problemsOf("rules:\n  - match: { agent: a }\n")[0]).toMatchObject({
      line: 2,
      field: "rules.0",
      message: expect.stringMatching(/needs something to do/),
    });
    expect(problemsOf("rules:\n  - fault: 529\n    reply: never\n")[0]).toMatchObject({
      line: 3,
      field: "rules.0.reply",
      message: expect.stringMatching(/never used.*times/),
    });
    expect(problemsOf("rules:\n  - reply: x\n    shouldRetry: false\n")[0]).toMatchObject({
      field: "rules.0.shouldRetry",
    });
    expect(problemsOf("rules:\n  - reply: x {{agnt}}\n")[0]!.message).toMatch(
      /unknown placeholder \{\{agnt\}\}/,
    );
    expect(problemsOf("rules:\n  - reply: x\n    times: 0\n")[0]).toMatchObject({ field: "rules.0.times" });
    expect(problemsOf("rules:\n  - reply: x\n    stopReason: done\n")[0]).toMatchObject({
      field: "rules.0.stopReason",
    });
    expect(problemsOf("rulez: []\n")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "rules", line: 1 }),
        expect.objectContaining({ message: 'Unrecognized key: "rulez"' }),
      ]),
    );
  });

  it("accepts fault kinds as YAML numbers or strings and yields strings", () => {
    const scenario = ScenarioSchema.parse({
      rules: [{ fault: 529 }, { fault: "sse-error" }, { fault: "429" }],
    });
    expect(scenario.rules.map((r) => r.fault)).toEqual(["529", "sse-error", "429"]);
  });
});
