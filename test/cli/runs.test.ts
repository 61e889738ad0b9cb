import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeApi, parseScenario, startFakeApi } from "../../src/fake-api/index.js";
import { orchestra, repoRoot, startOrchestra } from "../helpers/cli.js";

/** Specialist cases answered by the fake API's default reply (a compliant result). */
function jobSuite(dir: string, n: number, tag = (i: number) => (i % 2 === 0 ? "keep" : "skip")): string {
  const cases = Array.from(
    { length: n },
    (_, i) => `  - id: job-${String(i).padStart(2, "0")}
    title: job ${i}
    tags: [${tag(i)}]
    input: { agent: devops-engineer, task: "Ship build ${i}." }
    expect:
      - { type: message-type, value: result }`,
  );
  const file = join(dir, "jobs.yaml");
  writeFileSync(file, `suite: individual\ncases:\n${cases.join("\n")}\n`);
  return file;
}

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
    : [];
const trials = (dir: string) => lines(join(dir, "results.jsonl")).map((l) => JSON.parse(l));

describe("a run folder remembers its run", () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi({ port: 0, latencyMs: 120 });
  });
  afterAll(() => api.close());

  it("kill -9 of a record run, a bare --resume, then a replay of the whole run misses nothing", async () => {
    const work = mkdtempSync(join(tmpdir(), "resume-"));
    const suite = jobSuite(work, 12);
    const out = join(work, "run");
    const recordings = join(work, "rec");
    const env = { ANTHROPIC_BASE_URL: api.url };
    const args = ["run", suite, "--profile", "all-sonnet", "--trials", "2", "--filter", "keep"];
    const first = startOrchestra(
      [...args, "--mode", "record", "--recordings", recordings, "--out", out, "--concurrency", "2"],
      { env },
    );
    // Killed once some trials are done: what they recorded must be on disk already.
    const started = Date.now();
    while (lines(join(out, "results.jsonl")).length < 3) {
      if (Date.now() - started > 20_000) throw new Error(first.output());
      await new Promise((r) => setTimeout(r, 10));
    }
    first.child.kill("SIGKILL");
    await first.done;
    const before = trials(out).length;
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(12);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(run).toMatchObject({
      profile: "all-sonnet",
      mode: "record",
      trials: 2,
      filter: "keep",
      planned: 12,
    });

    const resumed = await startOrchestra(["run", "--resume", out], { env }).done;
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const all = trials(out);
    expect(all).toHaveLength(12); // 6 cases tagged keep, 2 trials each, none twice
    expect(new Set(all.map((t) => `${t.case}#${t.trial}`)).size).toBe(12);
    expect(all.every((t) => t.profile === "all-sonnet" && t.case.match(/job-(00|02|04|06|08|10)/))).toBe(
      true,
    );

    // Replay the whole run, no network: every trial's recordings were kept, the killed run's too.
    const replay = orchestra([...args, "--recordings", recordings, "--out", join(work, "replay")]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(trials(join(work, "replay")).filter((t) => t.verdict === "error")).toEqual([]);
  }, 60_000);

  it("refuses a resume that would mislead: no folder, no run, a flag that disagrees, a changed suite", () => {
    const work = mkdtempSync(join(tmpdir(), "resume-no-"));
    const missing = orchestra(["run", "--resume", join(work, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such folder \(nothing to resume\)/);
    mkdirSync(join(work, "empty"));
    const empty = orchestra(["run", "--resume", join(work, "empty")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no run \(no run.json\)/);

    const out = join(work, "run");
    expect(orchestra(["run", "suites/edge.yaml", "--filter", "edge-10", "--out", out]).code).toBe(0);
    const conflict = orchestra(["run", "--resume", out, "--profile", "all-sonnet", "--trials", "3"]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain("--profile all-sonnet (the run has three-tier)");
    expect(conflict.stderr).toContain("--trials 3 (the run has none)");
    // The same flags as the run are fine: nothing is left to run.
    expect(orchestra(["run", "--resume", out, "--profile", "three-tier"]).code).toBe(0);

    const copy = join(work, "suite");
    cpSync(join(repoRoot, "suites"), copy, { recursive: true });
    const own = join(work, "own");
    expect(orchestra(["run", join(copy, "edge.yaml"), "--filter", "edge-10", "--out", own]).code).toBe(0);
    writeFileSync(
      join(copy, "edge.yaml"),
      readFileSync(join(copy, "edge.yaml"), "utf8").replace("min: 0 }", "min: 0.1 }"),
    );
    const changed = orchestra(["run", "--resume", own]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/the suites changed since this run started/);
  }, 30_000);

  it("Ctrl-C works in replay too: exit 130, a partial run that says so, and the resume command", async () => {
    const work = mkdtempSync(join(tmpdir(), "sigint-"));
    const recorded = readFileSync(join(repoRoot, "fixtures/recordings/edge-10-messy-reply.jsonl"), "utf8");
    const edge = readFileSync(join(repoRoot, "suites/edge.yaml"), "utf8");
    const block = edge.slice(edge.indexOf("  - id: edge-10-messy-reply"));
    mkdirSync(join(work, "rec"));
    const n = 1500;
    const cases: string[] = [];
    for (let i = 0; i < n; i++) {
      cases.push(block.replace("id: edge-10-messy-reply", `id: many-${i}`));
      writeFileSync(join(work, "rec", `many-${i}.jsonl`), recorded);
    }
    writeFileSync(join(work, "many.yaml"), `suite: edge\ncases:\n${cases.join("")}`);
    cpSync(join(repoRoot, "suites/cases/edge-10-messy-reply"), join(work, "cases/edge-10-messy-reply"), {
      recursive: true,
    });
    const out = join(work, "run");
    const running = startOrchestra([
      "run",
      join(work, "many.yaml"),
      "--recordings",
      join(work, "rec"),
      "--out",
      out,
    ]);
    let exited = false;
    void running.done.then(() => {
      exited = true;
    });
    while (!exited && lines(join(out, "results.jsonl")).length < 20)
      await new Promise((r) => setTimeout(r, 5));
    running.child.kill("SIGINT");
    const done = await running.done;
    expect(done.code, done.stdout + done.stderr).toBe(130);
    expect(done.stderr).toContain(`resume with: npx orchestra run --resume ${out}`);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.partial).toMatchObject({ planned: n, reason: "interrupted" });
    expect(summary.partial.done).toBeLessThan(n);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(
      /\*\*PARTIAL RUN\.\*\* \d+ of 1500 planned trials ran \(interrupted\)/,
    );
    const resumed = orchestra(["run", "--resume", out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(trials(out)).toHaveLength(n);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).partial).toBeNull();
  }, 60_000);
});

describe("outages are errors, and errors keep what they spent", () => {
  let api: FakeApi;
  beforeAll(async () => {
    // The coordinator plans and merges; its specialist's every model answers 529.
    const plan = `<message type="result" id="p" from="devops-coordinator" to="{{sender}}" in-reply-to="{{replyTo}}"><status>partial</status><confidence>0.9</confidence><summary>One task.</summary><plan><task id="t1" to="devops-engineer" priority="normal"><objective>Ship it (docker deployment).</objective><acceptance-criteria><criterion>shipped</criterion></acceptance-criteria></task></plan></message>`;
    const final = `<message type="result" id="f" from="devops-coordinator" to="{{sender}}" in-reply-to="{{replyTo}}"><status>complete</status><confidence>0.9</confidence><summary>The engineer was unavailable.</summary></message>`;
    api = await startFakeApi({
      port: 0,
      retryAfterMs: 1,
      scenario: parseScenario(
        JSON.stringify({
          rules: [
            { match: { agent: "devops-engineer" }, fault: 529 },
            { match: { agent: "devops-coordinator", contains: "Replies to your plan" }, reply: final },
            { match: { agent: "devops-coordinator" }, reply: plan },
          ],
        }),
      ),
    });
  });
  afterAll(() => api.close());

  it("a full outage gives error verdicts, not fails, stops at --max-errors, and keeps the spend", async () => {
    const work = mkdtempSync(join(tmpdir(), "outage-"));
    const cases = Array.from(
      { length: 10 },
      (_, i) => `  - id: ship-${i}
    title: ship ${i}
    input: { coordinator: devops-coordinator, task: "Ship release ${i}." }
    expect:
      - { type: contains, value: "shipped v", in: trace }`,
    );
    writeFileSync(join(work, "ship.yaml"), `suite: coordinator\ncases:\n${cases.join("\n")}\n`);
    const out = join(work, "run");
    const done = await startOrchestra(
      [
        "run",
        join(work, "ship.yaml"),
        "--mode",
        "record",
        "--recordings",
        join(work, "rec"),
        "--out",
        out,
        "--concurrency",
        "1",
        "--max-errors",
        "0.2",
      ],
      { env: { ANTHROPIC_BASE_URL: api.url } },
    ).done;
    expect(done.code, done.stdout + done.stderr).toBe(1);
    expect(done.stderr).toMatch(/--max-errors\); the run is partial/);
    const results = trials(out);
    expect(results.length).toBeLessThan(10);
    expect(results.every((t) => t.verdict === "error")).toBe(true);
    expect(results[0].reason).toMatch(
      /^outage: UNAVAILABLE \(every model of tier haiku failed for devops-engineer/,
    );
    // The coordinator's calls were made and paid for: an errored trial is never $0.
    expect(results[0].costMicroUsd).toBeGreaterThan(0);
    expect(results[0].calls.length).toBeGreaterThanOrEqual(2);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.totals).toMatchObject({ passRate: null, failed: 0 });
    expect(summary.totals.erroredCostUsd).toBeGreaterThan(0);
    expect(summary.totals.costUsd).toBe(summary.totals.erroredCostUsd);
    expect(summary.partial).toMatchObject({ reason: "stopped by --max-errors" });
  }, 60_000);
});

describe("rate limits never change the model under test", () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi({ port: 0, faults: [{ kind: "429", rate: 0.5 }], seed: 5, retryAfterMs: 5 });
  });
  afterAll(() => api.close());

  it("a 429 storm ends with every trial answered by the asked-for model, each wait counted", async () => {
    const work = mkdtempSync(join(tmpdir(), "storm-"));
    const out = join(work, "run");
    const done = await startOrchestra(
      ["run", jobSuite(work, 20), "--mode", "live", "--concurrency", "8", "--out", out],
      { env: { ANTHROPIC_BASE_URL: api.url } },
    ).done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const results = trials(out);
    expect(results.map((t) => t.verdict)).toEqual(Array(20).fill("pass"));
    const calls = results.flatMap((t) => t.calls);
    expect(new Set(calls.map((c) => c.model))).toEqual(new Set(["claude-haiku-5-5"]));
    expect(calls.filter((c) => c.fellBack)).toEqual([]);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.routing.rateLimited).toBe(api.stats().faults["429"]);
    expect(summary.routing.rateLimited).toBeGreaterThan(5);
  }, 30_000);
});

describe("replay is keyed by the request, not the profile", () => {
  it("a profile the user adds replays the shipped recordings of any profile that made the same requests", () => {
    const work = mkdtempSync(join(tmpdir(), "myprofile-"));
    const config = readFileSync(join(repoRoot, "orchestra.config.yaml"), "utf8").replace(
      "profiles:\n",
      "profiles:\n  my-sonnet:\n    description: mine\n    base: sonnet\n",
    );
    writeFileSync(join(work, "config.yaml"), config);
    const mine = orchestra([
      "--config",
      join(work, "config.yaml"),
      "run",
      "suites/individual.yaml",
      "--profile",
      "my-sonnet",
      "--out",
      join(work, "mine"),
      "--json",
    ]);
    const theirs = orchestra([
      "run",
      "suites/individual.yaml",
      "--profile",
      "all-sonnet",
      "--out",
      join(work, "theirs"),
      "--json",
    ]);
    // results.jsonl is in the order trials finished: compare as sets of case:verdict.
    const verdicts = (dir: string) =>
      trials(join(work, dir))
        .map((t) => `${t.case}:${t.verdict}`)
        .sort();
    expect(trials(join(work, "mine")).filter((t) => t.verdict === "error")).toEqual([]);
    expect(verdicts("mine")).toEqual(verdicts("theirs"));
    expect(JSON.parse(mine.stdout).totals).toEqual(JSON.parse(theirs.stdout).totals);
  }, 30_000);

  it("refuses an edited recording, naming the file and the line", () => {
    const work = mkdtempSync(join(tmpdir(), "edited-"));
    cpSync(join(repoRoot, "fixtures/recordings"), join(work, "rec"), { recursive: true });
    const file = join(work, "rec", "edge-10-messy-reply.jsonl");
    writeFileSync(file, readFileSync(file, "utf8").replace("path traversal", "nothing wrong"));
    const r = orchestra([
      "run",
      "suites/edge.yaml",
      "--filter",
      "edge-10",
      "--recordings",
      join(work, "rec"),
      "--out",
      join(work, "out"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR edge-10-messy-reply#1: .*edge-10-messy-reply\.jsonl:\d+: digest: recording edited since it was recorded/,
    );
  });
});

describe("partial and mixed runs say so", () => {
  it("merge refuses shards of different profiles, checks coverage, and equals the whole", () => {
    const work = mkdtempSync(join(tmpdir(), "shards-"));
    const run = (name: string, ...extra: string[]) =>
      orchestra(["run", "suites/individual.yaml", "--out", join(work, name), ...extra]);
    run("whole");
    run("s1", "--shard", "1/2");
    run("s2", "--shard", "2/2");
    run("s2-sonnet", "--shard", "2/2", "--profile", "all-sonnet");
    const mixed = orchestra(["merge", join(work, "s1"), join(work, "s2-sonnet"), "--out", join(work, "m0")]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/different profiles: three-tier \(.*s1\) vs all-sonnet \(.*s2-sonnet\)/);
    const half = orchestra(["merge", join(work, "s1"), "--out", join(work, "m1")]);
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/shard 2\/2 missing/);
    expect(JSON.parse(readFileSync(join(work, "m1", "summary.json"), "utf8")).partial).toMatchObject({
      reason: "shard 2/2 missing",
    });
    const both = orchestra(["merge", join(work, "s1"), join(work, "s2"), "--out", join(work, "m2")]);
    expect(both.code, both.stderr).toBe(0);
    const strip = (s: string) => {
      const j = JSON.parse(s);
      return { ...j, runs: undefined };
    };
    expect(strip(readFileSync(join(work, "m2", "summary.json"), "utf8"))).toEqual(
      strip(readFileSync(join(work, "whole", "summary.json"), "utf8")),
    );
  }, 60_000);

  it("orchestra report re-renders a run's files byte for byte, its title from run.json", () => {
    const work = mkdtempSync(join(tmpdir(), "rerender-"));
    const out = join(work, "run");
    orchestra(["run", "suites/edge.yaml", "--profile", "all-sonnet", "--out", out]);
    const files = ["summary.json", "report.md", "junit.xml"];
    const before = files.map((f) => readFileSync(join(out, f), "utf8"));
    expect(before[1]).toMatch(/^# Run: all-sonnet \(replay\)/);
    expect(orchestra(["report", out]).code).toBe(0);
    expect(files.map((f) => readFileSync(join(out, f), "utf8"))).toEqual(before);
  }, 30_000);
});

describe("no verdict without evidence", () => {
  it("a case naming an agent that does not exist is a load error with its line", () => {
    const work = mkdtempSync(join(tmpdir(), "unknown-"));
    writeFileSync(
      join(work, "s.yaml"),
      "suite: individual\ncases:\n  - id: ghost\n    title: ghost\n    input: { agent: ghost-writer, task: Write. }\n    expect: [{ type: compliant }]\n",
    );
    const r = orchestra(["run", join(work, "s.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /s\.yaml:5:\d+: ghost\.input\.agent: case ghost names unknown agent "ghost-writer"/,
    );
  });

  it("a profile override naming an agent that does not exist is a load error with its line", () => {
    const work = mkdtempSync(join(tmpdir(), "override-"));
    const config = readFileSync(join(repoRoot, "orchestra.config.yaml"), "utf8").replace(
      "profiles:\n",
      "profiles:\n  typo:\n    base: agents\n    overrides: { debuger: haiku }\n",
    );
    writeFileSync(join(work, "c.yaml"), config);
    const r = orchestra(["--config", join(work, "c.yaml"), "run", "suites/edge.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /c\.yaml:\d+:\d+: profiles\.typo\.overrides\.debuger: profile typo overrides unknown agent "debuger"/,
    );
  });

  it("protocol validate refuses a NUL byte, a control character, invalid UTF-8 and &#0;", () => {
    const work = mkdtempSync(join(tmpdir(), "nul-"));
    const good = readFileSync(join(repoRoot, "docs/protocol.md"), "utf8").match(
      /```xml\n(<message type="status-update"[\s\S]*?)```/,
    )![1]!;
    expect(orchestra(["protocol", "validate", "-"], { input: good }).code).toBe(0);
    const bad: [string, Buffer][] = [
      ["nul", Buffer.from(good.replace("blocked", "bl\u0000ocked"))],
      ["control", Buffer.from(good.replace("blocked", "bl\u0001ocked"))],
      ["ref", Buffer.from(good.replace("blocked", "bl&#0;ocked"))],
      [
        "utf8",
        Buffer.concat([
          Buffer.from(good.slice(0, 80)),
          Buffer.from([0xc3, 0x28]),
          Buffer.from(good.slice(80)),
        ]),
      ],
    ];
    for (const [name, bytes] of bad) {
      writeFileSync(join(work, name), bytes);
      const r = orchestra(["protocol", "validate", join(work, name)]);
      expect(r.code, name).toBe(1);
    }
    expect(readdirSync(work)).toHaveLength(4);
  });
});
