// `npm run fixtures [-- FILTER] [--out DIR]`: records the shipped synthetic fixtures. For every case of suites/ and both
// shipped profiles, it starts the loopback fake API with the case's scenario
// (fixtures/scenarios/<case>.yaml), runs the case in record mode against it, and writes
// fixtures/recordings/<case>.jsonl. Deterministic: a fixed recording date, declared (not measured)
// latencies, one case at a time; running it twice gives the same bytes.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { loadConfig } = await dist("config/index.js");
const { loadAgents } = await dist("agents/index.js");
const { createGateway, RecordingStore } = await dist("models/index.js");
const { cacheMinimumsOf, intendedVerdict, loadScenario, startFakeApi } = await dist("fake-api/index.js");
const { loadSuites, runSuite } = await dist("suite/index.js");

const root = new URL("..", import.meta.url).pathname;
const RECORDED_AT = new Date("2026-11-25T00:00:00.000Z"); // the date this synthetic set was authored
// Every shipped profile: the owners' two, and the single-tier ones the tier optimizer learns from.
const PROFILES = ["three-tier", "all-sonnet", "all-haiku", "all-opus"];
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const recordingsOut = outAt >= 0 ? args[outAt + 1] : undefined;
const filter = args.find((a, i) => !a.startsWith("--") && !(outAt >= 0 && i === outAt + 1));

/**
 * A stated latency model for synthetic replies (ms): a fixed start-up time plus a per-output-token
 * time by model family, and fixed times for errors. It is a demonstration, labelled synthetic.
 */
function syntheticLatency({ model, status, outputTokens }) {
  if (status === undefined) return 1000; // a network error or timeout
  if (status >= 400) return 250;
  const [base, perToken] = model.includes("opus")
    ? [1500, 25]
    : model.includes("sonnet")
      ? [900, 14]
      : [400, 6];
  return base + perToken * (outputTokens ?? 0);
}

const { config } = loadConfig(join(root, "orchestra.config.yaml"));
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
    // The prompt cache honours each model's minimum cacheable length, as the real API does.
    const api = await startFakeApi({
      port: 0,
      scenario,
      seed: 1,
      promptCache: { minTokens: cacheMinimumsOf(config) },
    });
    try {
      const gateway = createGateway({
        config,
        mode: "record",
        recordings: store,
        baseURL: api.url,
        apiKey: "fake",
        clock: () => RECORDED_AT,
        syntheticLatency,
        maxRetries: 2,
      });
      const out = mkdtempSync(join(tmpdir(), "fixtures-"));
      const { results } = await runSuite({
        cases: [c],
        config,
        agents,
        gateway,
        profile,
        mode: "record",
        concurrency: 1,
        outDir: out,
      });
      const got = results.map((r) => r.verdict).join(",");
      const intended = intendedVerdict(scenario, profile);
      if (got !== intended)
        unintended.push(`${c.id} under ${profile}: ${got}, the scenario intends ${intended}`);
      verdicts.push(`${profile} ${got}${got === intended ? "" : " (UNINTENDED)"}`);
      rmSync(out, { recursive: true, force: true });
    } finally {
      await api.close();
    }
  }
  store.flush();
  console.log(`${c.id.padEnd(40)} ${verdicts.join("  ")}`);
}
console.log(
  `${cases.length} case(s) recorded under fixtures/recordings/${failures ? `; ${failures} without a scenario` : ""}`,
);
if (unintended.length > 0)
  console.error(`verdicts that differ from the scenarios' \`intended\`:\n  ${unintended.join("\n  ")}`);
process.exitCode = failures || unintended.length ? 1 : 0;
