/**
 * Replies shaped the way real models write them: one seeded perturbation per deviation kind of
 * the protocol reader (src/protocol/deviations.ts). Each turns a compliant reply into one that
 * the reader reads with exactly that deviation and, for the recoverable kinds, to the same
 * message; so the harness can be tested against the fake API at its messiest.
 */

import {
  DELIVERABLE_KINDS,
  type DeviationKind,
  ESCALATION_REASONS,
  MESSAGE_TYPES,
  PRIORITIES,
  SEVERITIES,
} from "../protocol/index.js";
import { confidenceValue } from "../protocol/normalize.js";
import {
  attrOf,
  decodeContent,
  messageEnd,
  messageStart,
  type ScannedElement,
  scanMessage,
  splice,
} from "./xml-scan.js";

/** A perturbed reply: the text to serve, and `max_tokens` when it was cut. */
export interface Mutation {
  text: string;
  stopReason?: "max_tokens";
}

/** One perturbation; undefined when the reply offers it nothing to work on. */
type Mutator = (text: string, random: () => number) => Mutation | undefined;

/** `record[key]` for own keys only: element names come from the reply (`constructor`, say). */
function own<T>(record: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}

/** The message element of a reply, with its parts; undefined when there is none or it is broken. */
function scanned(text: string): { root: ScannedElement; elements: ScannedElement[] } | undefined {
  const elements = scanMessage(text);
  const root = elements?.[0];
  return root && elements ? { root, elements } : undefined;
}

/** A leaf element's content as written, and the value it stands for when plain (no CDATA, no reference). */
function plainValue(
  text: string,
  el: ScannedElement,
): { value: string; start: number; end: number } | undefined {
  if (el.childCount > 0 || el.closeStart === el.openEnd) return undefined;
  const raw = text.slice(el.openEnd, el.closeStart);
  if (/[<&]/.test(raw)) return undefined;
  const value = raw.trim();
  const start = el.openEnd + raw.indexOf(value);
  return { value, start, end: start + value.length };
}

interface Spot {
  start: number;
  end: number;
  value: string;
}

// ---- fenced ----------------------------------------------------------------------------------

const FENCE_LINE = /^[ \t]*(```|~~~)/m;

/** Text before the message and after it, where a fence line would count. */
function outsideMessage(text: string): string {
  const start = messageStart(text);
  const end = messageEnd(text);
  return text.slice(0, Math.max(0, start)) + (end < 0 ? "" : text.slice(end));
}

/** In a Markdown code fence, as chat-trained models like to answer; a reply already fenced is left alone. */
const fenced: Mutator = (text) => {
  if (messageStart(text) < 0 || FENCE_LINE.test(outsideMessage(text))) return undefined;
  return { text: `\`\`\`xml\n${text.trim()}\n\`\`\`` };
};

// ---- prose-around ----------------------------------------------------------------------------

// Plain sentences: no `<`, `&` or backtick, so they read as prose and nothing else.
const PROSE_BEFORE = [
  "Here is my report.",
  "I have finished the task; the result follows.",
  "Sure. Below is my answer in the protocol format.",
];
const PROSE_AFTER = [
  "Let me know if anything else is needed.",
  "That is everything I found.",
  "I can go deeper into any of these points if that helps.",
];

const proseAround: Mutator = (text, random) => {
  if (messageStart(text) < 0) return undefined;
  const where = pick(["before", "after", "both"] as const, random);
  const before = where === "after" ? "" : `${pick(PROSE_BEFORE, random)}\n\n`;
  const after = where === "before" ? "" : `\n\n${pick(PROSE_AFTER, random)}`;
  return { text: `${before}${text.trim()}${after}` };
};

// ---- markup-in-text --------------------------------------------------------------------------

/** Elements of free text, where models write code and comparisons as they are. */
const FREE_TEXT = [
  "summary",
  "objective",
  "note",
  "detail",
  "finding",
  "deliverable",
  "criterion",
  "constraint",
  "fact",
  "attempted",
];

/** Where the injected snippet goes when no element has markup of its own to write raw: the main text. */
const MAIN_TEXT = ["summary", "note", "detail", "objective"];

/** Raw markup added to a message that has none to write raw (its text then differs from the original). */
export const INJECTED_MARKUP = " (see <config> && <env>)";

/**
 * Decoded text that, written raw, would be read as something else than text: the element's own
 * end tag, a CDATA section, comment, declaration or processing instruction (`<!`, `<?`, which
 * the XML reader honours), a message tag, a CDATA terminator, or a `&` that looks like a reference
 * and would be decoded.
 */
function rawIsAmbiguous(name: string, decoded: string): boolean {
  return (
    decoded.includes(`</${name}`) ||
    /<!|<\?|<\/?message|\]\]>/.test(decoded) ||
    /&(?:[A-Za-z_:][A-Za-z0-9_:.-]*|#[0-9]+|#x[0-9a-fA-F]+);/.test(decoded)
  );
}

/**
 * The reader counts each raw `<...>` as a level of nesting against its limit of 32; a text with
 * this many stays well below it whatever the message's own depth.
 */
const MAX_RAW_TAGS = 16;

/**
 * Writes the content of one free-text element raw (`a < b && c` instead of CDATA or `&lt;`
 * references): the reader escapes it back and reads the same text. Only text with a `<` or `&`
 * qualifies (a lone `>` is legal XML text, no deviation at all). When no element qualifies, the
 * snippet INJECTED_MARKUP is added raw to the message's main text (summary, else note, detail or
 * objective): that reply then reads as the original message with the snippet appended there.
 */
const markupInText: Mutator = (text, random) => {
  const message = scanned(text);
  if (!message) return undefined;
  const candidates: { el: ScannedElement; decoded: string }[] = [];
  for (const el of message.elements) {
    if (!FREE_TEXT.includes(el.name) || el.childCount > 0) continue;
    const content = decodeContent(text.slice(el.openEnd, el.closeStart));
    if (!content?.escaped || !/[<&]/.test(content.text)) continue;
    if (rawIsAmbiguous(el.name, content.text)) continue;
    if ((content.text.match(/</g)?.length ?? 0) > MAX_RAW_TAGS) continue;
    candidates.push({ el, decoded: content.text });
  }
  if (candidates.length > 0) {
    const { el, decoded } = pick(candidates, random);
    return { text: splice(text, el.openEnd, el.closeStart, decoded) };
  }
  const main = MAIN_TEXT.map((name) =>
    message.elements.find((el) => el.name === name && el.parent === 0 && el.childCount === 0),
  ).find((el) => el !== undefined && el.closeStart > el.openEnd);
  if (!main) return undefined;
  const at = main.openEnd + text.slice(main.openEnd, main.closeStart).trimEnd().length;
  return { text: splice(text, at, at, INJECTED_MARKUP) };
};

// ---- enum-case -------------------------------------------------------------------------------

const ENUM_TEXT: Record<string, readonly string[]> = {
  status: ["complete", "partial"],
  priority: PRIORITIES,
  state: ["in-progress", "blocked"],
  reason: ESCALATION_REASONS,
  retryable: ["true", "false"],
};

const ENUM_ATTRS: Record<string, Record<string, readonly string[]>> = {
  message: { type: MESSAGE_TYPES },
  finding: { severity: SEVERITIES },
  deliverable: { kind: DELIVERABLE_KINDS },
  task: { priority: PRIORITIES },
};

function enumSpots(text: string, elements: readonly ScannedElement[]): Spot[] {
  const spots: Spot[] = [];
  for (const el of elements) {
    const allowed = el.parent >= 0 ? own(ENUM_TEXT, el.name) : undefined;
    const plain = allowed ? plainValue(text, el) : undefined;
    if (allowed && plain && allowed.includes(plain.value)) spots.push(plain);
    for (const [name, values] of Object.entries(own(ENUM_ATTRS, el.name) ?? {})) {
      const attr = attrOf(el, name);
      if (attr && values.includes(attr.value)) spots.push(attr);
    }
  }
  return spots;
}

const titleCase = (value: string) =>
  value
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("-");

/** One enumerated value in another case: `High`, `COMPLETE`, `Result`, `In-Progress`, `TRUE`. */
const enumCase: Mutator = (text, random) => {
  const message = scanned(text);
  if (!message) return undefined;
  const spots = enumSpots(text, message.elements);
  if (spots.length === 0) return undefined;
  const spot = pick(spots, random);
  const recased = random() < 0.5 ? titleCase(spot.value) : spot.value.toUpperCase();
  return { text: splice(text, spot.start, spot.end, recased) };
};

// ---- number-format ---------------------------------------------------------------------------

const DECIMAL_01 = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/;
const PERCENT = /^(100|[1-9]?\d)$/;
const POSITIVE = /^[1-9]\d*$/;

/** `0.85` as `85`, by moving the point: no binary rounding. */
function asPercent(decimal: string): string {
  const [whole = "", frac = ""] = decimal.split(".");
  const digits = `${whole || "0"}${frac.padEnd(2, "0")}`;
  const cut = (whole || "0").length + 2;
  const int = digits.slice(0, cut).replace(/^0+(?=\d)/, "");
  const rest = digits.slice(cut);
  return rest ? `${int}.${rest}` : int;
}

/** `85%` when the reader turns it back into exactly the value written, else `0.85 (high)`. */
function confidenceFormat(value: string): string {
  const percent = `${asPercent(value)}%`;
  if (confidenceValue(percent) === value) return percent;
  const n = Number(value);
  return `${value} (${n >= 0.7 ? "high" : n >= 0.4 ? "medium" : "low"})`;
}

/** A number written another way: confidence `85%` or `0.85 (high)`, progress `40%`, a finding's line `12-14`. */
const numberFormat: Mutator = (text, random) => {
  const message = scanned(text);
  if (!message) return undefined;
  const spots: (Spot & { format: (v: string) => string })[] = [];
  for (const el of message.elements) {
    if (el.parent < 0) continue;
    const plain = el.name === "confidence" || el.name === "progress" ? plainValue(text, el) : undefined;
    if (el.name === "confidence" && plain && DECIMAL_01.test(plain.value))
      spots.push({ ...plain, format: confidenceFormat });
    if (el.name === "progress" && plain && PERCENT.test(plain.value))
      spots.push({ ...plain, format: (v) => `${v}%` });
    const line = el.name === "finding" ? attrOf(el, "line") : undefined;
    if (line && POSITIVE.test(line.value))
      spots.push({ ...line, format: (v) => `${v}-${(BigInt(v) + 2n).toString()}` });
  }
  if (spots.length === 0) return undefined;
  const spot = pick(spots, random);
  return { text: splice(text, spot.start, spot.end, spot.format(spot.value)) };
};

// ---- unknown-element -------------------------------------------------------------------------

const NOTES = [
  "Checked against every acceptance criterion.",
  "Took about ten minutes; nothing blocked me.",
  "Happy to pair on the follow-up.",
];

/** A `<notes>` child of the message, an element the protocol does not know (set aside by the reader). */
const unknownElement: Mutator = (text, random) => {
  const message = scanned(text);
  if (!message || message.root.closeStart === message.root.openEnd) return undefined;
  const notes = `<notes>${pick(NOTES, random)}</notes>`;
  const { root } = message;
  if (random() < 0.5) return { text: splice(text, root.openEnd, root.openEnd, `\n  ${notes}`) };
  const lineStart = /\n[ \t]*$/.test(text.slice(root.openEnd, root.closeStart));
  const at = lineStart ? text.lastIndexOf("\n", root.closeStart) + 1 : root.closeStart;
  return { text: splice(text, at, at, lineStart ? `  ${notes}\n` : notes) };
};

// ---- multiple-messages -----------------------------------------------------------------------

/** The answers a specialist may send: of several messages, the reader acts on the last of these. */
const ANSWERS = ["result", "status-update", "escalation", "error"];

/**
 * A status update sent first, then the answer, as models that narrate their progress do. Only
 * for a message a specialist may answer with: of a task assignment after a status update, the
 * reader would rightly act on the status update.
 */
const multipleMessages: Mutator = (text) => {
  const message = scanned(text);
  const type = message ? attrOf(message.root, "type")?.value : undefined;
  if (!message || type === undefined || !ANSWERS.includes(type)) return undefined;
  const { root } = message;
  const id = attrOf(root, "id")?.value;
  const envelope = ["from", "to", "in-reply-to"]
    .map((name) => {
      const attr = attrOf(root, name);
      return attr ? ` ${name}="${attr.value.replace(/"/g, "&quot;")}"` : "";
    })
    .join("");
  const statusId = id && /^[A-Za-z0-9._:/-]{1,60}$/.test(id) ? `${id}-wip` : "wip-1";
  const update = [
    `<message type="status-update" id="${statusId}"${envelope}>`,
    "  <state>in-progress</state>",
    "  <note>Working on it.</note>",
    "</message>",
  ].join("\n");
  return { text: splice(text, root.start, root.start, `${update}\n`) };
};

// ---- truncated -------------------------------------------------------------------------------

/**
 * The reply cut at 40-80% of its length (in code points), before its first `</message`, as a
 * reply that ran into max_tokens is; undefined when the end tag comes too early for that.
 */
const truncated: Mutator = (text, random) => {
  if (messageStart(text) < 0) return undefined;
  const points = Array.from(text);
  const close = text.indexOf("</message");
  const closeAt = close < 0 ? points.length : Array.from(text.slice(0, close)).length;
  const lo = Math.ceil(points.length * 0.4);
  const hi = Math.min(Math.floor(points.length * 0.8), closeAt);
  if (hi < lo || hi === 0) return undefined;
  const cut = Math.min(hi, lo + Math.floor(random() * (hi - lo + 1)));
  return { text: points.slice(0, cut).join(""), stopReason: "max_tokens" };
};

// ---- unrecoverable ---------------------------------------------------------------------------

const PROSE_ONLY = [
  "I reviewed the code and it looks fine to me overall; I did not find anything that needs to change.",
  "Sorry, I ran out of time before I could write up the report. The main issue is in the request handler.",
  "Done. The tests pass now and the fix is small, so I think we are good to ship it.",
];

/** Elements without which each message type means nothing. */
const REQUIRED: Record<string, readonly string[]> = {
  "task-assignment": ["objective", "acceptance-criteria", "priority"],
  "status-update": ["state", "note"],
  result: ["status", "confidence", "summary"],
  escalation: ["reason", "target", "summary"],
  error: ["code", "retryable", "detail"],
};

/** Plain prose and no message, or the message without one of its required elements (a summary, say). */
const unrecoverable: Mutator = (text, random) => {
  if (messageStart(text) < 0) return undefined;
  const prose = { text: pick(PROSE_ONLY, random) };
  if (random() < 0.5) return prose;
  const message = scanned(text);
  const type = message ? attrOf(message.root, "type")?.value : undefined;
  const required = own(REQUIRED, type) ?? [];
  const removable = (message?.elements ?? []).filter((el) => el.parent === 0 && required.includes(el.name));
  if (removable.length === 0) return prose;
  const el = pick(removable, random);
  // The whole line when the element stands on one, so the reply still looks hand-written.
  const lineStart = text.lastIndexOf("\n", el.start - 1) + 1;
  const ownLine = /^[ \t]*$/.test(text.slice(lineStart, el.start)) && text[el.end] === "\n";
  return {
    text: ownLine ? splice(text, lineStart, el.end + 1, "") : splice(text, el.start, el.end, ""),
  };
};

// ---- the table -------------------------------------------------------------------------------

/** Every perturbation, by the deviation kind it produces: the one place that lists them. */
const MUTATIONS: Record<DeviationKind, Mutator> = {
  fenced,
  "prose-around": proseAround,
  "markup-in-text": markupInText,
  "enum-case": enumCase,
  "number-format": numberFormat,
  "unknown-element": unknownElement,
  "multiple-messages": multipleMessages,
  truncated,
  unrecoverable,
};

/**
 * Perturbs a reply so that the protocol reader finds exactly `kind` in it; undefined when the
 * kind does not apply to this reply (no value to recase, no text to write raw, ...). `random`
 * gives numbers in [0, 1): the same sequence gives the same perturbation.
 */
export function mutate(text: string, kind: DeviationKind, random: () => number): Mutation | undefined {
  return MUTATIONS[kind](text, random);
}
