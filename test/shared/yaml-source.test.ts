import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseYaml, parseYamlDocument } from "../../src/shared/yaml-source.js";
import { repoRoot } from "../helpers/cli.js";

const yamlFiles = (dir: string) =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(repoRoot, dir, f));

describe("parseYaml (fast path) and parseYamlDocument (positioned) agree", () => {
  it("on every YAML file the repository ships", () => {
    const files = [
      join(repoRoot, "orchestra.config.yaml"),
      ...yamlFiles("suites"),
      ...yamlFiles("fixtures/scenarios"),
    ];
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(parseYaml(text, file).value, file).toEqual(parseYamlDocument(text, file).value);
    }
  });

  it("on any JSON-like value written as YAML, block or flow style", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, flow) => {
        const text = stringify(value, flow ? { collectionStyle: "flow" } : {});
        // JSON round trip: the two may differ on -0 and 0 only, which no suite can tell apart.
        const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
        expect(json(parseYaml(text, "x.yaml").value)).toEqual(json(parseYamlDocument(text, "x.yaml").value));
      }),
      // Seeded so that CI is reproducible (an unseeded run once found `._0`; now pinned below).
      { numRuns: 1000, seed: 20261128 },
    );
  });

  it("on scalars whose type depends on the schema", () => {
    const text = [
      "a: 0.10",
      "b: 2026-11-25",
      "c: yes",
      "d: ~",
      "e: 0o17",
      "f: .inf",
      "g: '012'",
      "h: 1e3",
      "i: null",
      "j: True",
      "k: 1_000",
      "l: ._0",
      "m: 0b101",
      "n: 0x1F",
      "o: +.5",
      "p: -.inf",
      "q: 1.",
      "r: .NaN",
      "s: 017",
      "._1: key",
    ].join("\n");
    const fast = parseYaml(text, "s.yaml").value;
    expect(fast).toEqual(parseYamlDocument(text, "s.yaml").value);
    expect(fast).toMatchObject({
      b: "2026-11-25",
      c: "yes",
      d: null,
      e: 15,
      k: "1_000",
      l: "._0",
      m: "0b101",
      n: 31,
    });
  });

  it("keeps positions: a position asked of the fast path is the positioned parser's", () => {
    const text = "cases:\n  - id: a\n    expect:\n      - { type: nope }\n";
    const fast = parseYaml(text, "p.yaml");
    const path = ["cases", 0, "expect", 0, "type"];
    expect(fast.positionOf(path)).toEqual(parseYamlDocument(text, "p.yaml").positionOf(path));
    expect(fast.positionOf(path)).toMatchObject({ line: 4 });
  });

  it("bounds alias expansion: a billion-laughs document is refused, not walked", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const bomb = parseYaml(lines.join("\n"), "bomb.yaml");
    expect(bomb.value).toBeUndefined();
    expect(bomb.syntaxProblems[0]).toMatchObject({
      file: "bomb.yaml",
      line: 1,
      message: expect.stringMatching(/alias/i),
    });
    const fine = parseYaml("base: &b { x: 1 }\nuse: *b\n", "alias.yaml");
    expect(fine.value).toEqual({ base: { x: 1 }, use: { x: 1 } });
  });

  it("reports syntax errors and duplicate keys with line and column", () => {
    const broken = parseYaml("a: 1\nb: [1, 2\nc: 3\n", "b.yaml");
    expect(broken.syntaxProblems[0]).toMatchObject({ file: "b.yaml", line: expect.any(Number) });
    const duplicate = parseYaml("a: 1\na: 2\n", "d.yaml");
    expect(duplicate.syntaxProblems[0]).toMatchObject({ line: 2, column: 1 });
  });
});
