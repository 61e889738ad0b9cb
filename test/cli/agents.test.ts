import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
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
    expect(Object.keys(json)).toEqual(["agents", "counts", "problems", "uncacheable"]);
    // Every shipped system prompt is longer than the 512-token minimum of the 5.5 models.
    expect(json.uncacheable).toEqual([]);
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

  it("lists the agents whose system prompt is shorter than their model's minimum cacheable prefix", () => {
    const dir = mkdtempSync(join(tmpdir(), "agents-cache-"));
    const config = readFileSync(join(repoRoot, "orchestra.config.yaml"), "utf8").replace(
      "claude-haiku-5-5:  { minCacheableTokens: 512 }",
      "claude-haiku-5-5:  { minCacheableTokens: 100000 }",
    );
    writeFileSync(join(dir, "config.yaml"), config);
    const { code, stdout } = orchestra(["--config", join(dir, "config.yaml"), "agents", "--json"]);
    expect(code).toBe(0);
    const { uncacheable } = JSON.parse(stdout);
    // The 13 haiku agents, and only they.
    expect(uncacheable).toHaveLength(13);
    for (const u of uncacheable)
      expect(u).toMatchObject({ tier: "haiku", model: "claude-haiku-5-5", minCacheableTokens: 100000 });
    expect(uncacheable[0].promptTokens).toBeGreaterThan(0);
    const text = orchestra(["--config", join(dir, "config.yaml"), "agents"]).stdout;
    expect(text).toMatch(/Prompt caching gains nothing for 13 agent\(s\)/);
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
    const git = gitIn(dir);
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "roster");
    const file = join(dir, "agents/testing/test-automator.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("model: haiku", "model: sonnet"));
    git("commit", "-qam", "test-automator to sonnet");
    const [commit, date, author] = git("log", "-1", "--format=%h%n%aI%n%an <%ae>").trim().split("\n");
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
        date: null,
        author: null,
        file: "agents/quality/debugger.md",
      },
      {
        name: "test-automator",
        oldTier: "haiku",
        newTier: "sonnet",
        commit,
        date,
        author,
        file: "agents/testing/test-automator.md",
      },
    ]);
    const unknown = orchestra(["agents", "--since", "no-such-rev"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown revision "no-such-rev"');
  });

  describe("--since names the commit that changed the tier, not the last one that touched the file", () => {
    // A scratch repository of a few agents, one commit per step, each by its own author and date.
    const dir = mkdtempSync(join(tmpdir(), "orchestra-audit-history-"));
    const git = gitIn(dir);
    const agent = (path: string, name: string, model: string, prompt = `# ${name}`) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(
        join(dir, path),
        `---\nname: ${name}\ndescription: Use for ${name} work.\nmodel: ${model}\n---\n${prompt}\n`,
      );
    };
    const commits: Record<string, { commit: string; date: string; author: string }> = {};
    beforeAll(() => {
      cpSync(join(repoRoot, "orchestra.config.yaml"), join(dir, "orchestra.config.yaml"));
      const commit = (step: string, who: string, when: string) => {
        git("add", "-A");
        git("commit", "-qm", step, {
          GIT_AUTHOR_NAME: who,
          GIT_AUTHOR_EMAIL: `${who}@example.com`,
          GIT_AUTHOR_DATE: when,
        });
        const [hash = "", date = "", author = ""] = git("log", "-1", "--format=%h%n%aI%n%an <%ae>")
          .trim()
          .split("\n");
        commits[step] = { commit: hash, date, author };
      };
      git("init", "-q");
      agent("agents/testing/test-automator.md", "test-automator", "haiku");
      agent("agents/quality/debugger.md", "debugger", "opus");
      agent("agents/docs/changelog-writer.md", "changelog-writer", "haiku");
      agent("agents/docs/api-documenter.md", "api-documenter", "haiku");
      agent("agents/data/report-generator.md", "report-generator", "haiku");
      commit("roster", "root", "2026-01-01T09:00:00+00:00");
      agent("agents/testing/test-automator.md", "test-automator", "sonnet");
      agent("agents/quality/debugger.md", "debugger", "sonnet");
      agent("agents/docs/changelog-writer.md", "changelog-writer", "sonnet");
      commit("tiers", "alice", "2026-01-02T10:30:00+02:00");
      agent(
        "agents/testing/test-automator.md",
        "test-automator",
        "sonnet",
        "# Test automator\n\nWrites tests.",
      );
      agent("agents/quality/debugger.md", "debugger", "haiku");
      agent("agents/docs/changelog-writer.md", "changelog-writer", "haiku");
      commit("edits", "bob", "2026-01-03T11:00:00-05:00");
      git("mv", "agents/testing/test-automator.md", "agents/quality/test-automator.md");
      git("mv", "agents/quality/debugger.md", "agents/debugging.md");
      git("rm", "-q", "agents/docs/api-documenter.md");
      agent("agents/testing/e2e-tester.md", "e2e-tester", "haiku");
      commit("moves", "carol", "2026-01-04T12:00:00+00:00");
      // An uncommitted edit that leaves the tier alone is no change; one that moves it is.
      agent("agents/debugging.md", "debugger", "haiku", "# Debugger\n\nFinds bugs.");
      agent("agents/data/report-generator.md", "report-generator", "sonnet");
    });

    const audit = () => {
      const { code, stdout, stderr } = orchestra(
        ["agents", "--dir", "agents", "--since", "HEAD~3", "--json", "--no-policy"],
        { cwd: dir },
      );
      expect(code, stderr).toBe(0);
      return JSON.parse(stdout).tierChanges as { name: string }[];
    };

    it("names the commit that changed the model: line, not a later edit or rename, with its date and author", () => {
      const changes = audit();
      expect(changes.find((c) => c.name === "test-automator")).toEqual({
        name: "test-automator",
        oldTier: "haiku",
        newTier: "sonnet",
        ...commits.tiers,
        file: "agents/quality/test-automator.md",
      });
      expect(commits.tiers).toEqual({
        commit: expect.stringMatching(/^[0-9a-f]{7,}$/),
        date: "2026-01-02T10:30:00+02:00",
        author: "alice <alice@example.com>",
      });
    });

    it("names the last tier change when there were several; a rename, or an uncommitted edit of another field, is none", () => {
      const changes = audit();
      expect(changes.find((c) => c.name === "debugger")).toEqual({
        name: "debugger",
        oldTier: "opus",
        newTier: "haiku",
        ...commits.edits,
        file: "agents/debugging.md",
      });
      // Changed and changed back: no change since the revision. Moved: no change.
      expect(changes.map((c) => c.name)).not.toContain("changelog-writer");
    });

    it("reports added and removed agents, and uncommitted tier changes", () => {
      expect(audit()).toEqual([
        {
          name: "api-documenter",
          oldTier: "haiku",
          newTier: null,
          ...commits.moves,
          file: "agents/docs/api-documenter.md",
        },
        expect.objectContaining({ name: "debugger" }),
        {
          name: "e2e-tester",
          oldTier: null,
          newTier: "haiku",
          ...commits.moves,
          file: "agents/testing/e2e-tester.md",
        },
        {
          name: "report-generator",
          oldTier: "haiku",
          newTier: "sonnet",
          commit: "uncommitted",
          date: null,
          author: null,
          file: "agents/data/report-generator.md",
        },
        expect.objectContaining({ name: "test-automator", commit: commits.tiers?.commit }),
      ]);
    });

    it("prints the commit, date and author in the table", () => {
      const { stdout } = orchestra(["agents", "--since", "HEAD~3", "--no-policy"], { cwd: dir });
      expect(stdout).toContain("Tier changes since HEAD~3 (5):");
      expect(stdout).toMatch(
        new RegExp(
          [
            "test-automator",
            "haiku",
            "sonnet",
            commits.tiers?.commit,
            "2026-01-02T10:30:00\\+02:00",
            "alice <alice@example.com>",
          ].join("[\\s│]+"),
        ),
      );
    });
  });
});

function gitIn(dir: string) {
  return (...args: (string | Record<string, string>)[]) => {
    const env = args.find((a): a is Record<string, string> => typeof a === "object") ?? {};
    const argv = args.filter((a): a is string => typeof a === "string");
    return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...argv], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });
  };
}

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
