import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orchestra, repoRoot } from "../helpers/cli.js";

/**
 * Bad input, as a user meets it: every error is a few clear lines (file, line, what was expected,
 * how to fix it), never a stack trace and never the input echoed back by the megabyte.
 */

const dir = mkdtempSync(join(tmpdir(), "orchestra-errors-"));
const write = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
};

/** Deterministic bytes (a linear congruential generator), so a failure reproduces. */
function noise(size: number, seed: number, map: (byte: number) => number = (b) => b): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = map(x >>> 24);
  }
  return bytes;
}

const problemLines = (stderr: string) => stderr.split("\n").filter((l) => l.includes(".yaml:"));

const agentFile = (fields: string) =>
  `---\nname: bad-agent\ndescription: Use for nothing.\nmodel: sonnet\n${fields}\n---\nYou are an agent.\n`;

describe("a file that is not text is one line, before any parser quotes it", () => {
  it("a 5 MB binary file given as a suite", () => {
    const file = write("binary.yaml", noise(5 * 1024 * 1024, 7));
    const { code, stdout, stderr } = orchestra(["run", file]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.length).toBeLessThan(400);
    expect(stderr).toMatch(
      /binary\.yaml: not a text file \(a NUL byte at offset \d+\); suites are UTF-8 YAML/,
    );
    expect(stderr.trim().split("\n")).toHaveLength(2); // "orchestra: input error" and the problem
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("5 MB without a NUL byte, that is not UTF-8", () => {
    const file = write(
      "high-bytes.yaml",
      noise(5 * 1024 * 1024, 11, (b) => 0x80 | b),
    );
    const { code, stderr } = orchestra(["run", file]);
    expect(code).toBe(2);
    expect(stderr.length).toBeLessThan(400);
    expect(stderr).toMatch(
      /high-bytes\.yaml:1: not a UTF-8 text file \(byte 0x[0-9A-F]{2} at offset \d+ is not valid UTF-8\)/,
    );
  });

  it("an agent file in Latin-1: one line, and the other agents still load", () => {
    const agents = join(dir, "latin1-agents");
    write("latin1-agents/good.md", agentFile("tools: Read"));
    write(
      "latin1-agents/latin1.md",
      Buffer.from(
        agentFile("tools: Read").replace("You are an agent.", "Tu es un agent sp\xe9cial."),
        "latin1",
      ),
    );
    const { code, stdout } = orchestra(["agents", "--dir", agents, "--no-policy"]);
    expect(code).toBe(1);
    const lines = stdout.split("\n").filter((l) => l.includes("latin1.md"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /latin1\.md:7: not a UTF-8 text file \(byte 0xE9 at offset \d+ is not valid UTF-8\); agent files are UTF-8 Markdown/,
    );
    expect(stdout).toContain("Problems (1):");
    expect(stdout).toContain("bad-agent");
  });

  it("a configuration file in Latin-1 or binary", () => {
    const latin1 = write("latin1.config.yaml", Buffer.from("version: 1\n# r\xe9glages\n", "latin1"));
    const text = orchestra(["--config", latin1, "agents"]);
    expect(text.code).toBe(2);
    expect(text.stderr.trim().split("\n")).toEqual([
      "orchestra: input error",
      expect.stringMatching(
        /latin1\.config\.yaml:2: not a UTF-8 text file \(byte 0xE9 at offset 14 is not valid UTF-8\); the configuration is UTF-8 YAML/,
      ),
    ]);
    const binary = write("binary.config.yaml", noise(100_000, 3));
    const bin = orchestra(["--config", binary, "agents"]);
    expect(bin.code).toBe(2);
    expect(bin.stderr.trim().split("\n")).toHaveLength(2);
    expect(bin.stderr).toMatch(/binary\.config\.yaml: not a text file \(a NUL byte at offset \d+\)/);
  });

  it("a binary scenario for the fake API stops it before it listens", () => {
    const file = write("binary-scenario.yaml", noise(200_000, 5));
    const { code, stdout, stderr } = orchestra(["fake-api", "--port", "0", "--scenario", file]);
    expect(code).toBe(2);
    expect(stdout).not.toContain("listening");
    expect(stderr).toMatch(
      /binary-scenario\.yaml: not a text file \(a NUL byte at offset \d+\); scenarios are UTF-8 YAML/,
    );
    expect(stderr.length).toBeLessThan(400);
  });
});

describe("many problems: every one is kept, a bounded number printed", () => {
  it("a generated suite with 10,000 schema errors prints 50 of them and the count of the rest", () => {
    const cases = Array.from(
      { length: 10_000 },
      (_, i) =>
        `  - id: Bad_Id_${i}\n    title: case ${i}\n    input: { agent: security-auditor, task: t }\n    expect: [{ type: no-cycle }]\n`,
    );
    const file = write("ten-thousand.yaml", `suite: individual\ncases:\n${cases.join("")}`);
    const { code, stderr } = orchestra(["run", file]);
    expect(code).toBe(2);
    const lines = problemLines(stderr);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toMatch(/ten-thousand\.yaml:3:9: cases\.0\.id: kebab-case/);
    expect(lines[49]).toMatch(/ten-thousand\.yaml:199:9: cases\.49\.id: kebab-case/);
    expect(lines[50]).toMatch(/ten-thousand\.yaml: and 9950 more problem\(s\)$/);
    expect(stderr.length).toBeLessThan(20_000);
  });

  it("problems of every file are still reported in one run, each file bounded on its own", () => {
    const bad = (n: number) =>
      `suite: individual\ncases:\n${Array.from({ length: n }, (_, i) => `  - { id: X${i}, title: t, input: { mission: m }, expect: [{ type: no-cycle }] }\n`).join("")}`;
    const folder = join(dir, "two-files");
    write("two-files/a.yaml", bad(70));
    write("two-files/b.yaml", bad(2));
    const { code, stderr } = orchestra(["run", folder]);
    expect(code).toBe(2);
    const lines = problemLines(stderr);
    expect(lines.filter((l) => /a\.yaml:\d+:\d+: cases\.\d+\.id/.test(l))).toHaveLength(50);
    expect(lines).toContainEqual(expect.stringMatching(/a\.yaml: and 20 more problem\(s\)$/));
    expect(lines.filter((l) => /b\.yaml:\d+:\d+: cases\.\d+\.id/.test(l))).toHaveLength(2);
  });

  it("a large text file with a syntax error quotes a short excerpt of it, on one line", () => {
    const file = write("long-token.yaml", `suite: individual\n] ${"x".repeat(2_000_000)}\n`);
    const { code, stderr } = orchestra(["run", file]);
    expect(code).toBe(2);
    const lines = problemLines(stderr);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(400);
    expect(lines.some((l) => /long-token\.yaml:2:\d+: invalid YAML: .*x…/.test(l))).toBe(true);
    expect(stderr.length).toBeLessThan(2_000);
  });
});

describe("messages that say what a field accepts", () => {
  const suite = (input: string) =>
    write(
      `input-${input.length}-${Math.abs(hash(input))}.yaml`,
      `suite: individual\ncases:\n  - id: a-case\n    title: t\n    input: ${input}\n    expect: [{ type: no-cycle }]\n`,
    );

  it("an input that is none of the three shapes names all three", () => {
    for (const input of ["{ specialist: security-auditor, task: t }", "42", "{}"]) {
      const { code, stderr } = orchestra(["run", suite(input)]);
      expect(code, input).toBe(2);
      const [line] = problemLines(stderr);
      expect(line, input).toMatch(/:5:12: cases\.0\.input: must be one of /);
      expect(line).toContain("{agent, task} (a specialist");
      expect(line).toContain("{coordinator, task} (a coordinator, with its specialists)");
      expect(line).toContain("{mission} (a mission for the orchestrator)");
      expect(line).toContain("each with optional context and criteria");
    }
  });

  it("an input that is one shape with a field missing says which field", () => {
    const { code, stderr } = orchestra(["run", suite("{ agent: security-auditor }")]);
    expect(code).toBe(2);
    const lines = problemLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cases\.0\.input\.task: .*expected string, received undefined/);
  });

  it("tools: 42 in an agent file says what tools accepts", () => {
    const agents = join(dir, "tools-agents");
    write("tools-agents/bad-tools.md", agentFile("tools: 42"));
    const { code, stdout } = orchestra(["agents", "--dir", agents, "--no-policy"]);
    expect(code).toBe(1);
    const line = stdout.split("\n").find((l) => l.includes("bad-tools.md"));
    expect(line).toMatch(
      /bad-tools\.md:5:8: tools: must be a comma-separated string such as "Read, Grep, Edit", or a YAML list of tool names\. Fix: /,
    );
  });

  it("a list of tools with a number in it points at the item", () => {
    const agents = join(dir, "tools-list-agents");
    write("tools-list-agents/bad-item.md", agentFile("tools:\n  - Read\n  - 7"));
    const { stdout } = orchestra(["agents", "--dir", agents, "--no-policy"]);
    expect(stdout).toMatch(/bad-item\.md:7:5: tools\.1: .*expected string, received number/);
  });
});

describe("positions asked for after loading (LoadedCase and LoadedConfig positionOf) still point at the field", () => {
  it("a case naming an unknown agent, and a profile overriding one", () => {
    const suite = write(
      "unknown-agent.yaml",
      "suite: individual\ncases:\n  - id: a-case\n    title: t\n    input: { agent: no-such-agent, task: t }\n    expect: [{ type: no-cycle }]\n",
    );
    const config = readFileSync(join(repoRoot, "orchestra.config.yaml"), "utf8").replace(
      "    base: agents\n",
      "    base: agents\n    overrides:\n      ghost-agent: haiku\n",
    );
    expect(config).toContain("ghost-agent");
    const configFile = write("overrides.config.yaml", config);
    const { code, stderr } = orchestra(["--config", configFile, "run", suite]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /unknown-agent\.yaml:5:21: a-case\.input\.agent: case a-case names unknown agent "no-such-agent"/,
    );
    const line = config.split("\n").indexOf("      ghost-agent: haiku") + 1;
    expect(stderr).toContain(`overrides.config.yaml:${line}:20: profiles.three-tier.overrides.ghost-agent:`);
  });
});

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
