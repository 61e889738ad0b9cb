import { describeCode, firstNonXmlChar } from "./chars.js";
import { decodeMessage, type Extra, type Violation } from "./decode.js";
import type { Deviation, DeviationKind } from "./deviations.js";
import { DEFAULT_LIMITS, type ParseLimits, undefinedEntities } from "./limits.js";
import { normalizeValues } from "./normalize.js";
import { overheadRatio } from "./overhead.js";
import { parseMessage, schemaViolations } from "./parse.js";
import { repairMarkup, TEXT_ELEMENTS } from "./repair.js";
import { type Message, MessageSchema } from "./schemas.js";
import { readXml, type XmlElement } from "./xml.js";

export interface ReadOptions {
  limits?: Partial<ParseLimits>;
  /** The types the agent may answer with: of several messages, the last of these is acted on. */
  allowedTypes?: readonly string[];
  /** The call's stop_reason: `max_tokens` marks the reply `truncated`. */
  stopReason?: string | null;
}

/**
 * The two readings of one agent reply. The strict reading is the protocol as written: compliance
 * counts it. The recovered reading is what the orchestrator acts on: the message, where its
 * meaning can be read without guessing, with every deviation that had to be undone named.
 */
export interface ReplyReading {
  /** Strictly compliant: exactly one valid message and nothing but whitespace around it. */
  compliant: boolean;
  /** Why the strict reading refuses the reply (empty when compliant). */
  violations: Violation[];
  /** The strict reading's message, when it is valid (text around it or not). */
  strictMessage?: Message;
  /** The recovered reading's message; undefined when nothing can be read (`unrecoverable`, `truncated`). */
  message?: Message;
  /**
   * What the recovered reading undid, in the order found. A compliant reply has none but
   * `truncated` when the call stopped at max_tokens (a fact about the call, not the text).
   */
  deviations: Deviation[];
  /** Elements and attributes the protocol does not know, set aside. */
  extras: Extra[];
  /** The message type the reply names, if any. */
  type?: string;
  /** The message element as the model wrote it (without fences or prose). */
  xml?: string;
  /** Markup over bytes of the message element as written. */
  overheadRatio?: number;
  /** When nothing could be read: why, for the corrective retry. */
  unreadable?: Violation[];
}

/** The kinds of a reading's deviations, each once, in contract order of first appearance. */
export function deviationKinds(reading: Pick<ReplyReading, "deviations">): DeviationKind[] {
  return [...new Set(reading.deviations.map((d) => d.kind))];
}

/** Reads a reply both ways; never throws. */
export function readReply(text: string, options: ReadOptions = {}): ReplyReading {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const strict = parseMessage(text, limits);
  const truncated: Deviation[] =
    options.stopReason === "max_tokens"
      ? [{ kind: "truncated", path: "(document)", detail: "the reply stopped at max_tokens" }]
      : [];
  const base = {
    compliant: strict.ok && strict.compliant,
    violations: strict.violations,
    ...(strict.ok ? { strictMessage: strict.message } : {}),
  };
  if (strict.ok && strict.compliant) {
    return {
      ...base,
      message: strict.message,
      deviations: truncated,
      extras: [],
      type: strict.message.type,
      xml: text.trim(),
      overheadRatio: strict.overheadRatio,
    };
  }
  let recovered: Recovered;
  try {
    recovered = recover(text, limits, options.allowedTypes);
  } catch (err) {
    recovered = unreadable([
      {
        path: "(document)",
        expected: "a protocol message",
        found: "input the reader rejected",
        message: `cannot read: ${(err as Error).message}`,
      },
    ]);
  }
  const type = recovered.message?.type ?? recovered.type ?? (strict.ok ? strict.message.type : strict.type);
  if (!recovered.message) {
    // Cut at max_tokens: a larger budget may give the whole message; else nothing can be read.
    const kind: DeviationKind = truncated.length > 0 ? "truncated" : "unrecoverable";
    const first = recovered.violations[0];
    const detail = !first
      ? "no message"
      : first.found === "(missing)"
        ? "a required part is missing"
        : first.message;
    return {
      ...base,
      deviations: [
        ...recovered.deviations.filter((d) => d.kind !== "unrecoverable"),
        { kind, path: recovered.violations[0]?.path ?? "(document)", detail },
      ],
      extras: [],
      ...(type ? { type } : {}),
      unreadable: recovered.violations,
    };
  }
  return {
    ...base,
    message: recovered.message,
    deviations: [...recovered.deviations, ...truncated],
    extras: recovered.extras,
    type: recovered.message.type,
    ...(recovered.xml === undefined ? {} : { xml: recovered.xml }),
    ...(recovered.overheadRatio === undefined ? {} : { overheadRatio: recovered.overheadRatio }),
  };
}

interface Recovered {
  message?: Message;
  type?: string;
  deviations: Deviation[];
  extras: Extra[];
  violations: Violation[];
  xml?: string;
  overheadRatio?: number;
}

function unreadable(violations: Violation[], deviations: Deviation[] = [], type?: string): Recovered {
  return { deviations, extras: [], violations, ...(type ? { type } : {}) };
}

function refusal(message: string, found = ""): Violation {
  return { path: "(document)", expected: "a protocol message", found, message };
}

const OPEN = /<message[\s>/]/g;
const CLOSE = /<\/message\s*>/g;
const FENCE_LINE = /^[ \t]*(```|~~~)[^\n]*$/gm;

interface Span {
  start: number;
  end: number;
  closed: boolean;
  type?: string;
}

/** Message spans, in order: each from an opening tag to the first closing tag after it. */
function spansOf(masked: string): Span[] {
  // `<message>` written in prose ("the `<message>` below") is no envelope: an open tag counts only
  // if it names a type, unless none does.
  const all = [...masked.matchAll(OPEN)].map((m) => m.index);
  const typed = all.filter((at) => /^<message\b[^>]*?\stype\s*=/.test(masked.slice(at, at + 500)));
  const opens = typed.length > 0 ? typed : all;
  const closes = [...masked.matchAll(CLOSE)].map((m) => ({ at: m.index, end: m.index + m[0].length }));
  const spans: Span[] = [];
  let from = 0;
  for (const open of opens) {
    if (open < from) continue;
    const close = closes.find((c) => c.at > open);
    const span: Span = close
      ? { start: open, end: close.end, closed: true }
      : { start: open, end: masked.length, closed: false };
    const type = /^<message\b[^>]*?\stype\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(masked.slice(open, open + 500));
    if (type) span.type = (type[1] ?? type[2] ?? "").trim().toLowerCase();
    spans.push(span);
    from = span.end;
  }
  return spans;
}

function preview(text: string): string {
  const t = text.trim().replace(/\s+/g, " ");
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);
}

function reads(xml: string): boolean {
  return readXml(xml).ok;
}

/** A text element holding elements, a comment or a processing instruction: markup meant as text. */
function textElementHoldsMarkup(root: XmlElement): boolean {
  const stack = [root];
  for (let el = stack.pop(); el; el = stack.pop()) {
    if (TEXT_ELEMENTS.has(el.name) && (el.children.size > 0 || el.markup)) return true;
    for (const children of el.children.values()) stack.push(...children);
  }
  return false;
}

/** The depth of a tree, without recursion; stops counting past `limit`. */
function depthOf(root: XmlElement, limit: number): number {
  let max = 0;
  const stack: [XmlElement, number][] = [[root, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [el, depth] = top;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const children of el.children.values()) for (const child of children) stack.push([child, depth + 1]);
  }
  return max;
}

function recover(text: string, limits: ParseLimits, allowedTypes: readonly string[] | undefined): Recovered {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) return unreadable([refusal(`message too large (${bytes} bytes)`)]);
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    return unreadable([refusal("DOCTYPE and entity declarations are not allowed")]);
  const invalid = firstNonXmlChar(text);
  if (invalid) return unreadable([refusal(`${describeCode(invalid.code)} cannot appear in an XML message`)]);

  const deviations: Deviation[] = [];
  // CDATA blanked out (same length): fences, tags and text inside it are content, not structure.
  const masked = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => " ".repeat(m.length));
  const spans = spansOf(masked);
  if (spans.length === 0) return unreadable([refusal("no <message> element", preview(text))]);
  let chosen = spans.at(-1)!;
  if (spans.length > 1) {
    const allowed = allowedTypes ? spans.filter((s) => s.type && allowedTypes.includes(s.type)) : [];
    chosen = allowed.at(-1) ?? chosen;
    deviations.push({
      kind: "multiple-messages",
      path: "(document)",
      detail: `${spans.length} messages (${spans.map((s) => s.type ?? "?").join(", ")}); read the last ${allowed.length ? "one the agent may send" : "one"} (${chosen.type ?? "?"})`,
    });
  }

  // What is outside every message: fences, an XML declaration, prose.
  const fenceLines = [...masked.matchAll(FENCE_LINE)]
    .map((m) => ({ start: m.index, end: m.index + m[0].length }))
    .filter((f) => !spans.some((s) => f.start >= s.start && f.start < s.end));
  const before = fenceLines.filter((f) => f.end <= chosen.start).length;
  if (before % 2 === 1)
    deviations.push({ kind: "fenced", path: "(document)", detail: "inside a Markdown code fence" });
  let outside = "";
  let at = 0;
  for (const s of spans) {
    outside += text.slice(at, s.start);
    at = s.end;
  }
  outside += text.slice(at);
  const prose = outside
    .replace(FENCE_LINE, "")
    .replace(/^\s*<\?xml[^?]*\?>/, "")
    .trim();
  if (prose !== "")
    deviations.push({
      kind: "prose-around",
      path: "(document)",
      detail: `text around the message: ${preview(prose)}`,
    });

  const span = text.slice(chosen.start, chosen.end);
  if (!chosen.closed) return unreadable([refusal("the message is not closed")], deviations, chosen.type);
  const tooDeep = refusal(`nesting deeper than ${limits.maxDepth} levels`);

  // First as written; markup is repaired only where the text as written cannot be read. Raw `<`
  // in text can look like nesting, so depth is judged on the tree read (the reader is iterative).
  const asWritten = readXml(span);
  let root: XmlElement | undefined =
    asWritten.ok && depthOf(asWritten.root, limits.maxDepth) <= limits.maxDepth ? asWritten.root : undefined;
  if (!root || undefinedEntities(span).length > 0 || textElementHoldsMarkup(root)) {
    const read = asWritten;
    const repair = repairMarkup(span, reads);
    const again = readXml(repair.text);
    if (again.ok && depthOf(again.root, limits.maxDepth) > limits.maxDepth)
      return unreadable([tooDeep], deviations, chosen.type);
    if (!again.ok || textElementHoldsMarkup(again.root))
      return unreadable(
        [
          {
            path: read.ok ? "message" : `message (line ${read.line}, column ${read.column})`,
            expected: "well-formed XML",
            found: read.ok ? "elements inside a text field" : read.message,
            message: `malformed XML: ${read.ok ? "elements inside a text field" : read.message}`,
          },
        ],
        deviations,
        chosen.type,
      );
    for (const r of repair.repaired)
      deviations.push({
        kind: "markup-in-text",
        path: r.path,
        detail: `raw markup read as text: ${r.found}`,
      });
    root = again.root;
  }
  normalizeValues(root, deviations);
  const structural: Violation[] = [];
  const extras: Extra[] = [];
  const raw = decodeMessage(root, structural, extras);
  if (!raw || structural.length > 0) return unreadable(structural, deviations, root.attrs.type);
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) {
    return unreadable(schemaViolations(raw, parsed.error), deviations, root.attrs.type);
  }
  for (const e of extras)
    deviations.push({
      kind: "unknown-element",
      path: e.path,
      detail: `${e.name} set aside${e.value ? `: ${preview(e.value)}` : ""}`,
    });
  return {
    message: parsed.data as Message,
    deviations,
    extras,
    violations: [],
    xml: span,
    overheadRatio: overheadRatio(span),
  };
}
