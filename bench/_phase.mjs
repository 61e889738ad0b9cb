import { performance } from "node:perf_hooks";

const T = () => performance.now();
let t = T();
const dist = (p) => import("/work/main/dist/" + p);
const { loadConfig } = await dist("config/index.js");
const { loadAgents } = await dist("agents/index.js");
const { createGateway, RecordingStore } = await dist("models/index.js");
const { loadSuites, runSuite } = await dist("suite/index.js");
console.log("imports", (T() - t).toFixed(0));
t = T();
const { config } = loadConfig("/work/main/orchestra.config.yaml");
const agents = loadAgents("/work/main/agents", { tiers: Object.keys(config.tiers) }).agents;
console.log("config+agents", (T() - t).toFixed(0));
t = T();
const cases = loadSuites(["/tmp/bench-replay-5000-s1NGvt/bench.yaml"]);
console.log("suite", (T() - t).toFixed(0));
t = T();
const gateway = createGateway({
  config,
  mode: "replay",
  recordings: new RecordingStore("/tmp/bench-replay-5000-s1NGvt/recordings"),
});
const { results } = await runSuite({
  cases,
  config,
  agents,
  gateway,
  profile: "three-tier",
  mode: "replay",
  concurrency: 4,
  outDir: "/tmp/me/phase-out",
});
console.log("run", (T() - t).toFixed(0), results.length);
t = T();
global.gc?.();
console.log(
  "heapUsed MB",
  (process.memoryUsage().heapUsed / 1e6).toFixed(0),
  "rss",
  (process.memoryUsage().rss / 1e6).toFixed(0),
);
