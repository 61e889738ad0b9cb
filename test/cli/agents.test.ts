import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orchestra, repoRoot } from "../helpers/cli.js";

describe("orchestra agents", () => {
  it("lists the 47 agents with counts and exits 0", () => {
    const { code, stdout } = orchestra(["agents"]);
    expect(code).toBe(0);
    expect(stdout).toContain("tech-lead-orchestrator");
    expect(stdout).toContain(
      "47 agents. By tier: opus 13, sonnet 21, haiku 13. By role: orchestrator 1, coordinator 4, specialist 42.",
    );
    expect(stdout).toContain("tier policy holds");
  });

  it("prints the documented JSON shape", () => {
    const { code, stdout } = orchestra(["agents", "--json"]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(["agents", "counts", "problems"]);
    expect(json.agents).toHaveLength(47);
    expect(Object.keys(json.agents[0])).toEqual([
      "name",
      "file",
      "role",
      "tier",
      "model",
      "coordinator",
      "tools",
      "domains",
    ]);
    expect(json.counts.byTier).toEqual({ opus: 13, sonnet: 21, haiku: 13 });
    expect(json.problems).toEqual([]);
  });

  it("exits 1 and lists problems per file for a malformed folder", () => {
    const { code, stdout } = orchestra(["agents", "--dir", "test/fixtures/agents-malformed", "--no-policy"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /test\/fixtures\/agents-malformed\/unknown-model\.md:4:8: model: unknown model "gpt-5"/,
    );
    expect(stdout).toContain("Problems (9):");
  });

  it("exits 1 on a policy breach and 2 on a missing folder", () => {
    expect(orchestra(["agents", "--dir", "test/fixtures/claude-code-agents"]).code).toBe(1);
    const missing = orchestra(["agents", "--dir", "no/such/folder"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("agents folder not found: no/such/folder");
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 with a positioned message for a broken config", () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestra-cfg-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "version: 1\ntiers:\n  opus: { model: 5 }\n");
    const { code, stderr } = orchestra(["--config", file, "agents"]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3:18: tiers.opus.model:`);
  });

  it("--since lists tier changes with the commit that made them", () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestra-audit-"));
    cpSync(join(repoRoot, "agents"), join(dir, "agents"), { recursive: true });
    cpSync(join(repoRoot, "orchestra.config.yaml"), join(dir, "orchestra.config.yaml"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: dir,
        encoding: "utf8",
      });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "roster");
    const file = join(dir, "agents/testing/test-automator.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("model: haiku", "model: sonnet"));
    git("commit", "-qam", "test-automator to sonnet");
    const commit = git("rev-parse", "--short", "HEAD").trim();
    const debuggerFile = join(dir, "agents/quality/debugger.md");
    writeFileSync(debuggerFile, readFileSync(debuggerFile, "utf8").replace("model: opus", "model: sonnet"));

    const { code, stdout } = orchestra(["agents", "--since", "HEAD~1", "--json", "--no-policy"], {
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).tierChanges).toEqual([
      {
        name: "debugger",
        oldTier: "opus",
        newTier: "sonnet",
        commit: "uncommitted",
        file: "agents/quality/debugger.md",
      },
      {
        name: "test-automator",
        oldTier: "haiku",
        newTier: "sonnet",
        commit,
        file: "agents/testing/test-automator.md",
      },
    ]);
    const unknown = orchestra(["agents", "--since", "no-such-rev"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown revision "no-such-rev"');
  });
});

describe("orchestra --help and --version", () => {
  it("answers --version with the package version", () => {
    const { code, stdout } = orchestra(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version);
  });

  it("has --help on every command", () => {
    for (const args of [["--help"], ["agents", "--help"], ["protocol", "validate", "--help"]]) {
      const { code, stdout } = orchestra(args);
      expect(code, args.join(" ")).toBe(0);
      expect(stdout, args.join(" ")).toMatch(/Usage: orchestra/);
    }
  });

  it("exits 2 on an unknown command or option", () => {
    expect(orchestra(["frobnicate"]).code).toBe(2);
    expect(orchestra(["agents", "--bogus"]).code).toBe(2);
  });
});
