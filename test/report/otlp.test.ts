import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protos from "otlp-transformer-protos/build/src/generated/root.js";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ZERO_USAGE } from "../../src/models/index.js";
import { otlpTraces } from "../../src/report/index.js";
import { type CallRecord, parseResults, type TrialResult } from "../../src/suite/index.js";
import { orchestra } from "../helpers/cli.js";

// ---------------------------------------------------------------------------------------------
// The OTLP/JSON mapping of an ExportTraceServiceRequest, written from the specification
// (opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto; and the OTLP spec's JSON Protobuf Encoding:
// lowerCamelCase field names, trace and span ids as hex, enums as integers, 64-bit integers as
// decimal strings or numbers). Strict objects: a field the proto does not have is an error.
// ---------------------------------------------------------------------------------------------

const hex = (chars: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-f]{${chars}}$`), `${chars} lowercase hex digits`)
    .refine((s) => /[1-9a-f]/.test(s), "an all-zero id is invalid");
const uint32 = z.number().int().min(0).max(0xffffffff);
/** fixed64 nanoseconds since the Unix epoch: a decimal string. */
const nanos = z
  .string()
  .regex(/^\d+$/)
  .refine((s) => BigInt(s) < 2n ** 64n, "fits in 64 bits");
const int64 = z.union([
  z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^-?\d+$/),
]);

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: number | string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: { key: string; value: AnyValue }[] } };
const anyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z.union([
    z.strictObject({ stringValue: z.string() }),
    z.strictObject({ boolValue: z.boolean() }),
    z.strictObject({ intValue: int64 }),
    z.strictObject({ doubleValue: z.number() }),
    z.strictObject({ bytesValue: z.base64() }),
    z.strictObject({ arrayValue: z.strictObject({ values: z.array(anyValue) }) }),
    z.strictObject({ kvlistValue: z.strictObject({ values: z.array(keyValue) }) }),
  ]),
);
const keyValue = z.strictObject({ key: z.string().min(1), value: anyValue });
/** Attributes: unique keys, and an array holds values of one primitive kind. */
const attributes = z
  .array(keyValue)
  .refine((kvs) => new Set(kvs.map((kv) => kv.key)).size === kvs.length, "attribute keys are unique")
  .refine(
    (kvs) =>
      kvs.every((kv) => {
        if (!("arrayValue" in kv.value)) return true;
        const kinds = new Set(kv.value.arrayValue.values.map((v) => Object.keys(v)[0]));
        return kinds.size <= 1 && !kinds.has("arrayValue") && !kinds.has("kvlistValue");
      }),
    "array attributes are homogeneous arrays of primitives",
  );

const status = z.strictObject({
  code: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  message: z.string().optional(),
});
const event = z.strictObject({
  timeUnixNano: nanos,
  name: z.string(),
  attributes,
  droppedAttributesCount: uint32,
});
const link = z.strictObject({
  traceId: hex(32),
  spanId: hex(16),
  traceState: z.string().optional(),
  attributes,
  droppedAttributesCount: uint32,
  flags: uint32.optional(),
});
const spanSchema = z.strictObject({
  traceId: hex(32),
  spanId: hex(16),
  traceState: z.string().optional(),
  parentSpanId: hex(16).optional(),
  flags: uint32.optional(),
  name: z.string().min(1),
  /** SPAN_KIND_UNSPECIFIED .. SPAN_KIND_CONSUMER */
  kind: z.number().int().min(0).max(5),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes,
  droppedAttributesCount: uint32,
  events: z.array(event),
  droppedEventsCount: uint32,
  links: z.array(link),
  droppedLinksCount: uint32,
  status,
});
const scopeSpans = z.strictObject({
  scope: z
    .strictObject({
      name: z.string(),
      version: z.string().optional(),
      attributes: attributes.optional(),
      droppedAttributesCount: uint32.optional(),
    })
    .optional(),
  spans: z.array(spanSchema),
  schemaUrl: z.string().optional(),
});
const resourceSpans = z.strictObject({
  resource: z.strictObject({ attributes, droppedAttributesCount: uint32.optional() }),
  scopeSpans: z.array(scopeSpans),
  schemaUrl: z.string().optional(),
});
const ExportTraceServiceRequest = z.strictObject({ resourceSpans: z.array(resourceSpans) });
type Request = z.infer<typeof ExportTraceServiceRequest>;
type Span = z.infer<typeof spanSchema>;

/** Parses OTLP/JSON text against the mapping, then checks what a schema cannot: the links. */
function checkMapping(text: string): Request {
  const request = ExportTraceServiceRequest.parse(JSON.parse(text));
  const spans = request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const byId = new Map<string, Span>();
  for (const s of spans) {
    expect(byId.has(`${s.traceId}/${s.spanId}`), `span ${s.spanId} twice`).toBe(false);
    byId.set(`${s.traceId}/${s.spanId}`, s);
  }
  const roots = new Map<string, number>();
  for (const s of spans) {
    expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), `${s.name} ends before it starts`).toBe(
      true,
    );
    if (s.parentSpanId === undefined) {
      roots.set(s.traceId, (roots.get(s.traceId) ?? 0) + 1);
      continue;
    }
    // The parent resolves in the same trace, and the child lies within it.
    const parent = byId.get(`${s.traceId}/${s.parentSpanId}`);
    expect(parent, `parent of ${s.name} (${s.spanId}) in trace ${s.traceId}`).toBeDefined();
    expect(
      BigInt(s.startTimeUnixNano) >= BigInt(parent!.startTimeUnixNano),
      `${s.name} starts in its parent`,
    ).toBe(true);
    expect(BigInt(s.endTimeUnixNano) <= BigInt(parent!.endTimeUnixNano), `${s.name} ends in its parent`).toBe(
      true,
    );
  }
  for (const traceId of new Set(spans.map((s) => s.traceId)))
    expect(roots.get(traceId), `trace ${traceId} has one root`).toBe(1);
  return request;
}

// ---------------------------------------------------------------------------------------------
// The same request through the OpenTelemetry proto definitions: the generated protobufjs root
// that @opentelemetry/otlp-transformer shipped up to 0.57 (a devDependency alias). JSON ->
// message -> protobuf bytes -> message -> JSON must give back what we wrote: a field the proto does
// not know is dropped on the way, a value of the wrong type changes. Those definitions predate
// `Span.flags` (field 16, opentelemetry-proto 1.1.0), the one field they cannot carry: the zod
// schema above checks it.
// ---------------------------------------------------------------------------------------------

interface ProtoType {
  fromObject(object: unknown): object;
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: { longs: typeof String; bytes: typeof String }): unknown;
}
const ExportProto = (
  protos as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
/**
 * Rewrites a JSON tree: ids between hex (OTLP/JSON) and base64 (protobuf's JSON), ints as strings,
 * and no empty repeated field (in proto3 an empty list and an absent one are the same message).
 */
function convert(value: unknown, id: (s: string) => string, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => convert(v, id));
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => [k, convert(v, id, k)]),
    );
  if (typeof value === "string" && ID_FIELDS.has(key)) return id(value);
  if (typeof value === "number" && key === "intValue") return String(value);
  return value;
}
const hexToBase64 = (s: string) => Buffer.from(s, "hex").toString("base64");
const base64ToHex = (s: string) => Buffer.from(s, "base64").toString("hex");

function protoRoundTrip(text: string): void {
  const json = JSON.parse(text);
  const message = ExportProto.fromObject(convert(json, hexToBase64));
  const bytes = ExportProto.encode(message).finish();
  const back = ExportProto.toObject(ExportProto.decode(bytes), { longs: String, bytes: String });
  const written = convert(json, (s) => s) as Request;
  for (const r of written.resourceSpans)
    for (const scope of r.scopeSpans) for (const span of scope.spans) delete span.flags;
  expect(convert(back, base64ToHex)).toEqual(written);
}

// ---------------------------------------------------------------------------------------------

const zero = { ...ZERO_USAGE };
const STARTED = "2026-12-01T10:00:00.250Z";
const STARTED_NS = BigInt(Date.parse(STARTED)) * 1_000_000n;

function call(
  task: string | undefined,
  startMs: number | undefined,
  extra: Partial<CallRecord> = {},
): CallRecord {
  return {
    ...(task === undefined ? {} : { task }),
    ...(startMs === undefined ? {} : { startMs }),
    agent: "backend-coordinator",
    tier: "opus",
    model: "claude-opus-5-5",
    usage: {
      ...zero,
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 300,
      cacheWriteTokens: 50,
      cacheWrite5mTokens: 50,
    },
    costMicroUsd: 12_345,
    latencyMs: 1500.5,
    latencySource: "measured",
    fellBack: false,
    escalation: false,
    corrective: false,
    source: "live",
    requestId: "req_011",
    ...extra,
  };
}

function node(task: string, agent: string, extra: Partial<TrialResult["tree"][number]> = {}) {
  const parent = task.includes("/") ? task.slice(0, task.lastIndexOf("/")) : null;
  return {
    task,
    parent,
    agent,
    objective: `do ${task}`,
    tiers: ["opus"],
    models: ["claude-opus-5-5"],
    calls: 1,
    tokens: 1550,
    costMicroUsd: 12_345,
    latencyMs: 1500.5,
    latencySource: "measured" as const,
    flags: [],
    notes: [],
    reply: { type: "result", compliant: true, recovered: false, summary: "done" },
    ...extra,
  };
}

/** A mission: m1 delegates m1/t1 (which delegates m1/t1/t1) and m1/t2, which never made a call. */
function mission(extra: Partial<TrialResult> = {}): TrialResult {
  const calls = [
    call("m1", 0),
    call("m1/t1", 1600, { agent: "devops-coordinator", tier: "sonnet", model: "claude-sonnet-5-5" }),
    call("m1/t1/t1", 1700, {
      agent: "devops-engineer",
      tier: "haiku",
      model: "claude-haiku-5-5",
      fellBack: true,
      servedModel: "claude-sonnet-5-5",
      stopReason: "end_turn",
      rateLimited: 2,
      deviations: ["fenced"],
      latencyMs: 4000,
    }),
    call("m1", 6000, { corrective: true, unread: true, requestId: null }),
  ];
  return {
    case: "mis-01",
    suite: "mission",
    title: "a mission",
    critical: true,
    tags: ["security"],
    trial: 1,
    profile: "three-tier",
    mode: "live",
    verdict: "pass",
    reason: null,
    assertions: [],
    final: { type: "result" },
    trace: {
      agents: ["tech-lead-orchestrator"],
      messages: 4,
      calls: calls.length,
      maxDepth: 2,
      fallbacks: 1,
      escalations: 0,
      correctiveRetries: 1,
      agentMessages: 4,
      compliantMessages: 3,
      recoveredMessages: 0,
      deviations: {},
      deviationExamples: [],
      messageBytes: 1000,
      markupBytes: 30,
      contextBytesBefore: 0,
      contextBytesAfter: 0,
    },
    calls,
    usage: zero,
    costMicroUsd: 4 * 12_345,
    judgeCostMicroUsd: 0,
    latencyMs: 9000,
    latencySource: "measured",
    provenance: {
      live: 4,
      synthetic: 0,
      models: ["claude-haiku-5-5", "claude-opus-5-5", "claude-sonnet-5-5"],
    },
    durationMs: 9100.25,
    startedAt: STARTED,
    tree: [
      node("m1", "tech-lead-orchestrator", { calls: 2 }),
      node("m1/t1", "devops-coordinator"),
      node("m1/t1/t1", "devops-engineer", { reply: null, flags: ["fell back from claude-haiku-5-5 (529)"] }),
      node("m1/t2", "frontend-developer", { calls: 0, reply: null }),
    ],
    ...extra,
  };
}

const spansOf = (request: Request) =>
  request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attrs = (s: { attributes: { key: string; value: AnyValue }[] }) =>
  Object.fromEntries(
    s.attributes.map(({ key, value }) => {
      const v = Object.values(value)[0] as unknown;
      return [
        key,
        v && typeof v === "object" && "values" in v
          ? (v.values as AnyValue[]).map((x) => Object.values(x)[0])
          : v,
      ];
    }),
  );
const offsetMs = (ns: string) => Number(BigInt(ns) - STARTED_NS) / 1e6;

describe("otlpTraces", () => {
  it("writes the OTLP/JSON mapping, and the proto definitions read it back unchanged", async () => {
    const text = await otlpTraces([mission(), mission({ trial: 2, verdict: "error", reason: "outage: x" })], {
      run: "run-a",
    });
    checkMapping(text);
    protoRoundTrip(text);
  });

  it("nests tasks as the tree says and calls under their task, timed from startedAt", async () => {
    const request = checkMapping(await otlpTraces([mission()], { run: "run-a" }));
    const spans = spansOf(request);
    expect(spans).toHaveLength(1 + 4 + 4);
    const [trial, ...rest] = spans;
    const byTask = new Map(rest.filter((s) => s.kind === 1).map((s) => [attrs(s)["orchestra.task"], s]));
    const calls = rest.filter((s) => s.kind === 3);
    expect(trial!.parentSpanId).toBeUndefined();
    expect(byTask.get("m1")!.parentSpanId).toBe(trial!.spanId);
    expect(byTask.get("m1/t1")!.parentSpanId).toBe(byTask.get("m1")!.spanId);
    expect(byTask.get("m1/t1/t1")!.parentSpanId).toBe(byTask.get("m1/t1")!.spanId);
    expect(byTask.get("m1/t2")!.parentSpanId).toBe(byTask.get("m1")!.spanId);
    expect(calls.map((c) => c.parentSpanId)).toEqual(
      ["m1", "m1/t1", "m1/t1/t1", "m1"].map((t) => byTask.get(t)!.spanId),
    );
    // A call: startedAt + startMs, for latencyMs (to the nanosecond).
    expect(calls.map((c) => [offsetMs(c.startTimeUnixNano), offsetMs(c.endTimeUnixNano)])).toEqual([
      [0, 1500.5],
      [1600, 3100.5],
      [1700, 5700],
      [6000, 7500.5],
    ]);
    // A task: its first call's start to its last call's end, widened to its children; a task
    // without a call is an instant at its parent's start; the trial: its durationMs, being longer.
    const range = (s: Span) => [offsetMs(s.startTimeUnixNano), offsetMs(s.endTimeUnixNano)];
    expect(range(byTask.get("m1/t1/t1")!)).toEqual([1700, 5700]);
    expect(range(byTask.get("m1/t1")!)).toEqual([1600, 5700]);
    expect(range(byTask.get("m1")!)).toEqual([0, 7500.5]);
    expect(range(byTask.get("m1/t2")!)).toEqual([0, 0]);
    expect(range(trial!)).toEqual([0, 9100.25]);
  });

  it("puts the GenAI conventions and the orchestra's own figures on the spans", async () => {
    const spans = spansOf(checkMapping(await otlpTraces([mission()], { run: "run-a" })));
    const [trial, , , engineer, idle, first, , fallback, retry] = spans.map(attrs);
    expect(trial).toMatchObject({
      "orchestra.case": "mis-01",
      "orchestra.trial": 1,
      "orchestra.profile": "three-tier",
      "orchestra.mode": "live",
      "orchestra.suite": "mission",
      "orchestra.verdict": "pass",
      "orchestra.basis": "live",
      "orchestra.run": "run-a",
      "orchestra.cost_usd": 0.04938,
      "orchestra.latency.source": "measured",
    });
    expect(trial).not.toHaveProperty("orchestra.reason");
    expect(first).toMatchObject({
      "gen_ai.system": "anthropic",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "claude-opus-5-5",
      "gen_ai.response.model": "claude-opus-5-5",
      "gen_ai.usage.input_tokens": 1350,
      "gen_ai.usage.output_tokens": 200,
      "gen_ai.usage.cache_read.input_tokens": 300,
      "gen_ai.usage.cache_creation.input_tokens": 50,
      "orchestra.usage.input_tokens": 1000,
      "orchestra.usage.cache_write_5m_tokens": 50,
      "orchestra.tier": "opus",
      "orchestra.cost_usd": 0.012345,
      "orchestra.latency_ms": 1500.5,
      "orchestra.latency.source": "measured",
      "orchestra.provenance": "live",
      "orchestra.request_id": "req_011",
      "orchestra.fallback": false,
      "orchestra.rate_limited": 0,
      "orchestra.reply.unread": false,
    });
    expect(first).not.toHaveProperty("gen_ai.response.finish_reasons");
    expect(fallback).toMatchObject({
      "gen_ai.request.model": "claude-haiku-5-5",
      "gen_ai.response.model": "claude-sonnet-5-5",
      "gen_ai.response.finish_reasons": ["end_turn"],
      "orchestra.fallback": true,
      "orchestra.rate_limited": 2,
      "orchestra.deviations": ["fenced"],
    });
    expect(retry).toMatchObject({ "orchestra.corrective": true, "orchestra.reply.unread": true });
    expect(retry).not.toHaveProperty("orchestra.request_id");
    expect(engineer).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "devops-engineer",
      "orchestra.reply.unread": true,
      "orchestra.flags": ["fell back from claude-haiku-5-5 (529)"],
    });
    // A task that never called a model was not "unread": it never answered.
    expect(idle).toMatchObject({ "orchestra.calls": 0, "orchestra.reply.unread": false });
  });

  it("an errored trial is an ERROR span; a failed one is UNSET with orchestra.verdict=fail", async () => {
    const spans = spansOf(
      checkMapping(
        await otlpTraces(
          [
            mission({ verdict: "error", reason: "outage: every model of opus down" }),
            mission({ trial: 2, verdict: "fail", reason: "contains: x is not in the trace" }),
            mission({ trial: 3 }),
          ],
          { run: "r" },
        ),
      ),
    );
    const trials = spans.filter((s) => s.parentSpanId === undefined);
    expect(trials.map((s) => s.status)).toEqual([
      { code: 2, message: "outage: every model of opus down" },
      { code: 0 },
      { code: 0 },
    ]);
    expect(trials.map((s) => attrs(s)["orchestra.verdict"])).toEqual(["error", "fail", "pass"]);
    expect(attrs(trials[1]!)["orchestra.reason"]).toBe("contains: x is not in the trace");
    // Only trial spans carry a status.
    expect(spans.filter((s) => s.parentSpanId !== undefined).every((s) => s.status.code === 0)).toBe(true);
  });

  it("ids are deterministic: the same lines give the same bytes, another run other trace ids", async () => {
    const lines = [mission(), mission({ trial: 2 }), mission({ profile: "all-sonnet" })];
    const a = await otlpTraces(lines, { run: "run-a" });
    expect(await otlpTraces(structuredClone(lines), { run: "run-a" })).toBe(a);
    const traceIds = (text: string) => [...new Set(spansOf(checkMapping(text)).map((s) => s.traceId))];
    expect(traceIds(a)).toHaveLength(3);
    const b = await otlpTraces(lines, { run: "run-b" });
    expect(traceIds(b).filter((id) => traceIds(a).includes(id))).toEqual([]);
    // Span ids come from positions: the same tree in another trial gets other ids.
    const spanIds = spansOf(checkMapping(a)).map((s) => s.spanId);
    expect(new Set(spanIds).size).toBe(spanIds.length);
  });

  it("a resource per profile, each with service.name and orchestra.profile", async () => {
    const request = checkMapping(
      await otlpTraces(
        [mission({ profile: "all-sonnet" }), mission(), mission({ profile: "all-sonnet", trial: 2 })],
        {
          run: "cert",
        },
      ),
    );
    expect(request.resourceSpans.map((r) => attrs(r.resource))).toEqual([
      { "service.name": "agent-orchestra", "orchestra.profile": "all-sonnet", "orchestra.run": "cert" },
      { "service.name": "agent-orchestra", "orchestra.profile": "three-tier", "orchestra.run": "cert" },
    ]);
    expect(
      request.resourceSpans.map((r) => spansOf({ resourceSpans: [r] }).filter((s) => !s.parentSpanId).length),
    ).toEqual([2, 1]);
  });

  it("older lines: no startedAt, no start offsets, no tree", async () => {
    const old = mission({
      tree: [],
      calls: mission().calls.map(({ task: _t, startMs: _s, ...c }) => c),
    });
    delete old.startedAt;
    const spans = spansOf(checkMapping(await otlpTraces([old], { run: "r" })));
    // Every call under the trial, one after the other from the epoch.
    expect(spans).toHaveLength(1 + 4);
    expect(spans.slice(1).every((s) => s.parentSpanId === spans[0]!.spanId)).toBe(true);
    expect(spans.slice(1).map((s) => Number(BigInt(s.startTimeUnixNano) / 1_000_000n))).toEqual([
      0, 1500, 3001, 7001,
    ]);
  });
});

describe("the shipped suite, replayed", () => {
  let text: string;
  let results: TrialResult[];
  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), "otlp-")), "run");
    const run = orchestra(["run", "--out", out]);
    expect(run.code, run.stderr).toBe(1); // the shipped synthetic recordings fail 5 cases
    results = parseResults(readFileSync(join(out, "results.jsonl"), "utf8")).results;
    text = await otlpTraces(results, { run: "shipped" });
  }, 60_000);

  it("is the OTLP/JSON mapping, and reads back unchanged through the proto definitions", () => {
    expect(results.length).toBeGreaterThanOrEqual(50);
    const request = checkMapping(text);
    expect(new Set(spansOf(request).map((s) => s.traceId)).size).toBe(results.length);
    protoRoundTrip(text);
  });
});
