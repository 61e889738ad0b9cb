import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadAgents } from "../../src/agents/index.js";
import { recordWithScenario } from "../../src/cli/scenarios.js";
import { loadScenario, startFakeApi } from "../../src/fake-api/index.js";
import { RecordingStore } from "../../src/models/index.js";
import { loadSuites } from "../../src/suite/index.js";
import { orchestra, repoRoot, startOrchestra } from "../helpers/cli.js";
import { shippedConfig } from "../helpers/config.js";

/**
 * A constructed scenario set whose best assignment is known: the security auditor's haiku answers
 * miss the finding (it passes on sonnet and opus), the django expert and the log analyzer pass on
 * every tier. The cheapest assignment within any margin is therefore: auditor on sonnet, the other
 * two on haiku.
 */
const CASES = [
  { id: "opt-auditor", agent: "security-auditor", failsOn: "claude-haiku-5-5" },
  { id: "opt-django", agent: "django-expert" },
  { id: "opt-logs", agent: "log-analyzer" },
] as const;

const reply = (
  marker: string,
) => `<message type="result" id="r-{{agent}}" from="{{agent}}" to="{{sender}}" in-reply-to="{{replyTo}}">
  <status>complete</status>
  <confidence>0.9</confidence>
  <summary>${marker}: the task is done and checked.</summary>
</message>`;

function writeProject(dir: string): { suites: string; scenarios: string; recordings: string } {
  const suites = join(dir, "suites");
  const scenarios = join(dir, "scenarios");
  mkdirSync(suites, { recursive: true });
  mkdirSync(scenarios, { recursive: true });
  const cases = CASES.map(
    (c) => `  - id: ${c.id}
    title: ${c.agent} does its one task
    input: { agent: ${c.agent}, task: "Do the task and say FOUND-IT when it is done." }
    expect:
      - { type: contains, value: FOUND-IT }
      - { type: compliant }
`,
  ).join("");
  writeFileSync(join(suites, "individual.yaml"), `suite: individual\ncases:\n${cases}`);
  for (const c of CASES) {
    const rules = [
      ...("failsOn" in c
        ? [
            {
              match: { agent: c.agent, model: c.failsOn },
              usage: { input_tokens: 900, output_tokens: 200 },
              reply: reply("MISSED"),
            },
          ]
        : []),
      {
        match: { agent: c.agent },
        usage: { input_tokens: 900, output_tokens: 200 },
        reply: reply("FOUND-IT"),
      },
    ];
    writeFileSync(join(scenarios, `${c.id}.yaml`), JSON.stringify({ description: "constructed", rules }));
  }
  return { suites, scenarios, recordings: join(dir, "recordings") };
}

describe("orchestra optimize on a constructed scenario set", () => {
  let dir: string;
  let project: ReturnType<typeof writeProject>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "optimize-"));
    project = writeProject(dir);
    // Evidence: the three single-tier profiles, recorded against the fake API playing the scenarios.
    const agents = loadAgents(join(repoRoot, "agents"), { tiers: Object.keys(shippedConfig.tiers) }).agents;
    const cases = loadSuites([project.suites], dir);
    const store = new RecordingStore(project.recordings);
    for (const c of cases)
      for (const profile of ["all-haiku", "all-sonnet", "all-opus"]) {
        await recordWithScenario({
          config: shippedConfig,
          agents,
          case: c,
          profile,
          scenario: join(project.scenarios, `${c.id}.yaml`),
          store,
        });
      }
    store.flush();
  }, 60_000);

  const optimize = (out: string, ...extra: string[]) =>
    orchestra([
      "optimize",
      project.suites,
      "--evidence",
      "all-haiku,all-sonnet,all-opus",
      "--recordings",
      project.recordings,
      "--scenarios",
      project.scenarios,
      "--out",
      out,
      ...extra,
    ]);

  it("finds the known best assignment, verifies it, and ab on its profile gives the verified figures", () => {
    const out = join(dir, "free");
    const run = optimize(out, "--free-roles");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "optimize.json"), "utf8"));
    expect(report.baseline.profile).toBe("all-sonnet");
    expect(report.margin).toBe(0.05);
    expect(report.evidence.profiles).toEqual(["all-sonnet", "all-haiku", "all-opus"]);
    const free = report.candidates.find((c: { name: string }) => c.name === "free-roles");
    expect({
      "security-auditor": free.assignment["security-auditor"],
      "django-expert": free.assignment["django-expert"],
      "log-analyzer": free.assignment["log-analyzer"],
    }).toEqual({ "security-auditor": "sonnet", "django-expert": "haiku", "log-analyzer": "haiku" });
    expect(free.predicted.passRate).toBe(1);
    expect(free.verified.passRate).toBe(1);
    expect(free.verified.errored).toBe(0);
    expect(free.verified.reduction).toBeGreaterThan(0.5);
    // One agent per case: every call of the mixed assignment was recorded by an evidence run.
    expect(free.verified.filled).toBeNull();
    expect(report.proposal).toBe("free-roles");
    expect(report.frontier.map((f: { kind: string }) => f.kind)).toEqual(
      expect.arrayContaining(["measured", "predicted", "verified"]),
    );
    const sensitivity = report.sensitivity.find((s: { agent: string }) => s.agent === "security-auditor");
    expect(sensitivity).toMatchObject({ tier: "sonnet", down: { tier: "haiku" }, up: { tier: "opus" } });
    expect(sensitivity.down.passRate).toBeLessThan(0);
    expect(sensitivity.up.monthlyCostUsd).toBeGreaterThan(0);

    // profile.yaml pasted into a config: `orchestra ab` replays it to the same figures.
    const profile = parse(readFileSync(join(out, "profile.yaml"), "utf8"));
    expect(profile.optimized.overrides["security-auditor"]).toBe("sonnet");
    const config = parse(readFileSync(join(repoRoot, "orchestra.config.yaml"), "utf8"));
    config.profiles.optimized = profile.optimized;
    const configFile = join(dir, "with-optimized.yaml");
    writeFileSync(configFile, JSON.stringify(config));
    const abOut = join(dir, "ab");
    const ab = orchestra([
      "--config",
      configFile,
      "ab",
      project.suites,
      "--a",
      "all-sonnet",
      "--b",
      "optimized",
      "--recordings",
      join(repoRoot, free.verified.recordings),
      "--out",
      abOut,
    ]);
    expect(ab.stderr).not.toMatch(/no recording/);
    const abReport = JSON.parse(readFileSync(join(abOut, "ab.json"), "utf8"));
    expect(abReport.errored).toEqual([]);
    expect(abReport.passRate.b).toBe(free.verified.passRate);
    expect(abReport.verdict).toBe(free.verified.verdict);
    expect(abReport.monthlyCostUsd.b).toBeCloseTo(free.verified.monthlyCostUsd, 9);
    expect(abReport.monthlyCostUsd.reduction).toBeCloseTo(free.verified.reduction, 9);
  }, 120_000);

  it("keeps the tier policy: planners stay on opus and the tier counts hold", () => {
    const out = join(dir, "keep");
    const run = optimize(out, "--keep-policy");
    expect([0, 1], run.stderr).toContain(run.code);
    const report = JSON.parse(readFileSync(join(out, "optimize.json"), "utf8"));
    const policy = shippedConfig.policy;
    for (const c of report.candidates.filter((x: { mode: string }) => x.mode === "keep-policy")) {
      const counts: Record<string, number> = {};
      for (const t of Object.values(c.assignment) as string[]) counts[t] = (counts[t] ?? 0) + 1;
      expect(counts).toEqual(policy.tierCounts);
      const agents = loadAgents(join(repoRoot, "agents"), { tiers: Object.keys(shippedConfig.tiers) }).agents;
      for (const a of agents) {
        const allowed = policy.roleTiers[a.role];
        if (allowed) expect(allowed, a.name).toContain(c.assignment[a.name]);
      }
    }
    // The proposal of a keep-policy run is never the free-roles candidate.
    expect(report.proposal === null || report.proposal === "keep-policy").toBe(true);
  }, 120_000);

  it("labels every figure: predicted cells say predicted, verified cells say verified", () => {
    const out = join(dir, "free");
    const md = readFileSync(join(out, "report.md"), "utf8");
    const rows = md
      .split("\n")
      .filter((l) => /^\| (keep-policy|free-roles) \| (keep-policy|free-roles) \|/.test(l));
    expect(rows.length).toBe(2);
    for (const row of rows) {
      const cells = row
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      for (const cell of cells.slice(3, 6)) expect(cell).toMatch(/\(predicted\)$/);
      for (const cell of cells.slice(6, 9)) expect(cell).toMatch(/\(verified\)$|^not verified$|^-$/);
    }
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('id="optimize"');
    expect(html).toContain("(predicted)");
  });

  it("what the recordings miss is recorded against the scenarios; without a scenario it stays an error and nothing is proposed", () => {
    const evidence = ["all-haiku", "all-sonnet", "all-opus"].map((p) => join(dir, "free", "evidence", p));
    if (!existsSync(evidence[0]!)) optimize(join(dir, "free"), "--free-roles");
    // The verifying replay reads recordings that lack the auditor's case.
    const partial = join(dir, "partial-recordings");
    cpSync(project.recordings, partial, { recursive: true });
    rmSync(join(partial, "opt-auditor.jsonl"));
    const withEvidence = (out: string, scenarios: string) =>
      orchestra([
        "optimize",
        project.suites,
        "--free-roles",
        "--evidence",
        evidence.join(","),
        "--recordings",
        partial,
        "--scenarios",
        scenarios,
        "--out",
        out,
      ]);

    const filled = withEvidence(join(dir, "filled"), project.scenarios);
    expect(filled.code, filled.stderr).toBe(0);
    expect(filled.stderr).toMatch(/1 recorded against the fake API's scenarios \(synthetic\)/);
    const ok = JSON.parse(readFileSync(join(dir, "filled", "optimize.json"), "utf8"));
    const v = ok.candidates.find((c: { name: string }) => c.name === "free-roles").verified;
    expect(v).toMatchObject({ errored: 0, passRate: 1, filled: { cases: 1, via: "fake-api", skipped: [] } });
    expect(ok.proposal).toBe("free-roles");
    // The partial folder itself is never written: the recordings made live in the output folder.
    expect(existsSync(join(partial, "opt-auditor.jsonl"))).toBe(false);
    expect(existsSync(join(dir, "filled", "recordings", "opt-auditor.jsonl"))).toBe(true);

    const out = join(dir, "no-scenarios");
    const run = withEvidence(out, join(dir, "nowhere"));
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(readFileSync(join(out, "optimize.json"), "utf8"));
    const free = report.candidates.find((c: { name: string }) => c.name === "free-roles");
    expect(free.verified.errored).toBeGreaterThan(0);
    expect(free.verified.filled.skipped).toEqual(["opt-auditor"]);
    expect(report.proposal).toBeNull();
    expect(report.proposalReason).toMatch(/error/);
    expect(readFileSync(join(out, "profile.yaml"), "utf8")).toMatch(/no proposal/);
  }, 120_000);

  it("record mode records what the recordings miss against the API, within the budget", async () => {
    const evidence = ["all-haiku", "all-sonnet", "all-opus"].map((p) => join(dir, "free", "evidence", p));
    if (!existsSync(evidence[0]!)) optimize(join(dir, "free"), "--free-roles");
    const api = await startFakeApi({
      port: 0,
      scenario: loadScenario(join(project.scenarios, "opt-auditor.yaml")),
    });
    try {
      const recordIn = (name: string, budget: string) => {
        const recordings = join(dir, name);
        cpSync(project.recordings, recordings, { recursive: true });
        rmSync(join(recordings, "opt-auditor.jsonl"));
        const args = ["optimize", project.suites, "--free-roles", "--mode", "record", "--budget-usd", budget];
        const running = startOrchestra(
          [
            ...args,
            "--evidence",
            evidence.join(","),
            "--recordings",
            recordings,
            "--out",
            join(dir, `${name}-out`),
          ],
          { env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "test-key" } },
        );
        return { recordings, running };
      };
      const funded = recordIn("record-funded", "1");
      const done = await funded.running.done;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toMatch(/1 recorded against the API \(\$0\.\d+ of the \$1\.00 budget\)/);
      // Record mode writes where a recording run writes: --recordings.
      expect(existsSync(join(funded.recordings, "opt-auditor.jsonl"))).toBe(true);

      const broke = recordIn("record-broke", "0");
      const none = await broke.running.done;
      expect(none.code, none.stderr).toBe(1);
      expect(none.stderr).toMatch(/1 left unrecorded by the budget stay errors/);
      const report = JSON.parse(readFileSync(join(dir, "record-broke-out", "optimize.json"), "utf8"));
      expect(report.proposal).toBeNull();
    } finally {
      await api.close();
    }
  }, 120_000);

  it("--keep-policy refuses agent files that break the tier policy, and says how to go on", () => {
    const agents = join(dir, "agents-broken");
    cpSync(join(repoRoot, "agents"), agents, { recursive: true });
    const file = join(agents, "orchestration", "tech-lead-orchestrator.md");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^model: opus$/m, "model: sonnet"));
    const run = optimize(join(dir, "broken"), "--agents-dir", agents);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the agent files break the tier policy/);
    expect(run.stderr).toMatch(/--free-roles/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("record mode needs a budget", () => {
    const run = optimize(join(dir, "record"), "--mode", "record");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--budget-usd/);
  });
});

describe("orchestra optimize on the shipped recordings", () => {
  const evidence = "all-sonnet,three-tier,all-haiku,all-opus";
  interface Cand {
    name: string;
    round: number;
    mode: string;
    verified: { passRate: number; errored: number } | null;
  }

  it("searches again when a candidate misses the margin, learning from the candidate's run", () => {
    const dir = mkdtempSync(join(tmpdir(), "optimize-rounds-"));
    const once = orchestra(
      [
        "optimize",
        "--free-roles",
        "--allow-critical-loss",
        "--evidence",
        evidence,
        "--rounds",
        "1",
        "--out",
        join(dir, "one"),
      ],
      {},
    );
    const one = JSON.parse(readFileSync(join(dir, "one", "optimize.json"), "utf8"));
    const first = one.candidates.find((c: Cand) => c.name === "free-roles") as Cand;
    // The precondition the shipped scenarios give: with critical cases not held, round 1's free
    // candidate, run, misses the target (and loses critical cases all-sonnet passes).
    expect(first.verified!.passRate, once.stderr).toBeLessThan(one.target);
    expect(one.rounds).toBe(1);
    expect(one.proposal).not.toBe("free-roles");

    const run = orchestra([
      "optimize",
      "--free-roles",
      "--allow-critical-loss",
      "--evidence",
      evidence,
      "--out",
      join(dir, "three"),
    ]);
    expect(run.stderr).toMatch(/searching again with its run as evidence/);
    const three = JSON.parse(readFileSync(join(dir, "three", "optimize.json"), "utf8"));
    expect(three.rounds).toBeGreaterThan(1);
    // The missed candidate's run is evidence of the later rounds, and no measured frontier point.
    expect(three.evidence.runs).toContainEqual(
      expect.objectContaining({ profile: "optimize-free-roles", candidate: true }),
    );
    expect(three.evidence.profiles).toEqual(evidence.split(","));
    expect(three.frontier.filter((f: { kind: string }) => f.kind === "measured")).toHaveLength(4);
    const later = (three.candidates as Cand[]).filter((c) => c.round > 1);
    expect(later.length).toBeGreaterThan(0);
    for (const c of later) expect(c.mode).toBe("free-roles");
    const proposal = (three.candidates as Cand[]).find((c) => c.name === three.proposal)!;
    expect(proposal.verified!.passRate).toBeGreaterThanOrEqual(three.target);
    expect(proposal.verified!.errored).toBe(0);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, "three", "report.md"), "utf8")).toMatch(
      /search rounds: a free-roles candidate that missed/,
    );
  }, 120_000);
  it("holds the critical cases the baseline passes: the proposal loses none", () => {
    const dir = mkdtempSync(join(tmpdir(), "optimize-critical-"));
    const run = orchestra(["optimize", "--free-roles", "--evidence", evidence, "--out", dir]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "optimize.json"), "utf8"));
    expect(report.protectedCases).toContain("mis-15-rotate-leaked-secret");
    // all-sonnet fails this critical case itself: nothing to hold.
    expect(report.protectedCases).not.toContain("mis-06-password-reset");
    const proposal = report.candidates.find((c: Cand) => c.name === report.proposal);
    expect(proposal.verified.criticalLost).toEqual([]);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/Protected: \d+ critical case/);
  }, 120_000);
});
