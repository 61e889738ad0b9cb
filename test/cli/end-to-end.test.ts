import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeApi, loadScenario, startFakeApi } from "../../src/fake-api/index.js";
import { orchestra, repoRoot } from "../helpers/cli.js";

const demo = [
  "mission",
  "Add rate limiting to the login endpoint and document it.",
  "--context",
  "fixtures/missions/login_views.py",
  "--case",
  "demo-rate-limit",
];

describe("the README's demo mission, replayed from the shipped recordings", () => {
  it("prints the delegation tree with tiers, escalation and the final result", () => {
    const { code, stdout } = orchestra(demo);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tech-lead-orchestrator \[m1\] {2}opus claude-opus-5-5 {2}2 calls/m);
    expect(stdout).toMatch(
      /└─ documentation-specialist \[m1\/t3\] {2}haiku→sonnet .*\[escalated haiku→sonnet: confidence 0.55 below 0.7\]/,
    );
    expect(stdout).toContain("(recorded)");
    expect(stdout).toContain("10 calls, 6 agents");
    expect(stdout).toContain('Final result:\n<message type="result" id="tl-final"');
  });

  it("runs the same mission on the all-sonnet baseline", () => {
    const { code, stdout } = orchestra([...demo, "--profile", "all-sonnet"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tech-lead-orchestrator \[m1\] {2}sonnet claude-sonnet-5-5/m);
  });

  it("a changed mission is a replay miss that says what differs and how to record it", () => {
    const { code, stderr } = orchestra([
      "mission",
      "Add rate limiting to the signup endpoint.",
      "--context",
      "fixtures/missions/login_views.py",
      "--case",
      "demo-rate-limit",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "no recording for tech-lead-orchestrator on claude-opus-5-5 in case demo-rate-limit (profile three-tier)",
    );
    expect(stderr).toContain('now ..."tive>Add rate limiting to the signup endpoint.</objective>');
    expect(stderr).toContain("--mode record --case demo-rate-limit");
  });
});

describe("orchestra certify", () => {
  it("writes every output, opens the report with the synthetic banner, and exits per gates", () => {
    const out = mkdtempSync(join(tmpdir(), "certify-"));
    const { code, stdout } = orchestra(["certify", "suites/demo.yaml", "--out", out]);
    expect(code).toBe(1);
    expect(stdout).toContain("NOT READY (basis: synthetic)");
    for (const f of ["summary.json", "ab.json", "readiness.json", "report.md", "junit.xml", "results.jsonl"])
      expect(readdirSync(out)).toContain(f);
    const readiness = JSON.parse(readFileSync(join(out, "readiness.json"), "utf8"));
    expect(readiness).toMatchObject({ ready: false, basis: "synthetic" });
    expect(readiness.gates.map((g: { id: string }) => g.id)).toEqual([
      "agent-tiers",
      "complete",
      "compliance",
      "overhead",
      "case-count",
      "pass-rate",
      "no-critical-failure",
      "non-inferior",
      "cost-reduction",
      "security-cases",
      "latency-per-tier",
      "fallbacks",
      "error-rate",
    ]);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(
      /^# Certification: three-tier against all-sonnet\n\n> \*\*SYNTHETIC BASIS\.\*\*/,
    );
  });
});

describe("secrets never leave memory", () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi({
      port: 0,
      scenario: loadScenario(join(repoRoot, "fixtures/scenarios/demo-mission.yaml")),
    });
  });
  afterAll(() => api.close());

  it("a recorded run writes no key and no auth header into recordings, reports or its output", async () => {
    const secret = ["sk", "ant", "api03", "SECRET-must-never-be-written-0123456789abcdef"].join("-"); // built at run time: no key-shaped literal in the repo;
    const work = mkdtempSync(join(tmpdir(), "secrets-"));
    cpSync(join(repoRoot, "suites/demo.yaml"), join(work, "demo.yaml"));
    cpSync(join(repoRoot, "fixtures/missions"), join(work, "..", "fixtures-missions-copy"), {
      recursive: true,
    });
    const out = join(work, "out");
    const recordings = join(work, "recordings");
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, "bin/orchestra.js"),
        "run",
        join(repoRoot, "suites/demo.yaml"),
        "--mode",
        "record",
        "--recordings",
        recordings,
        "--out",
        out,
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, ANTHROPIC_API_KEY: secret, ANTHROPIC_BASE_URL: api.url },
      },
    );
    let printed = "";
    child.stdout.on("data", (d: Buffer) => (printed += d.toString()));
    child.stderr.on("data", (d: Buffer) => (printed += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, printed).toBe(0);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(work);
    expect(files.length).toBeGreaterThan(4);
    for (const text of [printed, ...files.map((f) => readFileSync(f, "utf8"))]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 24));
      expect(text).not.toMatch(/x-api-key|authorization:|bearer /i);
    }
  });
});
