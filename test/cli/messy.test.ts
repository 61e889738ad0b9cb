import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeApi, recordedReplies, startFakeApi } from "../../src/fake-api/index.js";
import { repoRoot, startOrchestra } from "../helpers/cli.js";

/**
 * The whole shipped suite in record mode against the fake API at its messiest: it serves the
 * shipped recordings' replies where a request matches (the default reply otherwise) and perturbs
 * 30% of them with one deviation kind each, seeded.
 */
describe("the shipped suite against the messy fake API", () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi({
      port: 0,
      seed: 7,
      messy: { rate: 0.3 },
      reply: recordedReplies(join(repoRoot, "fixtures/recordings")),
    });
  });
  afterAll(() => api.close());

  it("loses no trial, counts every deviation it served on the call it served it to, and explains every verdict", async () => {
    const work = mkdtempSync(join(tmpdir(), "messy-suite-"));
    const out = join(work, "run");
    const done = await startOrchestra(
      ["run", "--mode", "record", "--recordings", join(work, "rec"), "--out", out, "--concurrency", "4"],
      { env: { ANTHROPIC_BASE_URL: api.url } },
    ).done;
    expect([0, 1], done.stderr).toContain(done.code);
    const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    const results = readFileSync(join(out, "results.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(results).toHaveLength(run.planned);

    const byRequest = new Map<string, string[]>();
    for (const t of results)
      for (const c of t.calls) if (c.requestId) byRequest.set(c.requestId, c.deviations ?? []);
    const served = api.stats().messyLog;
    expect(served.length).toBeGreaterThan(20);
    for (const s of served) expect(byRequest.get(s.requestId), `${s.agent} ${s.kind}`).toContain(s.kind);

    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    const messy = api.stats().messy as Record<string, number>;
    for (const [kind, n] of Object.entries(messy))
      expect(summary.protocol.deviations[kind]).toBeGreaterThanOrEqual(n);
    expect(summary.protocol.complianceRate).toBeLessThan(1);
    expect(summary.protocol.recovered).toBeGreaterThan(0);
    expect(summary.partial).toBeNull();
    for (const t of results.filter((r) => r.verdict !== "pass")) expect(t.reason, t.case).toMatch(/\S/);
    // The console lists the deviations, one example each.
    expect(done.stdout).toMatch(/deviations \(replies showing each kind\):\n {2}fenced \d+/);
  }, 90_000);
});
