import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { indexPositions, parseYaml, parseYamlDocument } from "../../src/shared/yaml-source.js";
import { repoRoot } from "../helpers/cli.js";

/** Every path into a value, and for each one a path that goes past it (a missing key or item). */
function pathsOf(value: unknown, path: PropertyKey[] = [], out: PropertyKey[][] = []): PropertyKey[][] {
  out.push(path);
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [key, child] of entries) pathsOf(child, [...path, key], out);
    out.push([...path, Array.isArray(value) ? value.length : "no-such-key"]);
  } else {
    out.push([...path, "below-a-scalar"]);
  }
  return out;
}

/** The fast path's positions (from its own index) are the positioned document's, for every path. */
function expectSamePositions(text: string) {
  const fast = parseYaml(text, "x.yaml");
  const doc = parseYamlDocument(text, "x.yaml");
  for (const path of pathsOf(doc.value)) {
    expect(fast.positionOf(path), `${JSON.stringify(path)} in ${JSON.stringify(text)}`).toEqual(
      doc.positionOf(path),
    );
  }
}

describe("positions of the fast path (a js-yaml index) are the positioned document's", () => {
  it("on every YAML file the repository ships, through the index and not the fallback", () => {
    const dirs = ["suites", "fixtures/scenarios"];
    const files = [
      join(repoRoot, "orchestra.config.yaml"),
      ...dirs.flatMap((d) =>
        readdirSync(join(repoRoot, d))
          .filter((f) => f.endsWith(".yaml"))
          .map((f) => join(repoRoot, d, f)),
      ),
    ];
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(typeof indexPositions(text), file).not.toBe("symbol");
      expectSamePositions(text);
    }
  });

  it("on any JSON-like value written as YAML, in either style, with comments, CRLF or a BOM", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record({
          flow: fc.boolean(),
          indent: fc.constantFrom(2, 4),
          indentSeq: fc.boolean(),
          strings: fc.constantFrom("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL"),
          comments: fc.boolean(),
          crlf: fc.boolean(),
          bom: fc.boolean(),
          header: fc.boolean(),
        }),
        (value, style) => {
          let text = stringify(value, {
            collectionStyle: style.flow ? "flow" : "block",
            indent: style.indent,
            indentSeq: style.indentSeq,
            defaultStringType: style.strings as "PLAIN",
          });
          if (style.comments) {
            // A comment after every line that is not inside a block scalar (there it is content).
            text = text
              .split("\n")
              .map((line) => (line.trim() === "" || /[|>][-+0-9]*$/.test(line) ? line : `${line} # c`))
              .join("\n");
            text = `# header\n\n${text}`;
          }
          if (style.header) text = `--- # doc\n${text}`;
          if (style.crlf) text = text.replace(/\n/g, "\r\n");
          if (style.bom) text = `\uFEFF${text}`;
          // Only texts both parsers read alike: the value property test covers the rest.
          const json = (v: unknown) => JSON.stringify(v);
          fc.pre(json(parseYaml(text, "x.yaml").value) === json(parseYamlDocument(text, "x.yaml").value));
          expectSamePositions(text);
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
  });

  it("on the shapes a hand-written file has: empty values, tags, anchors, block scalars, nesting", () => {
    for (const text of [
      "a:\nb: 1\n",
      "a:   # empty\n  - x\n  -   \n  - y\n",
      "a: !!str x\nb: &anchor 2\nc: |\n  text\n  more\nd: >-\n  folded\n",
      "--- # h\n# c\nx: {a: 1, b: [1, 2], c: {}}\n",
      "x:\n",
      "- - a\n  - b\n- c: \n  d: 1\n",
      "x: ''\ny: \"\"\nz: ~\n",
      "cases:\n- id: a\n  input: { agent: x, task: t }\n- id: b\n",
      "root:\n    deep:\n        deeper: [ {k: v}, [1, [2]] ]\n",
      "'quoted key': 1\n\"other\": { 'k': v }\n1: one\ntrue: yes\n",
      "[a, b, {c: d}]\n",
      "plain scalar document\n",
      "a: 1 # trailing\n\n\n# between\nb:\n  # inside\n  c: 2\n",
      "k: v\r\nl:\r\n  - 1\r\n",
      "\uFEFFa:\n  b: 1\n",
      "a: !!str\nb: 1\n",
      "",
      "# only a comment\n",
    ]) {
      expectSamePositions(text);
    }
  });

  it("falls back to the positioned document where js-yaml's events do not line up with the value", () => {
    for (const text of ["a:\n  -\n  - x\n", "[a: 1, b]\n", "{a, b: 1}\n", "- [k: v]\n"]) {
      expect(indexPositions(text), text).toBeTypeOf("symbol");
      expectSamePositions(text);
    }
    // Explicit keys line up (key, then value), and an anchor on an empty node is skipped like a tag.
    for (const text of ["? a\n: 1\nb: 2\n", "? a\n: 1\n? b\n", "a: &x\nb: 1\n"]) expectSamePositions(text);
  });

  it("points at the value a path names, or the nearest ancestor of a missing one", () => {
    const text = "suite: x\ncases:\n  - id: a\n    input:\n      agent: b\n";
    const source = parseYaml(text, "p.yaml");
    expect(source.positionOf(["cases", 0, "input", "agent"])).toEqual({ line: 5, column: 14 });
    expect(source.positionOf(["cases", 0, "input", "task"])).toEqual({ line: 5, column: 7 });
    expect(source.positionOf(["cases", 3])).toEqual({ line: 3, column: 3 });
    const offset = parseYaml(text, "p.md", { lineOffset: 1 });
    expect(offset.positionOf(["suite"])).toEqual({ line: 2, column: 8 });
  });
});
