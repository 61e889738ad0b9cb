import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { orchestra, repoRoot } from "../helpers/cli.js";
import { clientOf, params } from "./helpers.js";

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    }
  }
});

/** `orchestra fake-api ARGS` running in `cwd`, once it prints its URL. */
async function start(args: string[], cwd = repoRoot) {
  const child = spawn(process.execPath, [join(repoRoot, "bin/orchestra.js"), ...args], { cwd });
  running.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^listening on (\S+)\n/.exec(stdout);
      if (line) resolveUrl(line[1]!);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  /** Stops it as Ctrl-C does; resolves with what it printed on stderr. */
  const stop = async () => {
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    child.kill("SIGINT");
    return { code: await exited, stderr };
  };
  return { url, stop, stderr: () => stderr };
}

const cached = (tokens: number): Anthropic.TextBlockParam[] => [
  { type: "text", text: "y".repeat(4 * tokens), cache_control: { type: "ephemeral" } },
];

describe("orchestra fake-api --messy", () => {
  it("serves messy replies from --seed and prints their counts beside the faults on exit", async () => {
    const args = ["--port", "0", "--messy", "1", "--messy-kinds", "enum-case", "--seed", "3"];
    const api = await start(["fake-api", ...args]);
    const client = clientOf(api);
    const message = await client.messages.create(params);
    expect(message.content[0]).toMatchObject({ type: "text" });
    await client.messages.create(params);
    const { code, stderr } = await api.stop();
    expect(code).toBe(0);
    expect(stderr).toMatch(/served 2 requests; faults \{\}; messy \{"enum-case":2\}/);
  });

  it("refuses a rate out of 0..1, unknown kinds, and kinds without a rate, naming what it expects", () => {
    const rate = orchestra(["fake-api", "--messy", "1.5"]);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/--messy.*expected a fraction from 0 to 1, got "1.5"/);
    const kinds = orchestra(["fake-api", "--messy", "0.2", "--messy-kinds", "fenced,wobbly"]);
    expect(kinds.code).toBe(2);
    expect(kinds.stderr).toContain('unknown messy kind "wobbly"');
    expect(kinds.stderr).toContain("fenced, prose-around, markup-in-text, enum-case");
    const alone = orchestra(["fake-api", "--messy-kinds", "fenced"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("--messy-kinds needs --messy RATE");
  });
});

describe("orchestra fake-api and the config", () => {
  it("caches prompts by the minimums of the config's models section", async () => {
    const api = await start(["fake-api", "--port", "0"]);
    const client = clientOf(api);
    const write = async (model: string, tokens: number) =>
      (await client.messages.create({ ...params, model, system: cached(tokens) })).usage
        .cache_creation_input_tokens;
    expect(await write("claude-sonnet-5-5", 600)).toBe(600); // 512 in orchestra.config.yaml
    expect(await write("claude-opus-4-8", 1000)).toBe(0); // 1024
    expect(await write("claude-haiku-4-5", 2000)).toBe(0); // 4096
    expect(await write("claude-haiku-4-5", 4096)).toBe(4096);
  });

  it("reads the --config given, and refuses one that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-cli-"));
    const missing = orchestra(["--config", join(dir, "none.yaml"), "fake-api", "--port", "0"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("configuration file not found");
    // Away from a project, with no --config, it still serves (no per-model minimums).
    const away = await start(["fake-api", "--port", "0"], dir);
    const usage = (await clientOf(away).messages.create({ ...params, system: cached(600) })).usage;
    expect(usage.cache_creation_input_tokens).toBe(600);
    expect(away.stderr()).toContain("no orchestra.config.yaml here");
  });
});

describe("orchestra fake-api documentation", () => {
  const paths = (text: string) => [...text.matchAll(/\b(?:fixtures|suites)\/[\w./-]*\w/g)].map((m) => m[0]);

  it("names files that exist, in its help and in docs/fake-api.md", () => {
    const help = orchestra(["fake-api", "--help"]);
    expect(help.code).toBe(0);
    const docs = readFileSync(join(repoRoot, "docs/fake-api.md"), "utf8");
    const named = [...paths(help.stdout), ...paths(docs)];
    expect(named).toContain("fixtures/scenarios/edge-04-529-orchestrator.yaml");
    for (const path of named) expect(existsSync(join(repoRoot, path)), path).toBe(true);
  });
});
