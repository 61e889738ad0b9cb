// The replay-N workload of the suite runner (issue 5): N individual cases, each one call whose
// recorded reply is a ~1.5 KB result with 2-6 findings, 4 assertions each, concurrency 4, timed as
// a whole `orchestra run` process (median of 5), with its peak RSS.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { loadConfig } = await dist("config/index.js");
const { loadAgents } = await dist("agents/index.js");
const { createGateway, RecordingStore } = await dist("models/index.js");
const { loadSuites, runSuite } = await dist("suite/index.js");

export async function prepare(n) {
  const dir = mkdtempSync(join(tmpdir(), `bench-replay-${n}-`));
  mkdirSync(join(dir, "files"));
  writeFileSync(
    join(dir, "files/views.py"),
    `${"x = 1\n".repeat(60)}def view(request):\n    return db.execute("SELECT * FROM t WHERE id = " + request.GET["id"])\n`,
  );
  const cases = [];
  for (let i = 0; i < n; i++) {
    cases.push(`  - id: bench-${i}
    title: bench case ${i}
    input:
      agent: django-expert
      task: Review shop/views.py for injection, case ${i}.
      context: [{ file: files/views.py, as: shop/views.py }]
    expect:
      - { type: contains, value: parameterized }
      - { type: regex, pattern: "CWE-\\\\d+" }
      - { type: compliant }
      - { type: finding, severity: high, min: 2 }`);
  }
  writeFileSync(join(dir, "bench.yaml"), `suite: individual\ncases:\n${cases.join("\n")}\n`);
  const { config } = loadConfig(join(root, "orchestra.config.yaml"));
  const agents = loadAgents(join(root, "agents"), { tiers: Object.keys(config.tiers) }).agents;
  const reply = (body, k) => {
    const first = body.messages[0].content;
    const id = /id="([^"]+)"/.exec(first)[1];
    const findings = Array.from(
      { length: 2 + (k % 5) },
      (_, j) =>
        `    <finding severity="high" cwe="CWE-89" file="shop/views.py" line="${61 + (j % 2)}">Request input reaches the SQL string unescaped (${j}); use a parameterized query with a placeholder.</finding>`,
    ).join("\n");
    return `<message type="result" id="r-${k}" from="django-expert" to="user" in-reply-to="${id}">\n  <status>complete</status>\n  <confidence>0.9</confidence>\n  <summary>The view concatenates request input into SQL; use a parameterized query. ${"Details follow. ".repeat(20)}</summary>\n  <findings>\n${findings}\n  </findings>\n</message>`;
  };
  let k = 0;
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    const text = reply(body, k++);
    return new Response(
      JSON.stringify({
        id: `msg_${k}`,
        type: "message",
        role: "assistant",
        model: body.model,
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 2400,
          output_tokens: 420,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      }),
      { headers: { "content-type": "application/json", "x-orchestra-synthetic": "true" } },
    );
  };
  const store = new RecordingStore(join(dir, "recordings"));
  const gateway = createGateway({
    config,
    mode: "record",
    recordings: store,
    fetch,
    baseURL: "http://127.0.0.1:1",
    apiKey: "bench",
    // A fixed date the price table has rates for (dated prices refuse a call before every `from`).
    clock: () => new Date("2026-11-25T00:00:00.000Z"),
  });
  const { results } = await runSuite({
    cases: loadSuites([join(dir, "bench.yaml")]),
    config,
    agents,
    gateway,
    profile: "three-tier",
    mode: "record",
    concurrency: 4,
    outDir: join(dir, "record-out"),
  });
  store.flush();
  const failed = results.filter((r) => r.verdict !== "pass");
  if (failed.length) throw new Error(`bench cases do not pass when recorded: ${failed[0].reason}`);
  return dir;
}

export function timeRun(dir, runs = 5) {
  const times = [];
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = spawnSync(
      "/usr/bin/time",
      [
        "-f",
        "%M",
        process.execPath,
        join(root, "bin/orchestra.js"),
        "run",
        join(dir, "bench.yaml"),
        "--recordings",
        join(dir, "recordings"),
        "--out",
        join(dir, `out-${r}`),
        "--concurrency",
        "4",
        "--json",
      ],
      { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    times.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`run failed (${p.status}): ${p.stderr.slice(-500)}`);
    rss = Math.max(rss, Number(p.stderr.trim().split("\n").pop()) / 1024);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], peakRssMb: rss };
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}
