import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildMessage } from "../../src/protocol/index.js";
import { readXml } from "../../src/protocol/xml.js";
import { messageArb } from "./arbitraries.js";
import { checkWellFormed, parseXml } from "./fxp-oracle.js";

/** Markup-heavy edits: the mistakes and attacks a reply's XML can carry. */
const mutation = fc.tuple(
  fc.nat(),
  fc.integer({ min: 0, max: 6 }),
  fc.constantFrom(
    "<",
    ">",
    "/",
    '"',
    "'",
    "=",
    "&",
    "!",
    "?",
    "[",
    "]",
    " ",
    "a",
    "<a>",
    "</a>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "",
  ),
);

/** XML 1.0 errors fast-xml-parser's validator lets through and the reader does not. */
const STRICTER = [
  /^'<' in the value of attribute/, // AttValue excludes '<'
  /^declarations are not allowed inside elements/, // in content, '<!' opens a comment or CDATA only
  /^']]>' in text/, // CharData excludes ']]>'
  /^attributes of <[^>]+> must be separated by spaces/, // a stray '=' after a value
  /^invalid attribute name/, // a lone '=' where an attribute name belongs
  /^text after the root element/, // nothing but comments, PIs and spaces follow the root
  /^'&' that does not start a reference/, // in attribute values too
];

function mutate(xml: string, [at, cut, insert]: [number, number, string]): string {
  const i = at % (xml.length + 1);
  return xml.slice(0, i) + insert + xml.slice(i + cut);
}

describe("readXml, held to fast-xml-parser (validator and parser) as its reference", () => {
  it("builds the same tree for every protocol message", () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const xml = buildMessage(message);
        const read = readXml(xml);
        expect(read.ok).toBe(true);
        if (read.ok) expect(read.root).toEqual(parseXml(xml));
      }),
      { numRuns: 300 },
    );
  });

  it("accepts what the validator accepts and rejects what it rejects, on mutated messages", () => {
    fc.assert(
      fc.property(messageArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (message, edits) => {
        const xml = edits.reduce(mutate, buildMessage(message));
        const read = readXml(xml);
        const reference = checkWellFormed(xml);
        // Where the reference is laxer than XML 1.0, the reader keeps to the specification.
        if (!read.ok && reference.ok && STRICTER.some((r) => r.test(read.message))) return;
        expect(read.ok, `${xml}\nreader: ${read.ok || read.message}\nreference: ${reference.message}`).toBe(
          reference.ok,
        );
        if (read.ok && reference.ok) expect(read.root).toEqual(parseXml(xml));
      }),
      // Seeded so that CI is reproducible; 300,000 unseeded samples found no other difference than
      // the STRICTER ones above. Drop the seed to explore.
      { numRuns: 2000, seed: 20261128 },
    );
  });

  it("reads mixed content, comments, instructions, CDATA and entities as the reference does", () => {
    const xml = [
      '<?xml version="1.0"?>',
      "<!-- before -->",
      '<message type="result" note="a &amp; b &lt;c&gt; &#65;&#x42;">',
      "  <summary> one <!-- c --> two <?pi x?> <![CDATA[ <three> & ]]]]> four &amp;amp; </summary>",
      "  <empty/><empty></empty>",
      "</message>",
      "<!-- after -->",
      "",
    ].join("\n");
    const read = readXml(xml);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    // The reference has no `markup` mark; the reader sets it where a comment or instruction sat.
    const summary = read.root.children.get("summary")?.[0];
    expect(summary?.markup).toBe(true);
    delete summary?.markup;
    expect(read.root).toEqual(parseXml(xml));
    expect(read.root.attrs.note).toBe("a & b <c> AB");
    expect(read.root.children.get("summary")?.[0]?.text).toBe("one  two   <three> & ]] four &amp;");
  });

  it("names the line and column of the first error", () => {
    const read = readXml('<message type="result">\n  <summary>x</summry>\n</message>');
    expect(read).toMatchObject({ ok: false, line: 2, column: 13 });
    if (!read.ok)
      expect(read.message).toMatch(/<\/summry> does not match <summary> \(opened at line 2, column 3\)/);
    expect(readXml("<a><b></a>")).toMatchObject({ ok: false, line: 1, column: 7 });
    expect(readXml('<a x="1" x="2"/>')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/repeated/),
    });
    expect(readXml("<a/><b/>")).toMatchObject({ ok: false, message: "more than one root element" });
    expect(readXml("<a>")).toMatchObject({ ok: false, message: "unclosed element <a>" });
  });
});
