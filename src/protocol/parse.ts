import type { z } from "zod";
import { describeCode, firstNonXmlChar } from "./chars.js";
import { decodeMessage, type Violation } from "./decode.js";
import { DEFAULT_LIMITS, nestingDepth, type ParseLimits, undefinedEntities } from "./limits.js";
import { overheadRatio } from "./overhead.js";
import { type Message, MessageSchema } from "./schemas.js";
import { readXml } from "./xml.js";

export type ParseResult =
  | {
      ok: true;
      message: Message;
      /** Exactly one valid message and nothing but whitespace around it. */
      compliant: boolean;
      /** The message was found inside other text: usable, but not compliant. */
      recovered: boolean;
      overheadRatio: number;
      violations: Violation[];
    }
  | { ok: false; compliant: false; recovered: false; type?: string; violations: Violation[] };

const OPEN = /<message[\s>/]/g;
const _CLOSE = "</message>";

function fail(violations: Violation[], type?: string): ParseResult {
  return { ok: false, compliant: false, recovered: false, violations, ...(type ? { type } : {}) };
}

/**
 * Parses one agent reply into a typed message or a list of violations, never throwing. Hostile
 * input is refused before the XML parser sees it: DOCTYPE and entity declarations (no expansion
 * ever), size, and nesting depth.
 */
export function parseMessage(text: string, options: Partial<ParseLimits> = {}): ParseResult {
  const limits = { ...DEFAULT_LIMITS, ...options };
  try {
    return parseUnsafe(text, limits);
  } catch (err) {
    return fail([
      {
        path: "(document)",
        expected: "a protocol message",
        found: "input the parser rejected",
        message: `cannot parse: ${(err as Error).message}`,
      },
    ]);
  }
}

function parseUnsafe(text: string, limits: ParseLimits): ParseResult {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) {
    return fail([
      {
        path: "(document)",
        expected: `at most ${limits.maxBytes} bytes`,
        found: `${bytes} bytes`,
        message: "message too large",
      },
    ]);
  }
  const invalid = firstNonXmlChar(text);
  if (invalid) {
    const { line, column } = lineColumn(text, invalid.index);
    return fail([
      {
        path: `(document) (line ${line}, column ${column})`,
        expected: "characters XML 1.0 allows (no NUL, no C0 controls but tab and newlines, valid UTF-8)",
        found: describeCode(invalid.code),
        message: `${describeCode(invalid.code)} cannot appear in an XML message`,
      },
    ]);
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    return fail([
      {
        path: "(document)",
        expected: "no DOCTYPE or entity declarations",
        found: "<!DOCTYPE or <!ENTITY",
        message: "DOCTYPE and entity declarations are not allowed (no entity is ever expanded)",
      },
    ]);
  }
  const outsideCdata = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => " ".repeat(m.length));
  const opens = [...outsideCdata.matchAll(OPEN)].map((m) => m.index);
  if (opens.length === 0) {
    return fail([
      {
        path: "(document)",
        expected: "one <message> element",
        found: preview(text),
        message: "no <message> element",
      },
    ]);
  }
  const closes = [...outsideCdata.matchAll(/<\/message\s*>/g)].map((m) => m.index);
  const first = opens[0]!;
  const last = closes.at(-1);
  if (last === undefined || last < first) {
    return fail([
      {
        path: "message",
        expected: "a closing </message>",
        found: "none",
        message: "the message is not closed",
      },
    ]);
  }
  // Two messages one after another: the first closes before the second opens.
  if (opens.length > 1 && closes.length > 1 && closes[0]! < opens[1]!) {
    return fail([
      {
        path: "(document)",
        expected: "exactly one <message>",
        found: `${opens.length} messages`,
        message: `${opens.length} messages: an agent answers with exactly one`,
      },
    ]);
  }
  const start = first;
  const end = last + outsideCdata.slice(last).indexOf(">") + 1;
  const before = text.slice(0, start);
  const after = text.slice(end);
  const strict = /^\s*(<\?xml[^?]*\?>\s*)?$/.test(before) && after.trim() === "";
  const candidate = text.slice(start, end);
  const violations: Violation[] = [];
  if (!strict) {
    violations.push({
      path: "(document)",
      expected: "nothing but whitespace around the message",
      found: preview((before.trim() || after.trim()) ?? ""),
      message: /```/.test(before)
        ? "the message is wrapped in a Markdown fence"
        : "the message is surrounded by other text",
    });
  }
  const depth = nestingDepth(candidate, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return fail([
      ...violations,
      {
        path: "message",
        expected: `at most ${limits.maxDepth} levels of nesting`,
        found: `more than ${limits.maxDepth}`,
        message: "nesting too deep",
      },
    ]);
  }
  for (const entity of undefinedEntities(candidate)) {
    violations.push({
      path: "(document)",
      expected: "&lt; &gt; &amp; &quot; &apos; or numeric references",
      found: entity,
      message: `undefined entity ${entity}`,
    });
  }
  const read = readXml(candidate);
  if (!read.ok) {
    return fail([
      ...violations,
      {
        path: `message (line ${read.line}, column ${read.column})`,
        expected: "well-formed XML",
        found: read.message,
        message: `malformed XML: ${read.message}`,
      },
    ]);
  }
  const root = read.root;
  if (root?.name !== "message") {
    return fail([
      ...violations,
      {
        path: "(document)",
        expected: "<message> as the root element",
        found: root ? `<${root.name}>` : "nothing",
        message: "the root element is not <message>",
      },
    ]);
  }
  const structural: Violation[] = [];
  const raw = decodeMessage(root, structural);
  const type = root.attrs.type;
  if (!raw) return fail([...violations, ...structural], type);
  const parsed = MessageSchema.safeParse(raw);
  const all = [...violations, ...structural, ...(parsed.success ? [] : schemaViolations(raw, parsed.error))];
  // Text around the message is the only violation that still yields a (recovered) message.
  if (!parsed.success || all.some((v) => !isSurrounding(v))) return fail(all, type);
  return {
    ok: true,
    message: parsed.data as Message,
    compliant: strict,
    recovered: !strict,
    overheadRatio: overheadRatio(text.trim()),
    violations,
  };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** The schema's refusals of a decoded message, as violations with XML paths. */
export function schemaViolations(raw: unknown, error: z.ZodError): Violation[] {
  return error.issues.map((issue) => ({
    path: xmlPath(issue.path),
    expected: expectedOf(issue),
    found: foundAt(raw, issue.path),
    message: issue.message,
  }));
}

function isSurrounding(v: Violation): boolean {
  return v.path === "(document)" && v.message.startsWith("the message");
}

function preview(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);
}

const LISTS: Record<string, string> = {
  constraints: "constraints.constraint",
  acceptanceCriteria: "acceptance-criteria.criterion",
  deliverables: "deliverables.deliverable",
  findings: "findings.finding",
  plan: "plan.task",
  files: "file",
  facts: "fact",
};
const ENVELOPE = new Set(["type", "id", "from", "to", "inReplyTo"]);
const ITEM_ATTRS = new Set([
  "kind",
  "path",
  "severity",
  "cwe",
  "file",
  "line",
  "trust",
  "id",
  "to",
  "priority",
  "dependsOn",
]);

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A schema path (`["findings", 1, "severity"]`) as an XML path (`message.findings.finding[1].@severity`). */
function xmlPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "message";
  // Inside a list item (finding, deliverable, file, plan task), some keys are attributes.
  let inItem = false;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (typeof key === "number") {
      out += `[${key}]`;
      inItem = true;
      continue;
    }
    const k = String(key);
    if (i === 0 && ENVELOPE.has(k)) out += `.@${kebab(k)}`;
    else if (LISTS[k] && typeof path[i + 1] === "number") {
      out += `.${LISTS[k]}`;
      inItem = false;
    } else if (inItem && (k === "content" || k === "text")) continue;
    else if (inItem && ITEM_ATTRS.has(k)) out += `.@${kebab(k)}`;
    else out += `.${kebab(k)}`;
  }
  return out;
}

function expectedOf(issue: {
  code: string;
  message: string;
  values?: readonly unknown[];
  expected?: string;
}): string {
  if (issue.code === "invalid_value" && issue.values)
    return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "invalid_type") return issue.expected === "string" ? "a value" : String(issue.expected);
  return issue.message;
}

function foundAt(raw: unknown, path: ReadonlyArray<PropertyKey>): string {
  let value: unknown = raw;
  for (const key of path)
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (value === undefined) return "(missing)";
  return JSON.stringify(value).slice(0, 60);
}
