// `npm run fixtures [-- FILTER] [--out DIR] [--trials K]`: records the shipped synthetic fixtures. For every case of suites/ and every
// profile of orchestra.config.yaml, it starts the loopback fake API with the case's scenario
// (fixtures/scenarios/<case>.yaml), runs the case in record mode against it, and writes
// fixtures/recordings/<case>.jsonl. Deterministic: a fixed recording date, declared (not measured)
// latencies, one case at a time; running it twice gives the same bytes.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { loadConfig } = await dist("config/index.js");
const { loadAgents } = await dist("agents/index.js");
const { RecordingStore } = await dist("models/index.js");
const { intendedVerdict, loadScenario } = await dist("fake-api/index.js");
const { loadSuites } = await dist("suite/index.js");
const { recordWithScenario } = await dist("cli/scenarios.js");

const root = new URL("..", import.meta.url).pathname;
const RECORDED_AT = new Date("2026-11-25T00:00:00.000Z"); // the date this synthetic set was authored
// Each rubric assertion's judge is recorded this many times, so that `--judge-trials` up to 3
// replays from the shipped recordings (the nth identical judge request replays the nth recording).
const JUDGE_TRIALS = 3;
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const recordingsOut = outAt >= 0 ? args[outAt + 1] : undefined;
// --trials K records K trials of every case (the fake API plays each trial alike), for A/Bs with
// several trials per case: only into another folder, the shipped set is one trial per case.
const trialsAt = args.indexOf("--trials");
const trials = trialsAt >= 0 ? Number(args[trialsAt + 1]) : 1;
if (!Number.isInteger(trials) || trials < 1) {
  console.error(`--trials takes a whole number of trials, at least 1 (got ${args[trialsAt + 1]})`);
  process.exit(2);
}
if (trials > 1 && !recordingsOut) {
  console.error(
    "--trials records into another folder: give --out DIR (the shipped recordings hold one trial per case)",
  );
  process.exit(2);
}
const filter = args.find(
  (a, i) => !a.startsWith("--") && !(outAt >= 0 && i === outAt + 1) && !(trialsAt >= 0 && i === trialsAt + 1),
);

const { config } = loadConfig(join(root, "orchestra.config.yaml"));
// Every profile of the config: the owners' two, the single-tier ones the tier optimizer learns
// from, and the optimizer's shipped proposal.
const PROFILES = Object.keys(config.profiles);
const agents = loadAgents(join(root, "agents"), { tiers: Object.keys(config.tiers) }).agents;
const cases = loadSuites([join(root, "suites")], root).filter((c) => !filter || c.id.includes(filter));
const recordingsDir = recordingsOut ?? join(root, "fixtures/recordings");
mkdirSync(recordingsDir, { recursive: true });
let failures = 0;
const unintended = [];
for (const c of cases) {
  const scenarioFile = join(root, "fixtures/scenarios", `${c.scenario ?? c.id}.yaml`);
  if (!existsSync(scenarioFile)) {
    console.error(`${c.id}: no scenario at ${scenarioFile}`);
    failures++;
    continue;
  }
  // A fresh store per case: the case file is rewritten whole from this run.
  rmSync(join(recordingsDir, `${c.id}.jsonl`), { force: true });
  const store = new RecordingStore(recordingsDir);
  const verdicts = [];
  const scenario = loadScenario(scenarioFile);
  for (const profile of PROFILES) {
    // The fake API plays the scenario; synthetic latencies are declared, not measured.
    const results = await recordWithScenario({
      config,
      agents,
      case: trials > 1 ? { ...c, trials } : c,
      profile,
      scenario,
      store,
      clock: () => RECORDED_AT,
      judgeTrials: JUDGE_TRIALS,
    });
    const got = results.map((r) => r.verdict).join(",");
    const intended = results.map(() => intendedVerdict(scenario, profile)).join(",");
    if (got !== intended)
      unintended.push(`${c.id} under ${profile}: ${got}, the scenario intends ${intended}`);
    verdicts.push(`${profile} ${got}${got === intended ? "" : " (UNINTENDED)"}`);
  }
  store.flush();
  console.log(`${c.id.padEnd(40)} ${verdicts.join("  ")}`);
}
console.log(
  `${cases.length} case(s) recorded under ${recordingsDir}${failures ? `; ${failures} without a scenario` : ""}`,
);
if (unintended.length > 0)
  console.error(`verdicts that differ from the scenarios' \`intended\`:\n  ${unintended.join("\n  ")}`);
process.exitCode = failures || unintended.length ? 1 : 0;
