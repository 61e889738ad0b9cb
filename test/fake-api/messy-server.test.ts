import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { type FakeApiOptions, MESSY_LOG_LIMIT, parseScenario } from "../../src/fake-api/index.js";
import { MessyPicker } from "../../src/fake-api/messy-picker.js";
import { DEVIATION_KINDS, type DeviationKind, deviationKinds, readReply } from "../../src/protocol/index.js";
import { clientOf, MODEL, params, rejectionOf, serve, TASK, textOf } from "./helpers.js";

const SPECIALIST = ["result", "status-update", "escalation", "error"];
const as = (agent: string) => ({ headers: { "x-orchestra-agent": agent } });

const readOf = (message: Anthropic.Message) =>
  readReply(textOf(message), { allowedTypes: SPECIALIST, stopReason: message.stop_reason });

/** One call, JSON or streamed, with its request id. */
async function call(
  client: Anthropic,
  stream: boolean,
  body: Anthropic.MessageCreateParamsNonStreaming = params,
  options: { headers?: Record<string, string> } = {},
): Promise<{ message: Anthropic.Message; requestId: string }> {
  if (stream) {
    const s = client.messages.stream(body, options);
    const message = await s.finalMessage();
    return { message, requestId: String(s.request_id) };
  }
  const { data, request_id } = await client.messages.create(body, options).withResponse();
  return { message: data, requestId: String(request_id) };
}

describe("fake API messy replies", () => {
  it("at rate 1 perturbs every reply, JSON and streamed, each read as the kind the stats count", async () => {
    const api = await serve({ messy: { rate: 1 }, seed: 5 });
    const client = clientOf(api);
    const kinds: DeviationKind[] = [];
    for (let i = 0; i < 60; i++) {
      const { message, requestId } = await call(client, i % 2 === 1);
      const entry = api.stats().messyLog.find((e) => e.requestId === requestId);
      expect(entry).toMatchObject({ agent: "security-auditor" });
      const reading = readOf(message);
      expect(deviationKinds(reading)).toEqual([entry!.kind]);
      if (entry!.kind === "truncated") {
        expect(message.stop_reason).toBe("max_tokens");
        expect(message.usage.output_tokens).toBe(params.max_tokens);
      } else {
        expect(message.stop_reason).toBe("end_turn");
      }
      if (reading.message) {
        // The default reply, recovered: from the agent back to the task's sender, in reply to it.
        expect(reading.message).toMatchObject({ type: "result", from: "security-auditor", inReplyTo: "t-7" });
        expect(reading.message).toMatchObject({ to: "security-coordinator", status: "complete" });
      }
      kinds.push(entry!.kind);
    }
    const stats = api.stats();
    expect(stats.messyLog.map((e) => e.kind)).toEqual(kinds);
    const counted: Partial<Record<DeviationKind, number>> = {};
    for (const kind of kinds) counted[kind] = (counted[kind] ?? 0) + 1;
    expect(stats.messy).toEqual(counted);
    // The default reply offers every kind something to perturb: all nine are drawn.
    expect(Object.keys(stats.messy).sort()).toEqual([...DEVIATION_KINDS].sort());
  });

  it("serves a cut reply whole when it is asked again with a larger max_tokens", async () => {
    const api = await serve({ messy: { rate: 1, kinds: ["truncated"] } });
    const client = clientOf(api);
    for (const stream of [false, true]) {
      const cut = (await call(client, stream)).message;
      expect(cut.stop_reason).toBe("max_tokens");
      expect(textOf(cut)).not.toContain("</message>");
      expect(cut.usage.output_tokens).toBe(params.max_tokens);
      // The same budget again is not the harness's retry: cut again.
      expect((await call(client, stream)).message.stop_reason).toBe("max_tokens");
      const whole = (await call(client, stream, { ...params, max_tokens: 2 * params.max_tokens })).message;
      expect(whole.stop_reason).toBe("end_turn");
      expect(readOf(whole).compliant).toBe(true);
      // Served whole once: the conversation's next reply is messy again.
      const again = (await call(client, stream, { ...params, max_tokens: 4 * params.max_tokens })).message;
      expect(again.stop_reason).toBe("max_tokens");
    }
    expect(api.stats().messy).toEqual({ truncated: 6 });
  });

  it("keeps a cut conversation until its retry is served, across a fault", async () => {
    const scenario = parseScenario(`
rules:
  - match: { call: 1 }
    messy: truncated
  - match: { call: 2 }
    fault: 529
  - messy: truncated
`);
    const api = await serve({ scenario });
    const client = clientOf(api);
    expect((await call(client, false)).message.stop_reason).toBe("max_tokens");
    const bigger = { ...params, max_tokens: 1024 };
    expect(await rejectionOf(client.messages.create(bigger))).toMatchObject({ status: 529 });
    expect((await call(client, false, bigger)).message.stop_reason).toBe("end_turn");
    // Another conversation is not a retry of the first.
    const other = { ...bigger, system: "You audit code." };
    expect((await call(client, false, other)).message.stop_reason).toBe("max_tokens");
  });

  it("draws from streams per agent that leave the fault draws of a seed where they were", async () => {
    const pattern = async (options: FakeApiOptions) => {
      const api = await serve({ seed: 11, faults: [{ kind: "529", rate: 0.3 }], ...options });
      const client = clientOf(api);
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) {
        const agent = i % 3 === 0 ? "debugger" : "security-auditor";
        seen.push(
          await call(client, false, params, as(agent)).then(
            () => "ok",
            () => "529",
          ),
        );
      }
      return { seen, log: api.stats().messyLog.map((e) => `${e.agent}:${e.kind}`) };
    };
    const plain = await pattern({});
    const messy = await pattern({ messy: { rate: 0.5 } });
    expect(plain.seen).toContain("529");
    expect(messy.seen).toEqual(plain.seen);
    expect(messy.log.length).toBeGreaterThan(0);
    expect(messy.log.length).toBeLessThan(messy.seen.filter((s) => s === "ok").length);
    // The same seed gives the same messy replies.
    expect((await pattern({ messy: { rate: 0.5 } })).log).toEqual(messy.log);
  });

  it("leaves faults, raw responses and replies without a message untouched", async () => {
    const scenario = parseScenario(`
rules:
  - match: { agent: a }
    reply: "plain text, no protocol message"
  - match: { agent: b }
    fault: cut
`);
    const api = await serve({
      messy: { rate: 1 },
      scenario,
      reply: (req) =>
        req.agent === "c"
          ? { raw: { status: 200, json: { type: "message", role: "assistant", content: [] } } }
          : undefined,
    });
    const client = clientOf(api);
    expect(textOf((await call(client, false, params, as("a"))).message)).toBe(
      "plain text, no protocol message",
    );
    await rejectionOf(client.messages.create(params, as("b")));
    await client.messages.create(params, as("c"));
    expect(api.stats().messy).toEqual({});
    expect(api.stats().messyLog).toEqual([]);
  });

  it("tries the kinds after a drawn one that does not apply, and serves untouched when none does", async () => {
    // An error message has no number to reformat: number-format gives way to the next kind listed.
    const reply =
      '<message type="error" id="e-1" from="{{agent}}" to="{{sender}}"><code>NO_ACCESS</code><retryable>false</retryable><detail>No access.</detail></message>';
    const scenario = parseScenario(`rules:\n  - reply: '${reply}'\n`);
    const fallback = await serve({ scenario, messy: { rate: 1, kinds: ["number-format", "enum-case"] } });
    for (let i = 0; i < 6; i++) {
      const { message } = await call(clientOf(fallback), false);
      expect(deviationKinds(readOf(message))).toEqual(["enum-case"]);
    }
    expect(fallback.stats().messy).toEqual({ "enum-case": 6 });
    const none = await serve({ scenario, messy: { rate: 1, kinds: ["number-format"] } });
    const { message } = await call(clientOf(none), false);
    expect(readOf(message).compliant).toBe(true);
    expect(none.stats().messy).toEqual({});
  });

  it("keeps the last MESSY_LOG_LIMIT entries of the log, and counts them all", () => {
    const picker = new MessyPicker({ rate: 1, kinds: ["unknown-element"] }, 1);
    const body = { ...params, messages: [...params.messages] };
    const total = MESSY_LOG_LIMIT + 5;
    for (let i = 1; i <= total; i++) {
      const plan = picker.plan({ model: MODEL, body }, TASK, undefined, picker.draw("a"));
      picker.record(plan, `req-${i}`, "a");
    }
    const log = picker.log();
    expect(log).toHaveLength(MESSY_LOG_LIMIT);
    expect(log[0]!.requestId).toBe("req-6");
    expect(log.at(-1)!.requestId).toBe(`req-${total}`);
    expect(picker.counts()).toEqual({ "unknown-element": total });
  });
});

describe("fake API messy scenarios", () => {
  const RESULT = `<message type="result" id="r-{{call}}" from="{{agent}}" to="{{sender}}" in-reply-to="{{replyTo}}">
  <status>complete</status>
  <confidence>0.8</confidence>
  <summary>Checked.</summary>
</message>`;
  const indent = (text: string) => text.replace(/\n/g, "\n      ");

  it("applies a rule's messy kind to its reply, always", async () => {
    const scenario = parseScenario(`
rules:
  - match: { agent: security-auditor }
    messy: fenced
    reply: |
      ${indent(RESULT)}
  - messy: prose-around
`);
    const api = await serve({ scenario });
    const client = clientOf(api);
    for (let i = 0; i < 3; i++) {
      const { message } = await call(client, i === 1);
      expect(textOf(message).startsWith("```xml\n")).toBe(true);
      expect(readOf(message).message).toMatchObject({ summary: "Checked.", id: `r-${i + 1}` });
      expect(deviationKinds(readOf(message))).toEqual(["fenced"]);
    }
    const other = await call(client, false, params, as("debugger"));
    expect(deviationKinds(readOf(other.message))).toEqual(["prose-around"]);
    expect(api.stats().messy).toEqual({ fenced: 3, "prose-around": 1 });
  });

  it("uses a scenario's messy rate unless the server has its own", async () => {
    const scenario = parseScenario("messy: { rate: 1, kinds: [unknown-element] }\nrules: []\n");
    const fromScenario = await serve({ scenario });
    await call(clientOf(fromScenario), false);
    expect(fromScenario.stats().messy).toEqual({ "unknown-element": 1 });
    const fromServer = await serve({ scenario, messy: { rate: 1, kinds: ["enum-case"] } });
    await call(clientOf(fromServer), false);
    expect(fromServer.stats().messy).toEqual({ "enum-case": 1 });
    const off = await serve({ scenario, messy: { rate: 0 } });
    await call(clientOf(off), false);
    expect(off.stats().messy).toEqual({});
  });

  it("refuses unknown kinds, rates out of range, and a rule's messy that a fault would hide", () => {
    const problems = (text: string) => {
      try {
        parseScenario(text, "s.yaml");
      } catch (err) {
        return (err as { problems: { field?: string; message: string; line?: number }[] }).problems;
      }
      throw new Error("expected the scenario to be refused");
    };
    expect(problems("rules:\n  - messy: wobbly\n")[0]).toMatchObject({
      field: "rules.0.messy",
      line: 2,
      message: expect.stringContaining("expected a deviation kind: one of fenced, prose-around"),
    });
    expect(problems("messy: { rate: 2 }\nrules: []\n")[0]).toMatchObject({ field: "messy.rate" });
    expect(problems("messy: { rate: 0.5, kinds: [] }\nrules: []\n")[0]).toMatchObject({
      field: "messy.kinds",
    });
    expect(problems("rules:\n  - fault: 529\n    messy: fenced\n")[0]).toMatchObject({
      field: "rules.0.messy",
      message: expect.stringContaining("never used"),
    });
  });

  it("refuses a bad messy option when the server starts", async () => {
    await expect(serve({ messy: { rate: 1.5 } })).rejects.toThrow(/messy rate 1.5/);
    await expect(serve({ messy: { rate: 1, kinds: [] } })).rejects.toThrow(/no messy kinds/);
    await expect(serve({ messy: { rate: 1, kinds: ["wobbly" as DeviationKind] } })).rejects.toThrow(
      /unknown messy kind "wobbly"/,
    );
  });
});
