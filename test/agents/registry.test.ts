import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTierPolicy, countAgents, loadAgents, tierUnder } from "../../src/agents/index.js";
import { loadConfig } from "../../src/config/index.js";
import { parseMessage } from "../../src/protocol/index.js";

const root = resolve(import.meta.dirname, "../..");
const { config } = loadConfig(join(root, "orchestra.config.yaml"));
const tiers = Object.keys(config.tiers);
const load = (dir: string) => loadAgents(join(root, dir), { tiers, displayRoot: root });

describe("the shipped roster", () => {
  const registry = load("agents");

  it("has 47 valid agents on 13 opus, 21 sonnet and 13 haiku", () => {
    expect(registry.problems).toEqual([]);
    expect(registry.agents).toHaveLength(47);
    expect(countAgents(registry.agents, tiers).byTier).toEqual({ opus: 13, sonnet: 21, haiku: 13 });
  });

  it("keeps the owners' fixed tier assignments", () => {
    const tierOf = (name: string) => registry.agents.find((a) => a.name === name)?.tier;
    const opus = [
      "tech-lead-orchestrator",
      "backend-architect",
      "api-architect",
      "cloud-architect",
      "database-optimizer",
      "security-auditor",
      "code-reviewer",
      "debugger",
      "legacy-modernizer",
      "backend-coordinator",
      "data-coordinator",
      "devops-coordinator",
      "security-coordinator",
    ];
    for (const name of opus) expect(tierOf(name), name).toBe("opus");
    expect(tierOf("test-automator")).toBe("haiku");
    expect(tierOf("devops-engineer")).toBe("haiku");
    const react = registry.agents.filter((a) => a.name.startsWith("react-"));
    expect(react.map((a) => a.tier)).toEqual(["sonnet", "sonnet", "sonnet", "sonnet"]);
  });

  it("has one orchestrator, four coordinators, and every specialist reports to one of them", () => {
    const counts = countAgents(registry.agents, tiers).byRole;
    expect(counts).toEqual({ orchestrator: 1, coordinator: 4, specialist: 42 });
    const leads = new Set(registry.agents.filter((a) => a.role !== "specialist").map((a) => a.name));
    for (const agent of registry.agents.filter((a) => a.role === "specialist")) {
      expect(leads.has(agent.coordinator ?? ""), `${agent.name} -> ${agent.coordinator}`).toBe(true);
    }
  });

  it("gives every agent a real system prompt that asks for exactly one protocol message", () => {
    for (const agent of registry.agents) {
      expect(agent.body.split("\n").length, agent.name).toBeGreaterThan(30);
      expect(agent.body, agent.name).toMatch(/exactly one/i);
      expect(agent.body, agent.name).toContain("<message");
      expect(agent.domains.length, agent.name).toBeGreaterThan(0);
    }
  });

  it("shows each agent a compliant example message sent from itself", () => {
    for (const agent of registry.agents) {
      const example = /```xml\n([\s\S]*?)```/.exec(agent.body)?.[1];
      expect(example, agent.name).toBeDefined();
      const parsed = parseMessage(example!);
      expect(parsed.violations, agent.name).toEqual([]);
      expect(parsed.ok && parsed.compliant && parsed.message.from, agent.name).toBe(agent.name);
    }
  });

  it("satisfies the tier policy of orchestra.config.yaml", () => {
    expect(checkTierPolicy(registry.agents, config.policy, "orchestra.config.yaml")).toEqual([]);
  });

  it("resolves tiers under both shipped profiles", () => {
    const lead = registry.agents.find((a) => a.name === "tech-lead-orchestrator")!;
    const tester = registry.agents.find((a) => a.name === "test-automator")!;
    expect(tierUnder(lead, "three-tier", config)).toBe("opus");
    expect(tierUnder(tester, "three-tier", config)).toBe("haiku");
    expect(tierUnder(lead, "all-sonnet", config)).toBe("sonnet");
    expect(() => tierUnder(lead, "no-such-profile", config)).toThrow(/unknown profile/);
  });
});

describe("a folder of malformed agent files", () => {
  const registry = load("test/fixtures/agents-malformed");
  const problemsOf = (file: string) =>
    registry.problems.filter((p) => p.file === `test/fixtures/agents-malformed/${file}`);

  it("still loads the valid files", () => {
    expect(registry.agents.map((a) => a.name).sort()).toEqual([
      "duplicate-agent",
      "idle-coordinator",
      "lead",
      "orphan-specialist",
    ]);
  });

  it("reports an empty file", () => {
    expect(problemsOf("empty.md")).toMatchObject([{ message: "file is empty" }]);
  });

  it("reports missing and unclosed front matter", () => {
    expect(problemsOf("no-front-matter.md")).toMatchObject([
      { line: 1, message: expect.stringMatching(/no front matter/) },
    ]);
    expect(problemsOf("unclosed.md")).toMatchObject([
      { line: 1, message: expect.stringMatching(/unclosed front matter/) },
    ]);
  });

  it("reports bad YAML at its line in the file", () => {
    const [problem] = problemsOf("bad-yaml.md");
    expect(problem?.message).toMatch(/invalid YAML/);
    // The flow list opens on line 4 of the file; yaml reports the error at or after it.
    expect(problem?.line).toBeGreaterThanOrEqual(4);
  });

  it("reports a missing name with the field and a fix", () => {
    expect(problemsOf("missing-name.md")).toMatchObject([
      { field: "name", message: expect.stringMatching(/required/), fix: expect.stringMatching(/name:/) },
    ]);
  });

  it("reports an unknown model with its line and the known tiers", () => {
    expect(problemsOf("unknown-model.md")).toMatchObject([
      {
        line: 4,
        field: "model",
        message: 'unknown model "gpt-5"',
        expected: expect.stringContaining("opus, sonnet, haiku"),
      },
    ]);
  });

  it("reports duplicate names, naming both files", () => {
    expect(problemsOf("sub/dup-b.md")).toMatchObject([
      { field: "name", message: expect.stringContaining("test/fixtures/agents-malformed/sub/dup-a.md") },
    ]);
  });

  it("reports a specialist whose coordinator does not exist, and a coordinator without specialists", () => {
    expect(problemsOf("orphan.md")).toMatchObject([
      { field: "coordinator", message: expect.stringMatching(/ghost-coordinator.*does not exist/) },
    ]);
    expect(problemsOf("lonely-coordinator.md")).toMatchObject([
      { message: expect.stringMatching(/has no specialists/) },
    ]);
  });

  it("skips README files", () => {
    expect(registry.problems.some((p) => p.file.endsWith("README.md"))).toBe(false);
  });
});

describe("a real Claude Code agents folder", () => {
  const registry = load("test/fixtures/claude-code-agents");

  it("loads files without orchestra fields, keeping unknown fields and both tools forms", () => {
    const byName = Object.fromEntries(registry.agents.map((a) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual(["frontend-dev", "planner", "reviewer", "writer"]);
    expect(byName.reviewer).toMatchObject({
      role: "specialist",
      tier: "inherit",
      tools: ["Read", "Grep", "Glob", "Bash"],
      extra: { color: "blue" },
    });
    expect(byName["frontend-dev"]).toMatchObject({
      tier: "sonnet",
      tools: ["Read", "Edit", "Write"],
      extra: { color: "green", memory: "project" },
    });
    expect(byName.writer?.extra).toEqual({ permissionMode: "acceptEdits" });
  });

  it("lists a tier the config lacks and a file without front matter as problems", () => {
    expect(registry.problems.map((p) => [p.file.split("/").pop(), p.field ?? null])).toEqual([
      ["CONTRIBUTING.md", null],
      ["deep-thinker.md", "model"],
    ]);
  });

  it("loads hundreds of files", () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestra-many-"));
    for (let i = 0; i < 400; i++) {
      const group = join(dir, `group-${i % 10}`);
      mkdirSync(group, { recursive: true });
      const model = i % 4 === 0 ? "" : `model: ${["opus", "sonnet", "haiku"][i % 3]}\n`;
      const text =
        i % 50 === 7
          ? "no front matter here\n"
          : `---\nname: agent-${i}\ndescription: agent ${i}\n${model}color: red\n---\nYou are agent ${i}.\n`;
      writeFileSync(join(group, `agent-${i}.md`), text);
    }
    const many = loadAgents(dir, { tiers });
    expect(many.agents).toHaveLength(392);
    expect(many.problems).toHaveLength(8);
  });
});

describe("tier policy", () => {
  const registry = load("agents");

  it("flags a tier count that differs from the policy", () => {
    const problems = checkTierPolicy(
      registry.agents,
      { ...config.policy, tierCounts: { opus: 12, sonnet: 21, haiku: 14 } },
      "cfg.yaml",
    );
    expect(problems.map((p) => p.field)).toEqual(["policy.tierCounts.opus", "policy.tierCounts.haiku"]);
    expect(problems[0]?.message).toBe("tier opus should hold 12 agents, found 13");
  });

  it("flags a coordinator on a tier its role may not use, and an agent without a tier", () => {
    const agents = registry.agents.map((a) =>
      a.name === "data-coordinator"
        ? { ...a, tier: "sonnet" }
        : a.name === "debugger"
          ? { ...a, tier: "inherit", model: undefined }
          : a,
    );
    const problems = checkTierPolicy(agents, { ...config.policy, tierCounts: {} }, "cfg.yaml");
    expect(problems.map((p) => p.message)).toEqual([
      'coordinator "data-coordinator" runs on sonnet, policy allows opus',
      '"debugger" names no tier (model missing)',
    ]);
  });
});
