// `npm run bench`: the project's speed figures, measured on this machine. Not a test: it prints
// medians and writes nothing unless --write is given (then bench/RESULTS.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = [];
const record = (name, value, unit, target = "") => {
  rows.push({ name, value, unit, target });
  console.log(`${name.padEnd(52)} ${String(value).padStart(10)} ${unit.padEnd(10)} ${target}`);
};

function timeCommand(cmd, args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

// 1. CLI start-up: the compiled CLI, and through npx as the README runs it.
record(
  "orchestra --help (node bin/orchestra.js), median of 15",
  timeCommand(process.execPath, ["bin/orchestra.js", "--help"], 15).toFixed(0),
  "ms",
  "target < 300 ms",
);
if (!process.argv.includes("--no-npx"))
  record(
    "npx orchestra --help, median of 5",
    timeCommand("npx", ["orchestra", "--help"], 5).toFixed(0),
    "ms",
    "target < 300 ms",
  );
record(
  "orchestra agents (47 files + policy), median of 5",
  timeCommand(process.execPath, ["bin/orchestra.js", "agents", "--json"], 5).toFixed(0),
  "ms",
);

// 2. Replayed model calls through the gateway: the real SDK client over the recording transport.
{
  const { loadConfig } = await dist("config/index.js");
  const { createGateway, RecordingStore } = await dist("models/index.js");
  const { config } = loadConfig(join(root, "orchestra.config.yaml"));
  const dir = mkdtempSync(join(tmpdir(), "bench-gw-"));
  const N = 3000;
  const reply = `<message type="result" id="r-1" from="django-expert" to="backend-coordinator"><status>complete</status><confidence>0.9</confidence><summary>${"x".repeat(1400)}</summary></message>`;
  const request = (i) => ({
    tier: "sonnet",
    system: "You are the Django expert.",
    messages: [{ role: "user", content: `task ${i}` }],
    maxTokens: 1024,
  });
  const fakeFetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    return new Response(
      JSON.stringify({
        id: "msg_b",
        type: "message",
        role: "assistant",
        model: body.model,
        content: [{ type: "text", text: reply }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 900,
          output_tokens: 400,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
      }),
      { headers: { "content-type": "application/json", "x-orchestra-synthetic": "true" } },
    );
  };
  const recorder = createGateway({
    config,
    mode: "record",
    recordings: new RecordingStore(dir),
    fetch: fakeFetch,
    baseURL: "http://127.0.0.1:1",
    apiKey: "bench",
  });
  for (let i = 0; i < N; i++)
    await recorder.call(request(i), { agent: "django-expert", caseId: `bench-${i % 50}`, trial: 1 });
  recorder.flush();
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const replay = createGateway({ config, mode: "replay", recordings: new RecordingStore(dir) });
    const t0 = performance.now();
    for (let i = 0; i < N; i++)
      await replay.call(request(i), { agent: "django-expert", caseId: `bench-${i % 50}`, trial: 1 });
    runs.push(performance.now() - t0);
  }
  const ms = median(runs);
  record(
    `gateway replay, ${N} sequential calls (incl. loading 50 files)`,
    Math.round((N / ms) * 1000),
    "calls/s",
    "target >= 3,000/s",
  );
  record("gateway replay, per call", (ms / N).toFixed(3), "ms", "target <= 0.3 ms");
  rmSync(dir, { recursive: true, force: true });
}

// 3. The replay-N workload of the suite runner: whole `orchestra run` processes.
{
  const { prepare, timeRun, cleanup } = await import("./replay-n.mjs");
  const targets = { 50: "<= 0.4 s", 1000: "<= 0.8 s", 5000: "<= 1.7 s, RSS <= 180 MB" };
  const sizes = process.argv.includes("--quick") ? [50, 1000] : [50, 1000, 5000];
  for (const n of sizes) {
    const dir = await prepare(n);
    const { medianMs, peakRssMb } = timeRun(dir);
    record(
      `orchestra run, replay-${n} (whole process, median of 5)`,
      (medianMs / 1000).toFixed(2),
      "s",
      `target ${targets[n]}`,
    );
    record(`orchestra run, replay-${n} peak RSS`, peakRssMb.toFixed(0), "MB");
    cleanup(dir);
  }
}

// 4. The shipped certification suite and the demo mission in replay, as users run them.
{
  const out = mkdtempSync(join(tmpdir(), "bench-suite-"));
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    // Exit 1 is expected: the synthetic suite scripts some misses.
    const r = spawnSync(
      process.execPath,
      ["bin/orchestra.js", "run", "--out", join(out, String(i)), "--json"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    if (r.status !== 0 && r.status !== 1) throw new Error(`orchestra run exited ${r.status}: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  rmSync(out, { recursive: true, force: true });
  record(
    "orchestra run suites/ (every shipped case, replay), median of 5",
    (median(times) / 1000).toFixed(2),
    "s",
    "target <= 1 s",
  );
}
if (existsSync(join(root, "fixtures/recordings/demo-rate-limit.jsonl"))) {
  record(
    "orchestra mission (demo, 10 calls, replay), median of 5",
    timeCommand(
      process.execPath,
      [
        "bin/orchestra.js",
        "mission",
        "Add rate limiting to the login endpoint and document it.",
        "--context",
        "fixtures/missions/login_views.py",
        "--case",
        "demo-rate-limit",
      ],
      5,
    ).toFixed(0),
    "ms",
  );
}

// 5. Loopback calls through the real SDK to the fake API.
{
  const { startFakeApi } = await dist("fake-api/index.js");
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const api = await startFakeApi({ port: 0 });
  const client = new Anthropic({ baseURL: api.url, apiKey: "bench", maxRetries: 0 });
  const N = 2000;
  const params = {
    model: "claude-sonnet-5-5",
    max_tokens: 256,
    messages: [
      {
        role: "user",
        content: '<message type="task-assignment" id="m1" from="user" to="django-expert"></message>',
      },
    ],
  };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < N) await client.messages.create(params);
    }),
  );
  const ms = performance.now() - t0;
  await api.close();
  record(`fake API over loopback, ${N} SDK calls, 8 at a time`, Math.round((N / ms) * 1000), "calls/s");
}

// 6. Live runs against the fake API as a separate process, as a user runs them: rate limits.
if (!process.argv.includes("--no-live")) {
  const { spawn } = await import("node:child_process");
  const suiteOf = (dir, prefix, n) => {
    const cases = Array.from(
      { length: n },
      (_, i) =>
        `  - id: ${prefix}-${i}\n    title: ${prefix} ${i}\n    input: { agent: devops-engineer, task: "Ship build ${i}." }\n    expect:\n      - { type: message-type, value: result }\n`,
    );
    writeFileSync(join(dir, `${prefix}.yaml`), `suite: individual\ncases:\n${cases.join("")}`);
    return join(dir, `${prefix}.yaml`);
  };
  const fakeApi = async (args) => {
    const child = spawn(process.execPath, ["bin/orchestra.js", "fake-api", "--port", "0", ...args], {
      cwd: root,
    });
    const url = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`fake-api exited ${code}`)));
    });
    return { url, stop: () => child.kill("SIGTERM") };
  };
  const liveRun = (url, suite, out) => {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ["bin/orchestra.js", "run", suite, "--mode", "live", "--concurrency", "16", "--out", out, "--json"],
      { cwd: root, encoding: "utf8", env: { ...process.env, ANTHROPIC_BASE_URL: url }, maxBuffer: 1 << 26 },
    );
    const wall = performance.now() - t0;
    if (r.status !== 0 && r.status !== 1) throw new Error(`live run exited ${r.status}: ${r.stderr}`);
    const summary = JSON.parse(r.stdout);
    const results = readFileSync(join(out, "results.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const models = new Set(results.flatMap((t) => t.calls.map((c) => c.model)));
    return { wall, summary, models };
  };
  const dir = mkdtempSync(join(tmpdir(), "bench-live-"));
  {
    const api = await fakeApi(["--rpm", "60", "--latency-ms", "200"]);
    const { wall, summary } = liveRun(api.url, suiteOf(dir, "rpm", 90), join(dir, "rpm-run"));
    api.stop();
    record(
      "live, 90 one-call cases, --concurrency 16, fake API --rpm 60 --latency-ms 200",
      (wall / 1000).toFixed(1),
      "s",
      "target <= 63.5 s (ideal ~61 s)",
    );
    record(
      "  of which: errors / fallbacks / 429s waited out on the same model",
      `${summary.totals.errored} / ${summary.routing.fallbacks} / ${summary.routing.rateLimited}`,
      "count",
      "0 errors, 0 fallbacks",
    );
  }
  {
    const api = await fakeApi(["--fault", "429:0.5", "--seed", "3"]);
    const { summary, models } = liveRun(api.url, suiteOf(dir, "storm", 40), join(dir, "storm-run"));
    api.stop();
    record(
      "live, 40 cases under --fault 429:0.5: models that answered",
      [...models].join(", "),
      "",
      "only the asked-for claude-haiku-5-5",
    );
    record(
      "  of which: errors / fallbacks / 429s waited out on the same model",
      `${summary.totals.errored} / ${summary.routing.fallbacks} / ${summary.routing.rateLimited}`,
      "count",
      "0 fallbacks",
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

// 7. Protocol parsing.
{
  const { parseMessage, buildMessage } = await dist("protocol/index.js");
  const xml = buildMessage({
    type: "result",
    id: "r-1",
    from: "security-auditor",
    to: "security-coordinator",
    inReplyTo: "m1/t1",
    status: "complete",
    confidence: "0.9",
    summary: "x".repeat(400),
    deliverables: [{ kind: "patch", path: "a.py", content: "y = 1\n".repeat(100) }],
    findings: Array.from({ length: 4 }, (_, i) => ({
      severity: "high",
      cwe: "CWE-89",
      file: "a.py",
      line: String(i + 1),
      text: "finding text ".repeat(8),
    })),
    plan: [],
  });
  const N = 20000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) parseMessage(xml);
  const ms = performance.now() - t0;
  record(
    `parseMessage, ${Buffer.byteLength(xml)}-byte result, ${N} times`,
    Math.round((N / ms) * 1000),
    "msgs/s",
  );
  // The recovered reading of a messy reply: fenced, prose around, raw markup, enum case, 85%.
  const { readReply } = await dist("protocol/index.js");
  const messy = `Here is my answer.\n\`\`\`xml\n${xml
    .replace("<summary>", "<summary>The <input> && ")
    .replace('severity="high"', 'severity="High"')
    .replace("<confidence>0.9</confidence>", "<confidence>90%</confidence>")}\n\`\`\``;
  const kinds = readReply(messy).deviations.map((d) => d.kind);
  if (!kinds.includes("markup-in-text")) throw new Error(`bench reply reads as ${kinds}`);
  const t1 = performance.now();
  for (let i = 0; i < N; i++) readReply(messy);
  record(
    `readReply, the same result written messily (${[...new Set(kinds)].join(", ")}), ${N} times`,
    Math.round((N / (performance.now() - t1)) * 1000),
    "msgs/s",
  );
}

// 8. The tier optimizer: the search alone on the shipped evidence, and the whole command.
{
  const { loadConfig } = await dist("config/index.js");
  const { loadAgents } = await dist("agents/index.js");
  const { parseResults } = await dist("suite/index.js");
  const { planOptimization } = await dist("optimize/index.js");
  const out = mkdtempSync(join(tmpdir(), "bench-opt-"));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["bin/orchestra.js", "optimize", "--free-roles", "--out", out], {
    cwd: root,
    encoding: "utf8",
  });
  const whole = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`orchestra optimize exited ${r.status}: ${r.stderr}`);
  record(
    "orchestra optimize --free-roles (4 evidence runs, search, 2 verifications)",
    (whole / 1000).toFixed(1),
    "s",
  );
  const { config } = loadConfig(join(root, "orchestra.config.yaml"));
  const agents = loadAgents(join(root, "agents"), { tiers: Object.keys(config.tiers) }).agents;
  const { tierUnder } = await dist("agents/index.js");
  const runs = Object.keys(config.profiles)
    .filter((p) => existsSync(join(out, "evidence", p, "results.jsonl")))
    .map((profile) => ({
      profile,
      run: profile,
      assignment: Object.fromEntries(agents.map((a) => [a.name, tierUnder(a, profile, config)])),
      results: parseResults(readFileSync(join(out, "evidence", profile, "results.jsonl"), "utf8")).results,
    }));
  const times = [];
  let evaluated = 0;
  for (let i = 0; i < 7; i++) {
    const t1 = performance.now();
    const { report } = planOptimization({
      config,
      agents,
      runs,
      baseline: "all-sonnet",
      margin: 0.05,
      mode: "free-roles",
    });
    times.push(performance.now() - t1);
    evaluated = report.search.evaluated;
  }
  record(
    `optimizer: evidence, both searches and sensitivity (47 agents, ${runs.length} runs; ${evaluated} assignments), median of 7`,
    median(times).toFixed(0),
    "ms",
    "target: seconds",
  );
  rmSync(out, { recursive: true, force: true });
}

if (process.argv.includes("--write")) {
  const lines = [
    "# Benchmark results",
    "",
    `Measured by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${(await import("node:os")).cpus().length} cores.`,
    "",
    "| benchmark | value | unit | target |",
    "|---|---:|---|---|",
    ...rows.map((r) => `| ${r.name} | ${r.value} | ${r.unit} | ${r.target} |`),
    "",
  ];
  // Hand-written notes below the marker (comparisons, context) survive a rewrite of the table.
  const file = new URL("RESULTS.md", import.meta.url);
  const marker = "<!-- notes: kept by npm run bench -->";
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const notes = previous.includes(marker) ? previous.slice(previous.indexOf(marker)) : `${marker}\n`;
  writeFileSync(file, `${lines.join("\n")}\n${notes}`);
  console.log("wrote bench/RESULTS.md");
}
