import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Attributes, HrTime, SpanKind } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type CallRecord, parseResults, type TrialResult } from "../suite/index.js";

type TaskNodeRecord = TrialResult["tree"][number];

/**
 * The run's traces as OTLP/JSON (an `ExportTraceServiceRequest`), from results.jsonl lines alone:
 * a trace per trial, a span per trial, per agent task of its delegation tree and per model call.
 * The spans are built as OpenTelemetry `ReadableSpan`s from the recorded figures and serialized by
 * `@opentelemetry/otlp-transformer`; ids and times come from the results only, so the same lines
 * give the same bytes. What each attribute means: docs/otel.md.
 */
export interface OtlpOptions {
  /** The run's name (its folder's name): part of every trace id, so two runs never share one. */
  run: string;
}

/**
 * The OpenTelemetry packages, loaded on first use: they stay off the start-up of every command
 * that imports the report layer without exporting traces (a bundled chunk of their own).
 */
async function loadOtel() {
  const [api, transformer, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/otlp-transformer"),
    import("@opentelemetry/resources"),
  ]);
  // Two CommonJS packages: Node gives their named exports, esbuild's bundle only their `default`.
  return {
    api,
    JsonTraceSerializer: transformer.JsonTraceSerializer ?? transformer.default.JsonTraceSerializer,
    resourceFromAttributes: resources.resourceFromAttributes ?? resources.default.resourceFromAttributes,
  };
}
type Otel = Awaited<ReturnType<typeof loadOtel>>;

const SERVICE = "agent-orchestra";
const SCOPE = { name: SERVICE };
const PROVIDER = "anthropic";

/** The first `hexChars` hex digits of the sha256 of the parts. */
function idOf(hexChars: number, ...parts: (string | number)[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, hexChars);
}

/** Unix epoch milliseconds plus an offset (fractional ms allowed) as [seconds, nanoseconds]. */
function hrTime(epochMs: number, offsetMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.round((epochMs - seconds * 1000 + offsetMs) * 1e6);
  const carry = Math.floor(nanos / 1e9);
  return [seconds + carry, nanos - carry * 1e9];
}

/** Where a span lies, in ms after its trial started. */
interface Range {
  start: number;
  end: number;
}

/** The smallest range covering all of them (at least one). */
function union(ranges: readonly Range[]): Range {
  return ranges.reduce((a, b) => ({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) }));
}

const usd = (micro: number) => micro / 1e6;

/** The basis of a trial's figures, by the rule summary.json uses for a run. */
function basisOf(calls: readonly CallRecord[]): "live" | "recorded" | "synthetic" | "none" {
  if (calls.length === 0) return "none";
  if (calls.some((c) => c.source === "synthetic")) return "synthetic";
  return calls.some((c) => c.latencySource === "recorded") ? "recorded" : "live";
}

function trialAttributes(r: TrialResult, run: string): Attributes {
  return {
    "orchestra.run": run,
    "orchestra.case": r.case,
    "orchestra.trial": r.trial,
    "orchestra.profile": r.profile,
    "orchestra.mode": r.mode,
    "orchestra.suite": r.suite,
    "orchestra.title": r.title,
    "orchestra.critical": r.critical,
    "orchestra.tags": r.tags,
    "orchestra.verdict": r.verdict,
    ...(r.reason === null ? {} : { "orchestra.reason": r.reason }),
    "orchestra.final.type": r.final.type,
    ...(r.final.code === undefined ? {} : { "orchestra.final.code": r.final.code }),
    "orchestra.calls": r.calls.length,
    "orchestra.cost_usd": usd(r.costMicroUsd),
    "orchestra.judge_cost_usd": usd(r.judgeCostMicroUsd),
    "orchestra.usage.input_tokens": r.usage.inputTokens,
    "orchestra.usage.output_tokens": r.usage.outputTokens,
    "orchestra.usage.cache_read_tokens": r.usage.cacheReadTokens,
    "orchestra.usage.cache_write_tokens": r.usage.cacheWriteTokens,
    "orchestra.latency_ms": r.latencyMs,
    "orchestra.latency.source": r.latencySource,
    "orchestra.duration_ms": r.durationMs,
    "orchestra.basis": basisOf(r.calls),
    "orchestra.provenance.live": r.provenance.live,
    "orchestra.provenance.synthetic": r.provenance.synthetic,
  };
}

function taskAttributes(n: TaskNodeRecord): Attributes {
  return {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.provider.name": PROVIDER,
    "gen_ai.system": PROVIDER,
    "gen_ai.agent.name": n.agent,
    "orchestra.task": n.task,
    "orchestra.agent": n.agent,
    "orchestra.objective": n.objective,
    "orchestra.tiers": n.tiers,
    "orchestra.models": n.models,
    "orchestra.calls": n.calls,
    "orchestra.tokens": n.tokens,
    "orchestra.cost_usd": usd(n.costMicroUsd),
    "orchestra.latency_ms": n.latencyMs,
    "orchestra.latency.source": n.latencySource,
    ...(n.flags.length ? { "orchestra.flags": n.flags } : {}),
    ...(n.notes.length ? { "orchestra.notes": n.notes } : {}),
    // The task was asked and its agent answered, but no reply could be read from it.
    "orchestra.reply.unread": n.reply === null && n.calls > 0,
    ...(n.reply
      ? {
          "orchestra.reply.type": n.reply.type,
          "orchestra.reply.compliant": n.reply.compliant,
          "orchestra.reply.recovered": n.reply.recovered,
          "orchestra.reply.summary": n.reply.summary,
        }
      : {}),
  };
}

function callAttributes(c: CallRecord): Attributes {
  const u = c.usage;
  return {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": PROVIDER,
    "gen_ai.system": PROVIDER,
    "gen_ai.request.model": c.model,
    "gen_ai.response.model": c.servedModel ?? c.model,
    // The GenAI conventions count cached input in input_tokens; the API's own figure is orchestra's.
    "gen_ai.usage.input_tokens": u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens,
    "gen_ai.usage.output_tokens": u.outputTokens,
    "gen_ai.usage.cache_read.input_tokens": u.cacheReadTokens,
    "gen_ai.usage.cache_creation.input_tokens": u.cacheWriteTokens,
    ...(c.stopReason ? { "gen_ai.response.finish_reasons": [c.stopReason] } : {}),
    ...(c.task === undefined ? {} : { "orchestra.task": c.task }),
    "orchestra.agent": c.agent,
    "orchestra.tier": c.tier,
    "orchestra.usage.input_tokens": u.inputTokens,
    "orchestra.usage.cache_write_5m_tokens": u.cacheWrite5mTokens,
    "orchestra.usage.cache_write_1h_tokens": u.cacheWrite1hTokens,
    "orchestra.cost_usd": usd(c.costMicroUsd),
    "orchestra.latency_ms": c.latencyMs,
    "orchestra.latency.source": c.latencySource,
    "orchestra.provenance": c.source,
    ...(c.requestId ? { "orchestra.request_id": c.requestId } : {}),
    "orchestra.fallback": c.fellBack,
    "orchestra.escalation": c.escalation,
    "orchestra.corrective": c.corrective,
    "orchestra.truncation_retry": c.truncationRetry === true,
    "orchestra.rate_limited": c.rateLimited ?? 0,
    ...(c.deviations?.length ? { "orchestra.deviations": c.deviations } : {}),
    "orchestra.reply.unread": c.unread === true,
  };
}

function span(
  otel: Otel,
  resource: Resource,
  traceId: string,
  spanId: string,
  parentId: string | undefined,
  name: string,
  kind: SpanKind,
  base: number,
  range: Range,
  attributes: Attributes,
  status: ReadableSpan["status"] = { code: otel.api.SpanStatusCode.UNSET },
): ReadableSpan {
  const { TraceFlags } = otel.api;
  const startTime = hrTime(base, range.start);
  const endTime = hrTime(base, range.end);
  const context = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name,
    kind,
    spanContext: () => context,
    ...(parentId === undefined
      ? {}
      : {
          parentSpanContext: { traceId, spanId: parentId, traceFlags: TraceFlags.SAMPLED, isRemote: false },
        }),
    startTime,
    endTime,
    duration: hrTime(0, range.end - range.start),
    status,
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The spans of one trial: the trial, its tasks (parents as the tree says), its calls. */
function trialSpans(
  otel: Otel,
  r: TrialResult,
  run: string,
  resource: Resource,
  occurrence: number,
): ReadableSpan[] {
  const { SpanKind: Kind, SpanStatusCode: Code } = otel.api;
  const traceId = idOf(32, "trace", run, r.case, r.trial, r.profile, occurrence);
  const trialId = idOf(16, traceId, "trial");
  const taskId = (task: string) => idOf(16, traceId, "task", task);
  const base = r.startedAt ? Date.parse(r.startedAt) || 0 : 0;

  // Calls: from their start offset, for their latency (a call without an offset follows the one before).
  let cursor = 0;
  const callRanges = r.calls.map((c) => {
    const start = c.startMs ?? cursor;
    cursor = start + c.latencyMs;
    return { start, end: start + c.latencyMs };
  });
  const nodes = new Map(r.tree.map((n) => [n.task, n]));
  const parentOf = (n: TaskNodeRecord) => (n.parent !== null && nodes.has(n.parent) ? n.parent : null);
  const children = new Map<string, string[]>();
  for (const n of r.tree) {
    const parent = parentOf(n);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), n.task]);
  }
  const callsOf = new Map<string, Range[]>();
  r.calls.forEach((c, i) => {
    if (c.task !== undefined && nodes.has(c.task))
      callsOf.set(c.task, [...(callsOf.get(c.task) ?? []), callRanges[i]!]);
  });
  // A task spans its calls, widened to cover its children; undefined when neither has a call.
  const covered = new Map<string, Range | undefined>();
  const coverOf = (task: string): Range | undefined => {
    if (covered.has(task)) return covered.get(task);
    covered.set(task, undefined); // a cycle in hand-edited lines ends here
    const parts = [
      ...(callsOf.get(task) ?? []),
      ...(children.get(task) ?? []).map(coverOf).filter((x): x is Range => x !== undefined),
    ];
    const range = parts.length ? union(parts) : undefined;
    covered.set(task, range);
    return range;
  };
  // A task with no call in it or under it: an instant at its parent's start (the trial's, for a root).
  const placed = new Map<string, Range>();
  const rangeOf = (task: string): Range => {
    const known = placed.get(task);
    if (known) return known;
    const parent = parentOf(nodes.get(task)!);
    placed.set(task, { start: 0, end: 0 });
    const at = parent === null ? 0 : rangeOf(parent).start;
    const range = coverOf(task) ?? { start: at, end: at };
    placed.set(task, range);
    return range;
  };
  const trialRange = union([
    { start: 0, end: r.durationMs },
    ...r.tree.map((n) => rangeOf(n.task)),
    ...callRanges,
  ]);

  const spans: ReadableSpan[] = [
    span(
      otel,
      resource,
      traceId,
      trialId,
      undefined,
      `${r.case}#${r.trial} (${r.profile})`,
      Kind.INTERNAL,
      base,
      trialRange,
      trialAttributes(r, run),
      r.verdict === "error" ? { code: Code.ERROR, message: r.reason ?? "error" } : { code: Code.UNSET },
    ),
  ];
  for (const n of r.tree) {
    const parent = parentOf(n);
    spans.push(
      span(
        otel,
        resource,
        traceId,
        taskId(n.task),
        parent === null ? trialId : taskId(parent),
        `invoke_agent ${n.agent}`,
        Kind.INTERNAL,
        base,
        rangeOf(n.task),
        taskAttributes(n),
      ),
    );
  }
  r.calls.forEach((c, i) => {
    const parent = c.task !== undefined && nodes.has(c.task) ? taskId(c.task) : trialId;
    spans.push(
      span(
        otel,
        resource,
        traceId,
        idOf(16, traceId, "call", i),
        parent,
        `chat ${c.model}`,
        Kind.CLIENT,
        base,
        callRanges[i]!,
        callAttributes(c),
      ),
    );
  });
  return spans;
}

/**
 * OTLP/JSON text of the trials' traces: a resource per profile (`service.name` agent-orchestra,
 * `orchestra.profile`), in the order the profiles first appear, and a trace per trial.
 */
export async function otlpTraces(results: readonly TrialResult[], options: OtlpOptions): Promise<string> {
  const otel = await loadOtel();
  const resources = new Map<string, Resource>();
  const byProfile = new Map<string, TrialResult[]>();
  for (const r of results) {
    if (!byProfile.has(r.profile)) {
      byProfile.set(r.profile, []);
      resources.set(
        r.profile,
        otel.resourceFromAttributes({
          "service.name": SERVICE,
          "orchestra.profile": r.profile,
          "orchestra.run": options.run,
        }),
      );
    }
    byProfile.get(r.profile)!.push(r);
  }
  const spans: ReadableSpan[] = [];
  const seen = new Map<string, number>();
  for (const [profile, trials] of byProfile)
    for (const r of trials) {
      // The same trial twice in the lines (not written by a run, but possible by hand): two traces.
      const key = `${profile}\u0000${r.case}#${r.trial}`;
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      spans.push(...trialSpans(otel, r, options.run, resources.get(profile)!, occurrence));
    }
  const bytes = otel.JsonTraceSerializer.serializeRequest(spans);
  return `${new TextDecoder().decode(bytes)}\n`;
}

/**
 * Writes `file` from a run or certification folder's results.jsonl (the run is the folder's name),
 * so `orchestra run|certify|report --otel` give the same bytes for the same folder.
 */
export async function writeOtlpTraces(dir: string, file: string): Promise<{ traces: number; bytes: number }> {
  const { results } = parseResults(readFileSync(join(dir, "results.jsonl"), "utf8"));
  const text = await otlpTraces(results, { run: basename(dir) });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return { traces: results.length, bytes: Buffer.byteLength(text) };
}
