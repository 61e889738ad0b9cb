import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildMessage,
  type Message,
  overheadRatio,
  parseMessage,
  validateMessage,
} from "../../src/protocol/index.js";
import { repoRoot } from "../helpers/cli.js";
import { messageArb } from "./arbitraries.js";

const RESULT = `<message type="result" id="r-7" from="security-auditor" to="security-coordinator" in-reply-to="t-3">
  <status>complete</status>
  <confidence>0.92</confidence>
  <summary>Login handler builds SQL by string concatenation.</summary>
  <findings>
    <finding severity="critical" cwe="CWE-89" file="src/auth/login.py" line="42">User input concatenated into SQL query.</finding>
  </findings>
  <deliverables>
    <deliverable kind="patch" path="src/auth/login.py"><![CDATA[cursor.execute("SELECT * FROM users WHERE email = %s", (email,))]]></deliverable>
  </deliverables>
</message>`;

function violationsOf(xml: string) {
  const result = parseMessage(xml);
  expect(result.ok, "expected a rejection").toBe(false);
  return result.violations;
}

describe("parsing protocol messages", () => {
  it("parses a complete result into a typed message, compliant", () => {
    const result = parseMessage(RESULT);
    expect(result.ok && result.compliant).toBe(true);
    if (!result.ok) return;
    expect(result.message).toEqual({
      type: "result",
      id: "r-7",
      from: "security-auditor",
      to: "security-coordinator",
      inReplyTo: "t-3",
      status: "complete",
      confidence: "0.92",
      summary: "Login handler builds SQL by string concatenation.",
      deliverables: [
        {
          kind: "patch",
          path: "src/auth/login.py",
          content: 'cursor.execute("SELECT * FROM users WHERE email = %s", (email,))',
        },
      ],
      findings: [
        {
          severity: "critical",
          cwe: "CWE-89",
          file: "src/auth/login.py",
          line: "42",
          text: "User input concatenated into SQL query.",
        },
      ],
      plan: [],
    });
  });

  it("keeps numbers as the strings written: 0.10 stays 0.10", () => {
    const result = parseMessage(RESULT.replace("0.92", "0.10"));
    expect(result.ok && result.message.type === "result" && result.message.confidence).toBe("0.10");
  });

  it("names the path of each missing required part", () => {
    expect(
      violationsOf(
        RESULT.replace("<summary>Login handler builds SQL by string concatenation.</summary>", ""),
      ).map((v) => v.path),
    ).toEqual(["message.summary"]);
    const task = `<message type="task-assignment" id="t1" from="a" to="b"><objective>x</objective><priority>high</priority></message>`;
    expect(violationsOf(task).map((v) => v.path)).toEqual(["message.acceptance-criteria"]);
    expect(
      violationsOf(
        `<message type="error" id="e" from="a" to="b"><code>X</code><detail>d</detail></message>`,
      ).map((v) => v.path),
    ).toEqual(["message.retryable"]);
  });

  it("rejects bad enums and numbers out of range, with expected and found", () => {
    const violations = violationsOf(
      RESULT.replace("0.92", "1.5")
        .replace('severity="critical"', 'severity="urgent"')
        .replace('line="42"', 'line="-3"'),
    );
    expect(violations.map((v) => [v.path, v.found])).toEqual([
      ["message.confidence", '"1.5"'],
      ["message.findings.finding[0].@severity", '"urgent"'],
      ["message.findings.finding[0].@line", '"-3"'],
    ]);
  });

  it("rejects unexpected elements and attributes", () => {
    const violations = violationsOf(RESULT.replace("<status>", '<mood>calm</mood><status mode="x">'));
    expect(violations.map((v) => v.message)).toEqual([
      "unexpected element <mood>",
      "unexpected attribute mode",
    ]);
  });

  it("recovers a message from prose or a Markdown fence, but counts it non-compliant", () => {
    for (const wrapped of [
      `Sure! Here is my answer:\n${RESULT}\nLet me know.`,
      `\`\`\`xml\n${RESULT}\n\`\`\``,
    ]) {
      const result = parseMessage(wrapped);
      expect(result.ok).toBe(true);
      expect(result.ok && result.recovered && !result.compliant).toBe(true);
      expect(result.violations).toHaveLength(1);
    }
    expect(parseMessage(`\`\`\`xml\n${RESULT}\n\`\`\``).violations[0]?.message).toMatch(/Markdown fence/);
  });

  it("allows an XML declaration and surrounding whitespace", () => {
    const result = parseMessage(`\n<?xml version="1.0" encoding="UTF-8"?>\n${RESULT}\n\n`);
    expect(result.ok && result.compliant).toBe(true);
  });

  it("decodes entities once: &amp;#65; stays &#65;", () => {
    const result = parseMessage(RESULT.replace("Login handler", "A &amp; B &lt;c&gt; &#65; &amp;#65;"));
    expect(result.ok && result.message.type === "result" && result.message.summary).toBe(
      "A & B <c> A &#65; builds SQL by string concatenation.".replace(" builds", " builds"),
    );
  });
});

describe("hostile input is refused with a violation, never a crash", () => {
  const cases: [string, string, RegExp][] = [
    [
      "billion laughs",
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><message type="error" id="e" from="a" to="b"><code>X</code><retryable>false</retryable><detail>&lol3;</detail></message>`,
      /DOCTYPE/,
    ],
    [
      "external entity",
      `<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><message type="error" id="e" from="a" to="b"><code>X</code><retryable>false</retryable><detail>&xxe;</detail></message>`,
      /DOCTYPE/,
    ],
    [
      "an undeclared entity",
      `<message type="error" id="e" from="a" to="b"><code>X</code><retryable>false</retryable><detail>&xxe;</detail></message>`,
      /undefined entity &xxe;/,
    ],
    [
      "10 MB",
      `<message type="error" id="e" from="a" to="b"><code>X</code><retryable>false</retryable><detail>${"a".repeat(10 * 1024 * 1024)}</detail></message>`,
      /too large/,
    ],
    [
      "10,000-deep nesting",
      `<message type="error" id="e" from="a" to="b">${"<x>".repeat(10_000)}${"</x>".repeat(10_000)}</message>`,
      /nesting too deep/,
    ],
    ["two messages", `${RESULT}\n${RESULT}`, /2 messages/],
    ["an unknown type", RESULT.replace('type="result"', 'type="memo"'), /unknown message type "memo"/],
    ["no message at all", "I could not complete the task.", /no <message> element/],
    ["malformed XML", RESULT.replace("</summary>", "</summry>"), /malformed XML/],
    ["an unclosed message", RESULT.replace("</message>", ""), /not closed/],
  ];
  for (const [label, input, pattern] of cases) {
    it(label, () => {
      const result = parseMessage(input);
      expect(result.ok).toBe(false);
      expect(result.violations.map((v) => v.message).join("\n")).toMatch(pattern);
    });
  }

  it("never throws on arbitrary strings or mutated messages", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const result = parseMessage(s);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: RESULT.length }),
        fc.integer({ min: 0, max: 20 }),
        fc.string({ maxLength: 8 }),
        (at, cut, insert) => {
          const mutated = RESULT.slice(0, at) + insert + RESULT.slice(at + cut);
          expect(typeof parseMessage(mutated).ok).toBe("boolean");
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("building messages", () => {
  it("round-trips every message type: parse(build(m)) is m, compliant", () => {
    fc.assert(
      fc.property(messageArb, (message: Message) => {
        const xml = buildMessage(message);
        const result = parseMessage(xml);
        if (!result.ok) throw new Error(`${xml}\n${JSON.stringify(result.violations, null, 2)}`);
        expect(result.compliant).toBe(true);
        expect(result.message).toEqual(message);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("overhead ratio", () => {
  it("counts tags, attributes, CDATA delimiters and indentation as markup", () => {
    // "<a x=\"1\">" 9 + "hello" 5 + "</a>" 4 = 18 bytes, 5 content: 13/18
    expect(overheadRatio('<a x="1">hello</a>')).toBeCloseTo(13 / 18, 10);
    // "<a>" 3 + "\n  " 3 + "<![CDATA[" 9 + "x<y" 3 + "]]>" 3 + "</a>" 4 = 25 bytes, 3 content
    expect(overheadRatio("<a>\n  <![CDATA[x<y]]></a>")).toBeCloseTo(22 / 25, 10);
    expect(overheadRatio("<a>é</a>")).toBeCloseTo(7 / 9, 10); // é is 2 bytes
  });

  it("falls as content grows: an 8 KB deliverable brings a result under the owners' 5%", () => {
    const small = validateMessage(RESULT).overheadRatio ?? 1;
    const big =
      validateMessage(RESULT.replace("cursor.execute", `${"x = 1\n".repeat(1400)}cursor.execute`))
        .overheadRatio ?? 1;
    expect(small).toBeGreaterThan(0.5);
    expect(big).toBeLessThan(0.05);
  });
});

describe("docs/protocol.md", () => {
  it("has a compliant example for each of the five types", () => {
    const doc = readFileSync(join(repoRoot, "docs/protocol.md"), "utf8");
    const examples = [...doc.matchAll(/```xml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const types = new Set<string>();
    for (const example of examples) {
      const report = validateMessage(example);
      expect(report.violations, example).toEqual([]);
      expect(report.compliant).toBe(true);
      types.add(report.type!);
    }
    expect([...types].sort()).toEqual(["error", "escalation", "result", "status-update", "task-assignment"]);
  });
});
