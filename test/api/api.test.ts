import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import * as api from "../../src/index.js";
import {
  type CertificationManifest,
  certify,
  createGateway,
  loadAgents,
  loadConfig,
  loadSuites,
  RecordingStore,
  type RunOutcome,
  renderCertification,
  runSuite,
  shipped,
} from "../../src/index.js";
import { repoRoot } from "../helpers/cli.js";

describe("the programmatic API (src/index.ts)", () => {
  it("exports the documented set, and nothing else", () => {
    // docs/api.md lists each of these; adding one here means documenting it there.
    expect(Object.keys(api).sort()).toEqual(
      [
        "CONFIG_FILE",
        "DEVIATION_KINDS",
        "GitAuditError",
        "InputError",
        "MESSAGE_TYPES",
        "MODES",
        "MissingApiKeyError",
        "RecordingStore",
        "ReplayMissError",
        "buildMessage",
        "certify",
        "checkTierPolicy",
        "compareRuns",
        "countAgents",
        "createGateway",
        "evaluateGates",
        "loadAgents",
        "loadConfig",
        "loadSuites",
        "parseMessage",
        "parseResults",
        "readReply",
        "renderAbMarkdown",
        "renderCertification",
        "renderMarkdown",
        "runSuite",
        "shipped",
        "summarize",
        "tierChangesSince",
        "validateMessage",
        "assignmentOf",
        "choose",
        "gatherEvidence",
        "planOptimization",
        "renderOptimizeMarkdown",
        "verify",
      ].sort(),
    );
  });

  it("points `shipped` at the package's config and agents", () => {
    expect(shipped).toEqual({
      root: repoRoot,
      config: join(repoRoot, "orchestra.config.yaml"),
      agents: join(repoRoot, "agents"),
    });
  });

  it("has no `any` in the signatures of its functions", () => {
    type IsAny<T> = 0 extends 1 & T ? true : false;
    expectTypeOf<IsAny<ReturnType<typeof api.loadConfig>>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<Parameters<typeof api.runSuite>[0]>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<Awaited<ReturnType<typeof api.runSuite>>>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<ReturnType<typeof api.summarize>>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<ReturnType<typeof api.readReply>>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<ReturnType<typeof api.certify>>>().toEqualTypeOf<false>();
  });
});

describe("certify()", () => {
  const dir = mkdtempSync(join(tmpdir(), "orchestra-api-certify-"));
  const { config, file } = loadConfig(shipped.config);
  const registry = loadAgents(shipped.agents, { tiers: Object.keys(config.tiers) });
  const runs: Record<string, RunOutcome> = {};

  beforeAll(async () => {
    const cases = loadSuites([join(repoRoot, "suites/edge.yaml")]);
    const gateway = createGateway({
      config,
      mode: "replay",
      recordings: new RecordingStore(join(repoRoot, "fixtures/recordings")),
    });
    for (const profile of ["all-sonnet", "three-tier"])
      runs[profile] = await runSuite({
        cases,
        config,
        agents: registry.agents,
        gateway,
        profile,
        mode: "replay",
        concurrency: 4,
        outDir: join(dir, profile),
      });
  });

  it("decides what renderCertification decides from the same runs", async () => {
    const inMemory = certify({
      config,
      configFile: file,
      registry,
      candidate: { profile: "three-tier", outcome: runs["three-tier"]! },
      baseline: { profile: "all-sonnet", outcome: runs["all-sonnet"]! },
    });
    const manifest: CertificationManifest = {
      profile: "three-tier",
      baseline: "all-sonnet",
      agentCount: registry.agents.length,
      agentProblems: 0,
      gates: config.gates,
      ...(config.workload ? { workload: config.workload } : {}),
    };
    writeFileSync(join(dir, "certification.json"), JSON.stringify(manifest));
    const fromFiles = await renderCertification(dir);
    expect(inMemory.readiness).toEqual(fromFiles.readiness);
    expect(inMemory.ab).toEqual(fromFiles.ab);
    expect(inMemory.summary).toEqual(fromFiles.summary);
    expect(inMemory.readiness.gates.find((g) => g.id === "complete")?.status).toBe("pass");
  });

  it("never certifies a partial run, and counts the tier policy's problems", () => {
    const candidate = runs["three-tier"]!;
    const { readiness, summary } = certify({
      config: { ...config, policy: { ...config.policy, tierCounts: { opus: 47 } } },
      registry,
      candidate: {
        profile: "three-tier",
        outcome: { results: candidate.results.slice(1), planned: candidate.planned, stopped: "interrupted" },
      },
      baseline: { profile: "all-sonnet", outcome: runs["all-sonnet"]! },
    });
    expect(summary.partial).toEqual({ planned: 10, done: 9, reason: "interrupted" });
    const status = (id: string) => readiness.gates.find((g) => g.id === id)?.status;
    expect(status("complete")).toBe("fail");
    expect(status("agent-tiers")).toBe("fail");
    expect(readiness.ready).toBe(false);
  });
});
