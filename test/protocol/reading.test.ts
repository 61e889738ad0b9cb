import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildMessage,
  DEVIATION_KINDS,
  deviationKinds,
  parseMessage,
  readReply,
  validateMessage,
} from "../../src/protocol/index.js";
import { messageArb } from "./arbitraries.js";

const ANSWERS = ["result", "status-update", "escalation", "error"] as const;
const read = (text: string, stopReason = "end_turn") =>
  readReply(text, { allowedTypes: ANSWERS, stopReason });

const RESULT = `<message type="result" id="r-1" from="django-expert" to="backend-coordinator" in-reply-to="m1/t1">
  <status>complete</status>
  <confidence>0.85</confidence>
  <summary>Fixed the N+1.</summary>
  <findings>
    <finding severity="high" file="shop/views.py" line="12">Queries in a loop.</finding>
  </findings>
</message>`;
const original = (parseMessage(RESULT) as { message: unknown }).message;

describe("the two readings of a reply", () => {
  // Each shape a real model writes, what the recovered reading makes of it, and the kinds it names.
  const shapes: [string, string, string[]][] = [
    ["a ```xml fence", `\`\`\`xml\n${RESULT}\n\`\`\``, ["fenced"]],
    ["a preamble and a sign-off", `Here is my answer:\n\n${RESULT}\n\nLet me know!`, ["prose-around"]],
    ["a fence inside prose", `Sure.\n\`\`\`xml\n${RESULT}\n\`\`\`\nDone.`, ["fenced", "prose-around"]],
    [
      "capitalised enums",
      RESULT.replace('severity="high"', 'severity="High"').replace(">complete<", ">Complete<"),
      ["enum-case"],
    ],
    [
      "a percentage and a line range",
      RESULT.replace(">0.85<", ">85%<").replace('line="12"', 'line="12-14"'),
      ["number-format"],
    ],
    ["a confidence with a word", RESULT.replace(">0.85<", ">0.85 (high)<"), ["number-format"]],
    [
      "an extra element",
      RESULT.replace("</summary>", "</summary>\n  <notes>took 3 min</notes>"),
      ["unknown-element"],
    ],
    [
      "a status update before the answer",
      `${RESULT.replace('type="result"', 'type="status-update"').replace(/<status>[\s\S]*<\/findings>/, "<state>in-progress</state><note>working</note>")}\n${RESULT}`,
      ["multiple-messages"],
    ],
  ];
  for (const [label, text, kinds] of shapes) {
    it(`reads ${label} as the original message, named ${kinds.join(" + ")}, not compliant`, () => {
      const r = read(text);
      expect(r.compliant).toBe(false);
      expect(r.message).toEqual(original);
      expect(deviationKinds(r)).toEqual(kinds);
    });
  }

  it("reads raw markup in a text field as text: tag names, <, >= and &&", () => {
    const raw = "The <input> has no <label> && b.n >= len(b.items)";
    const r = read(RESULT.replace("Fixed the N+1.", raw));
    expect(r.message).toMatchObject({ summary: raw });
    expect(deviationKinds(r)).toEqual(["markup-in-text"]);
    expect(r.deviations[0]!.path).toBe("message.summary");
    // Well-formed markup inside a text field is text too, never a child element.
    expect(read(RESULT.replace("Fixed the N+1.", "Use <b>bold</b> here")).message).toMatchObject({
      summary: "Use <b>bold</b> here",
    });
  });

  it("reads what the first release's reader lost or refused (found by the messy fake API)", () => {
    // `<message>` named in prose is no envelope.
    const named = read(`Here is the \`<message>\` reply:\n${RESULT}`);
    expect(named.message).toEqual(original);
    expect(deviationKinds(named)).toEqual(["prose-around"]);
    // Forty raw comparisons in a text field are text, not forty levels of nesting.
    const code = Array.from({ length: 40 }, (_, i) => `if (a${i} < b && c > d) {}`).join("\n");
    const deep = read(RESULT.replace("Fixed the N+1.", code));
    expect(deep.message).toMatchObject({ summary: code });
    expect(deviationKinds(deep)).toEqual(["markup-in-text"]);
    // A processing instruction or comment inside a text field is text the XML reader would drop.
    const php = RESULT.replace("Fixed the N+1.", "Put <?php echo $user; ?> in the view <!-- debug -->.");
    expect(validateMessage(php).compliant).toBe(false);
    expect(validateMessage(php).violations[0]!.message).toMatch(/processing instruction inside <summary>/);
    expect(read(php).message).toMatchObject({
      summary: "Put <?php echo $user; ?> in the view <!-- debug -->.",
    });
    expect(deviationKinds(read(php))).toEqual(["markup-in-text"]);
  });

  it("takes an empty container as none, and calls it compliant", () => {
    const r = read(
      RESULT.replace(/<findings>[\s\S]*<\/findings>/, "<findings></findings>\n  <deliverables/>"),
    );
    expect(r.compliant).toBe(true);
    expect(r.message).toMatchObject({ findings: [], deliverables: [] });
  });

  it("names a reply cut at max_tokens truncated, and an unreadable one unrecoverable", () => {
    const cut = read(RESULT.slice(0, 150), "max_tokens");
    expect(cut.message).toBeUndefined();
    expect(deviationKinds(cut)).toEqual(["truncated"]);
    const prose = read("I could not finish the task.");
    expect(prose.message).toBeUndefined();
    expect(deviationKinds(prose)).toEqual(["unrecoverable"]);
    // A complete message that stopped at max_tokens is read, and still counted truncated.
    expect(deviationKinds(read(RESULT, "max_tokens"))).toEqual(["truncated"]);
  });

  it("never guesses: a missing part, two summaries or an unknown enum is unrecoverable", () => {
    for (const text of [
      RESULT.replace(/<confidence>.*<\/confidence>/, ""),
      RESULT.replace("</summary>", "</summary><summary>Another.</summary>"),
      RESULT.replace('severity="high"', 'severity="severe"'),
      RESULT.replace(">0.85<", ">85<"),
      RESULT.replace("Fixed the N+1.", "close with </summary> and more"),
    ]) {
      const r = read(text);
      expect(r.message, text).toBeUndefined();
      expect(deviationKinds(r)).toContain("unrecoverable");
    }
  });

  it("of two messages acts on the last one the agent may send", () => {
    const task = `<message type="task-assignment" id="x" from="a" to="b"><objective>o</objective><acceptance-criteria><criterion>c</criterion></acceptance-criteria><priority>low</priority></message>`;
    const r = read(`${RESULT}\n${task}`);
    expect(r.message).toEqual(original);
    expect(deviationKinds(r)).toEqual(["multiple-messages"]);
  });

  it("refuses characters outside XML 1.0 in both readings: NUL, controls, lone surrogates, &#0;", () => {
    for (const bad of ["Fix\u0000ed", "Fix\u0007ed", "Fix\ud800ed", "Fix&#0;ed", "Fix&#x1;ed"]) {
      const text = RESULT.replace("Fixed", bad);
      expect(validateMessage(text).compliant, JSON.stringify(bad)).toBe(false);
      expect(read(text).message, JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("lists every deviation kind of the contract exactly once", () => {
    expect(DEVIATION_KINDS).toEqual([
      "fenced",
      "prose-around",
      "markup-in-text",
      "enum-case",
      "number-format",
      "unknown-element",
      "multiple-messages",
      "truncated",
      "unrecoverable",
    ]);
  });
});

describe("reading, property-tested", () => {
  it("leaves a strictly compliant message unchanged: same message, no deviation", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const xml = buildMessage(m);
        const r = readReply(xml);
        expect(r.compliant).toBe(true);
        expect(r.deviations).toEqual([]);
        expect(r.message).toEqual((parseMessage(xml) as { message: unknown }).message);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("never throws, on any text or any mutation of a message", () => {
    const mutated = fc
      .tuple(messageArb, fc.nat(), fc.nat(), fc.string({ maxLength: 8 }))
      .map(([m, at, len, insert]) => {
        const xml = buildMessage(m);
        const i = at % (xml.length + 1);
        return xml.slice(0, i) + insert + xml.slice(i + (len % 6));
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), fc.boolean(), (text, cut) => {
        const r = readReply(text, { allowedTypes: ANSWERS, stopReason: cut ? "max_tokens" : "end_turn" });
        expect(typeof r.compliant).toBe("boolean");
        if (!r.message)
          expect(deviationKinds(r).some((k) => k === "unrecoverable" || k === "truncated")).toBe(true);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
