import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgents } from "../src/agents/index.js";
import { loadConfig } from "../src/config/index.js";
import { intendedVerdict, loadScenario } from "../src/fake-api/index.js";
import { createGateway, RecordingStore } from "../src/models/index.js";
import { loadSuites, runSuite } from "../src/suite/index.js";
import { repoRoot } from "./helpers/cli.js";

const { config } = loadConfig(join(repoRoot, "orchestra.config.yaml"));
const agents = loadAgents(join(repoRoot, "agents"), { tiers: Object.keys(config.tiers) }).agents;
const cases = loadSuites([join(repoRoot, "suites")], repoRoot);

describe("the shipped certification suite", () => {
  it("has at least the owners' split: 15 individual, 12 coordinator, 15 mission, 8 edge", () => {
    const count = (suite: string) => cases.filter((c) => c.suite === suite).length;
    expect(count("individual")).toBeGreaterThanOrEqual(15);
    expect(count("coordinator")).toBeGreaterThanOrEqual(12);
    expect(count("mission")).toBeGreaterThanOrEqual(15);
    expect(count("edge")).toBeGreaterThanOrEqual(8);
    for (const c of cases.filter((c) => c.tags.includes("security")))
      expect(c.critical, `${c.id} is a security case`).toBe(true);
  });

  it("ships recordings for every profile of the config", () => {
    expect(Object.keys(config.profiles).sort()).toEqual(
      expect.arrayContaining(["all-haiku", "all-opus", "all-sonnet", "three-tier"]),
    );
  });

  // Every profile the config names is replayed, so a profile added to the config without recordings
  // (or a scenario that forgot it) fails here, not in a user's first `orchestra ab`.
  for (const profile of Object.keys(config.profiles)) {
    it(`replays every case under ${profile} to the verdict its scenario intends`, async () => {
      const gateway = createGateway({
        config,
        mode: "replay",
        recordings: new RecordingStore(join(repoRoot, "fixtures/recordings")),
      });
      const { results } = await runSuite({
        cases,
        config,
        agents,
        gateway,
        profile,
        mode: "replay",
        concurrency: 4,
        outDir: mkdtempSync(join(tmpdir(), "cert-")),
      });
      const got = Object.fromEntries(results.map((r) => [r.case, r.verdict]));
      const intended = Object.fromEntries(
        cases.map((c) => {
          const file = join(repoRoot, "fixtures/scenarios", `${c.scenario ?? c.id}.yaml`);
          expect(existsSync(file), `${c.id} has no scenario`).toBe(true);
          return [c.id, intendedVerdict(loadScenario(file), profile)];
        }),
      );
      const reasons = results
        .filter((r) => r.verdict !== intended[r.case])
        .map((r) => `${r.case}: ${r.verdict} (${r.reason ?? ""})`);
      expect(reasons, "re-record with `npm run fixtures` if prompts or scenarios changed").toEqual([]);
      expect(got).toEqual(intended);
      // Replay's fast path answers every recorded 200: only retried and fallen-back calls (a handful
      // of edge cases) go through the SDK. A fingerprint drift would send everything the slow way.
      const { direct, sdk } = gateway.requests;
      expect(direct).toBeGreaterThan(9 * sdk);
    });
  }
});
