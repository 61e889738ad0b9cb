import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseResults, type TrialResult } from "../../src/suite/index.js";
import { orchestra } from "../helpers/cli.js";

/** What these tests read of OTLP/JSON (test/report/otlp.test.ts checks the whole mapping). */
interface Value {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Value }[];
  status: { code: number; message?: string };
}
interface Request {
  resourceSpans: {
    resource: { attributes: { key: string; value: Value }[] };
    scopeSpans: { spans: Span[] }[];
  }[];
}

const attr = (s: { attributes: { key: string; value: Value }[] }, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
};
const spansOf = (request: Request) =>
  request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const nanosOf = (iso: string, offsetMs: number) =>
  BigInt(Date.parse(iso)) * 1_000_000n + BigInt(Math.round(offsetMs * 1e6));

/** The spans of each trace, by trace id, in the file's order. */
function traces(request: Request): Map<string, Span[]> {
  const byTrace = new Map<string, Span[]>();
  for (const s of spansOf(request)) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  return byTrace;
}

/** Finds the trace of each trial by its root span's attributes. */
function traceOf(byTrace: Map<string, Span[]>, r: TrialResult): Span[] {
  const found = [...byTrace.values()].filter((spans) => {
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    return (
      attr(root, "orchestra.case") === r.case &&
      attr(root, "orchestra.trial") === r.trial &&
      attr(root, "orchestra.profile") === r.profile
    );
  });
  expect(found, `${r.case}#${r.trial} ${r.profile}`).toHaveLength(1);
  return found[0]!;
}

describe("orchestra run --otel, on the shipped suite replayed", () => {
  let dir: string;
  let file: string;
  let stdout: string;
  let results: TrialResult[];
  let request: Request;
  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), "otel-"));
    dir = join(work, "run");
    file = join(work, "traces.json");
    const run = orchestra(["run", "--out", dir, "--otel", file]);
    expect(run.code, run.stderr).toBe(1); // the synthetic recordings fail a few cases, by design
    stdout = run.stdout;
    results = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8")).results;
    request = JSON.parse(readFileSync(file, "utf8")) as Request;
  }, 60_000);

  it("says where the traces are, one resource for the profile", () => {
    expect(stdout).toContain(`traces:  ${file} (${results.length} traces, OTLP/JSON)`);
    expect(request.resourceSpans).toHaveLength(1);
    const resource = request.resourceSpans[0]!.resource;
    expect(attr(resource, "service.name")).toBe("agent-orchestra");
    expect(attr(resource, "orchestra.profile")).toBe("three-tier");
    expect(attr(resource, "orchestra.run")).toBe("run");
  });

  it("has one trace per trial, rooted at the trial's span", () => {
    const byTrace = traces(request);
    expect(results.length).toBeGreaterThanOrEqual(50);
    expect(byTrace.size).toBe(results.length);
    for (const r of results) {
      const spans = traceOf(byTrace, r);
      const roots = spans.filter((s) => s.parentSpanId === undefined);
      expect(roots).toHaveLength(1);
      expect(attr(roots[0]!, "orchestra.verdict")).toBe(r.verdict);
      expect(roots[0]!.status.code).toBe(r.verdict === "error" ? 2 : 0);
      expect(roots[0]!.startTimeUnixNano).toBe(String(nanosOf(r.startedAt!, 0)));
      expect(spans).toHaveLength(1 + r.tree.length + r.calls.length);
    }
    expect(results.filter((r) => r.verdict === "fail").length).toBeGreaterThan(0);
  });

  it("nests the task spans as the delegation tree says", () => {
    const byTrace = traces(request);
    let nested = 0;
    for (const r of results) {
      const spans = traceOf(byTrace, r);
      const root = spans.find((s) => s.parentSpanId === undefined)!;
      const tasks = new Map(
        spans
          .filter((s) => attr(s, "gen_ai.operation.name") === "invoke_agent")
          .map((s) => [attr(s, "orchestra.task"), s]),
      );
      expect([...tasks.keys()].sort()).toEqual(r.tree.map((n) => n.task).sort());
      for (const n of r.tree) {
        const span = tasks.get(n.task)!;
        expect(span.name).toBe(`invoke_agent ${n.agent}`);
        expect(attr(span, "gen_ai.agent.name")).toBe(n.agent);
        expect(span.parentSpanId, `${r.case} ${n.task}`).toBe(
          n.parent === null ? root.spanId : tasks.get(n.parent)!.spanId,
        );
        if (n.parent !== null) nested++;
      }
    }
    expect(nested).toBeGreaterThan(20); // the missions delegate, two and three levels deep
  });

  it("gives each call span its task as parent and the GenAI figures of results.jsonl", () => {
    const byTrace = traces(request);
    let calls = 0;
    let outputTokens = 0;
    for (const r of results) {
      const spans = traceOf(byTrace, r);
      const tasks = new Map(
        spans
          .filter((s) => attr(s, "gen_ai.operation.name") === "invoke_agent")
          .map((s) => [attr(s, "orchestra.task"), s]),
      );
      const callSpans = spans.filter((s) => attr(s, "gen_ai.operation.name") === "chat");
      expect(callSpans).toHaveLength(r.calls.length);
      r.calls.forEach((c, i) => {
        const s = callSpans[i]!;
        const u = c.usage;
        expect(s.kind).toBe(3); // CLIENT
        expect(s.name).toBe(`chat ${c.model}`);
        expect(s.parentSpanId).toBe(tasks.get(c.task)!.spanId);
        expect(attr(s, "gen_ai.system")).toBe("anthropic");
        expect(attr(s, "gen_ai.request.model")).toBe(c.model);
        expect(attr(s, "gen_ai.response.model")).toBe(c.servedModel ?? c.model);
        expect(attr(s, "gen_ai.usage.input_tokens")).toBe(
          u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens,
        );
        expect(attr(s, "gen_ai.usage.output_tokens")).toBe(u.outputTokens);
        expect(attr(s, "gen_ai.usage.cache_read.input_tokens")).toBe(u.cacheReadTokens);
        expect(attr(s, "gen_ai.usage.cache_creation.input_tokens")).toBe(u.cacheWriteTokens);
        expect(attr(s, "orchestra.usage.input_tokens")).toBe(u.inputTokens);
        expect(attr(s, "orchestra.tier")).toBe(c.tier);
        expect(attr(s, "orchestra.agent")).toBe(c.agent);
        expect(attr(s, "orchestra.cost_usd")).toBe(c.costMicroUsd / 1e6);
        expect(attr(s, "orchestra.fallback")).toBe(c.fellBack);
        expect(attr(s, "orchestra.escalation")).toBe(c.escalation);
        expect(attr(s, "orchestra.request_id")).toBe(c.requestId);
        // Replayed latency is the recorded one, and says so.
        expect(attr(s, "orchestra.latency.source")).toBe("recorded");
        expect(attr(s, "orchestra.provenance")).toBe("synthetic");
        expect(s.startTimeUnixNano).toBe(String(nanosOf(r.startedAt!, c.startMs!)));
        expect(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)).toBe(
          BigInt(Math.round(c.latencyMs * 1e6)),
        );
        calls++;
        outputTokens += attr(s, "gen_ai.usage.output_tokens") as number;
      });
    }
    expect(calls).toBe(results.reduce((n, r) => n + r.calls.length, 0));
    expect(outputTokens).toBe(results.reduce((n, r) => n + r.usage.outputTokens, 0));
    expect(
      spansOf(request).filter((s) => attr(s, "orchestra.fallback") === true).length,
      "the fallback cases",
    ).toBe(results.reduce((n, r) => n + r.calls.filter((c) => c.fellBack).length, 0));
  });

  it("gives the same bytes again from the folder: orchestra report --otel", () => {
    const again = join(mkdtempSync(join(tmpdir(), "otel-")), "again.json");
    const report = orchestra(["report", dir, "--otel", again]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`traces: ${again}`);
    expect(readFileSync(again)).toEqual(readFileSync(file));
  });
});

describe("orchestra certify --otel", () => {
  it("writes both profiles, each its own resource, and orchestra report gives the same bytes", () => {
    const work = mkdtempSync(join(tmpdir(), "otel-cert-"));
    const dir = join(work, "cert");
    const file = join(work, "traces.json");
    const certify = orchestra([
      "certify",
      "suites/edge.yaml",
      "suites/demo.yaml",
      "--out",
      dir,
      "--otel",
      file,
    ]);
    expect(certify.code, certify.stderr).toBe(1); // NOT READY on synthetic recordings
    const request = JSON.parse(readFileSync(file, "utf8")) as Request;
    expect(
      request.resourceSpans.map((r) => [
        attr(r.resource, "service.name"),
        attr(r.resource, "orchestra.profile"),
      ]),
    ).toEqual([
      ["agent-orchestra", "all-sonnet"],
      ["agent-orchestra", "three-tier"],
    ]);
    const results = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8")).results;
    const byTrace = traces(request);
    expect(byTrace.size).toBe(results.length);
    for (const r of results) traceOf(byTrace, r);
    // Each resource holds its own profile's trials.
    for (const rs of request.resourceSpans) {
      const profile = attr(rs.resource, "orchestra.profile");
      const roots = rs.scopeSpans.flatMap((s) => s.spans).filter((s) => s.parentSpanId === undefined);
      expect(roots.length).toBe(results.filter((r) => r.profile === profile).length);
      expect(roots.every((s) => attr(s, "orchestra.profile") === profile)).toBe(true);
    }
    const again = join(work, "again.json");
    expect(orchestra(["report", dir, "--otel", again]).code).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(file));
  }, 60_000);
});
