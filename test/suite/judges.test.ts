import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgents } from "../../src/agents/index.js";
import { recordWithScenario } from "../../src/cli/scenarios.js";
import { loadConfig } from "../../src/config/index.js";
import { loadScenario, type Scenario } from "../../src/fake-api/index.js";
import { createGateway, RecordingStore } from "../../src/models/index.js";
import { summarize } from "../../src/report/index.js";
import { loadSuites, runSuite } from "../../src/suite/index.js";
import { repoRoot } from "../helpers/cli.js";

const { config } = loadConfig(join(repoRoot, "orchestra.config.yaml"));
const agents = loadAgents(join(repoRoot, "agents"), { tiers: Object.keys(config.tiers) }).agents;
const cases = loadSuites([join(repoRoot, "suites")], repoRoot);
const docs = cases.find((c) => c.id === "ind-14-openapi-from-fastapi")!;
const shipped = loadScenario(join(repoRoot, "fixtures/scenarios/ind-14-openapi-from-fastapi.yaml"));
/** The shipped scenario with its judge's rules replaced. */
const withJudge = (rules: Scenario["rules"]): Scenario => ({
  ...shipped,
  rules: [...shipped.rules.filter((r) => r.match?.agent !== "judge"), ...rules],
});
const record = (scenario: Scenario, judgeTrials?: number) =>
  recordWithScenario({
    config,
    agents,
    case: docs,
    profile: "three-tier",
    scenario,
    store: new RecordingStore(mkdtempSync(join(tmpdir(), "judges-"))),
    ...(judgeTrials === undefined ? {} : { judgeTrials }),
  });

describe("rubric judges in a run", () => {
  it("the shipped cases use rubric, and a scripted judge passes where the case passes", async () => {
    expect(cases.filter((c) => c.expect.some((a) => a.type === "rubric")).length).toBeGreaterThanOrEqual(3);
    const [trial] = await record(shipped);
    expect(trial!.verdict).toBe("pass");
    const rubric = trial!.assertions.find((a) => a.type === "rubric")!;
    expect(rubric).toMatchObject({ pass: true, judge: { tier: "sonnet", models: ["claude-sonnet-5-5"] } });
    // The judge's cost is kept apart from the system under test's, and its call is not in the trace.
    expect(trial!.judgeCostMicroUsd).toBeGreaterThan(0);
    expect(trial!.calls.some((c) => c.agent === "judge")).toBe(false);
  });

  it("a judge whose reply is not a score makes the trial an error naming the judge, not a fail", async () => {
    const [trial] = await record(
      withJudge([{ match: { agent: "judge" }, reply: "The page looks good to me." }]),
    );
    expect(trial!.verdict).toBe("error");
    expect(trial!.reason).toMatch(
      /^not evaluated: rubric: judge sonnet \(claude-sonnet-5-5\): its reply is not/,
    );
    expect(trial!.assertions.find((a) => a.type === "rubric")).toMatchObject({ pass: false, error: true });
    expect(summarize([trial!]).judges).toMatchObject({ assertions: 1, errors: 1 });
  });

  it("a judge call that fails (every model of its tier) makes the trial an error naming the judge", async () => {
    const [trial] = await record(withJudge([{ match: { agent: "judge" }, fault: "500", times: 1000 }]));
    expect(trial!.verdict).toBe("error");
    expect(trial!.reason).toMatch(/^not evaluated: rubric: judge sonnet failed: /);
  });

  it("--judge-trials N replays N recorded judge answers in order and flags disagreement", async () => {
    const mission = cases.find((c) => c.id === "mis-07-release-2-4")!;
    const gateway = createGateway({
      config,
      mode: "replay",
      recordings: new RecordingStore(join(repoRoot, "fixtures/recordings")),
    });
    const { results } = await runSuite({
      cases: [mission, docs],
      config,
      agents,
      gateway,
      profile: "three-tier",
      mode: "replay",
      judgeTrials: 3,
      concurrency: 1,
      outDir: mkdtempSync(join(tmpdir(), "judges-")),
    });
    const judgeOf = (id: string) =>
      results.find((r) => r.case === id)!.assertions.find((a) => a.type === "rubric")!;
    // The scenario scripts the second answer of mis-07's judge below the threshold.
    expect(judgeOf("mis-07-release-2-4")).toMatchObject({
      pass: true,
      judge: { trials: 3, verdicts: [true, false, true], scores: [0.85, 0.6, 0.85], unstable: true },
    });
    expect(judgeOf("ind-14-openapi-from-fastapi").judge).toMatchObject({ verdicts: [true, true, true] });
    const summary = summarize(results);
    expect(summary.judges).toMatchObject({
      trials: 3,
      tiers: { sonnet: ["claude-sonnet-5-5"] },
      unstable: [{ case: "mis-07-release-2-4", verdicts: [true, false, true] }],
    });
    // Units PPP and PFP: o_PP = 3 + 1, o_PF = o_FP = 1, n_P = 5, n_F = 1, n = 6: 1 - 5 * 2 / 10 = 0.
    expect(summary.judges!.alpha).toBeCloseTo(0, 10);
    expect(summary.judges!.agreement).toBeCloseTo((1 + 2 / 3) / 2, 10);
    // Four judge repetitions replayed beyond the recorded three are a replay miss: an error.
    const more = await runSuite({
      cases: [docs],
      config,
      agents,
      gateway: createGateway({
        config,
        mode: "replay",
        recordings: new RecordingStore(join(repoRoot, "fixtures/recordings")),
      }),
      profile: "three-tier",
      mode: "replay",
      judgeTrials: 4,
      concurrency: 1,
      outDir: mkdtempSync(join(tmpdir(), "judges-")),
    });
    expect(more.results[0]!.verdict).toBe("error");
    expect(more.results[0]!.reason).toMatch(
      /judge sonnet \(claude-sonnet-5-5\) failed \(repetition 4 of 4\)/,
    );
  });
});
