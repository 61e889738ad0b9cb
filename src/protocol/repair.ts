/**
 * The `markup-in-text` repair: models write `The <input> has no <label>`, `b.n < len(b.items)` or
 * `build && test` raw inside a text field. Inside an element that holds only text, such markup can
 * only be text, so it is escaped; everything else is left as written. The repair is a text-to-text
 * pass over one message's span; the XML reader then reads the result, and if it still cannot,
 * the reply is unrecoverable (the repair never invents structure).
 */

/** Elements that hold other elements and no text. */
const CONTAINERS = new Set([
  "message",
  "context",
  "constraints",
  "acceptance-criteria",
  "deliverables",
  "findings",
  "plan",
  "task",
]);

/** Elements of the protocol whose content is text only. */
export const TEXT_ELEMENTS = new Set([
  "objective",
  "file",
  "fact",
  "constraint",
  "criterion",
  "priority",
  "state",
  "progress",
  "note",
  "status",
  "confidence",
  "summary",
  "deliverable",
  "finding",
  "reason",
  "target",
  "attempted",
  "code",
  "retryable",
  "detail",
]);

/** Items of lists: their paths carry an index. */
const LIST_ITEMS = new Set(["file", "fact", "constraint", "criterion", "deliverable", "finding", "task"]);

const REFERENCE = /^&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;

export interface MarkupRepair {
  text: string;
  /** The fields whose content or attribute value was escaped. */
  repaired: { path: string; found: string }[];
}

/** Escapes what cannot be markup in text: `<`, a `&` that starts no predefined reference, `]]>`. */
export function escapeRawText(content: string): string {
  let out = "";
  let i = 0;
  while (i < content.length) {
    if (content.startsWith("<![CDATA[", i)) {
      const end = content.indexOf("]]>", i + 9);
      const stop = end === -1 ? content.length : end + 3;
      out += content.slice(i, stop);
      i = stop;
      continue;
    }
    const c = content[i]!;
    if (c === "<") out += "&lt;";
    else if (c === "&") out += REFERENCE.test(content.slice(i, i + 12)) ? "&" : "&amp;";
    else if (c === "]" && content.startsWith("]]>", i)) {
      out += "]]&gt;";
      i += 3;
      continue;
    } else out += c;
    i++;
  }
  return out;
}

function escapeAttribute(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "<") out += "&lt;";
    else if (c === "&") out += REFERENCE.test(value.slice(i, i + 12)) ? "&" : "&amp;";
    else out += c;
  }
  return out;
}

/** The offset of `</name>` closing content that starts at `from`, CDATA skipped; -1 if none. */
function closingTag(text: string, name: string, from: number): { start: number; end: number } | undefined {
  const close = new RegExp(`</${name.replace(/[.]/g, "\\.")}\\s*>`, "g");
  let i = from;
  for (;;) {
    close.lastIndex = i;
    const m = close.exec(text);
    if (!m) return undefined;
    const cdata = text.lastIndexOf("<![CDATA[", m.index);
    if (cdata >= i) {
      const cdataEnd = text.indexOf("]]>", cdata + 9);
      if (cdataEnd === -1) return undefined;
      if (cdataEnd + 3 > m.index) {
        i = cdataEnd + 3;
        continue;
      }
    }
    return { start: m.index, end: m.index + m[0].length };
  }
}

interface Frame {
  name: string;
  path: string;
  counts: Map<string, number>;
}

interface OpenTag {
  name: string;
  text: string;
  end: number;
  selfClosing: boolean;
  repairedAttrs: string[];
}

/** Reads `<name attr="v" ...>` at `at`, escaping raw markup in attribute values; undefined if it is no tag. */
function openTag(text: string, at: number): OpenTag | undefined {
  const name = NAME.exec(text.slice(at + 1, at + 200))?.[0];
  if (!name) return undefined;
  let i = at + 1 + name.length;
  let out = `<${name}`;
  const repairedAttrs: string[] = [];
  for (;;) {
    const spaces = /^\s*/.exec(text.slice(i, i + 200))?.[0] ?? "";
    i += spaces.length;
    if (text.startsWith("/>", i))
      return { name, text: `${out}${spaces}/>`, end: i + 2, selfClosing: true, repairedAttrs };
    if (text[i] === ">")
      return { name, text: `${out}${spaces}>`, end: i + 1, selfClosing: false, repairedAttrs };
    const attr = NAME.exec(text.slice(i, i + 200))?.[0];
    if (!attr || spaces === "") return undefined;
    i += attr.length;
    const eq = /^\s*=\s*/.exec(text.slice(i, i + 200))?.[0];
    if (!eq) return undefined;
    i += eq.length;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return undefined;
    const close = text.indexOf(quote, i + 1);
    if (close === -1) return undefined;
    const value = text.slice(i + 1, close);
    const fixed = escapeAttribute(value);
    if (fixed !== value) repairedAttrs.push(attr);
    out += `${spaces}${attr}${eq}${quote}${fixed}${quote}`;
    i = close + 1;
  }
}

/** Whether `content` reads as well-formed element content on its own. */
function wellFormedContent(content: string, read: (xml: string) => boolean): boolean {
  return read(`<x>${content}</x>`);
}

/**
 * Escapes raw markup inside the text elements of one message's span, and raw `<` or `&` inside
 * attribute values. `wellFormed` tells whether a document reads (the XML reader), to leave the
 * content of unknown elements alone when it is already markup.
 */
export function repairMarkup(span: string, wellFormed: (xml: string) => boolean): MarkupRepair {
  const repaired: MarkupRepair["repaired"] = [];
  const stack: Frame[] = [];
  let out = "";
  let i = 0;
  const n = span.length;
  const pathOf = (name: string): string => {
    const parent = stack.at(-1);
    if (!parent) return name;
    const index = parent.counts.get(name) ?? 0;
    parent.counts.set(name, index + 1);
    return `${parent.path}.${name}${LIST_ITEMS.has(name) ? `[${index}]` : ""}`;
  };
  const copyUntil = (close: string, from: number) => {
    const end = span.indexOf(close, from);
    const stop = end === -1 ? n : end + close.length;
    out += span.slice(i, stop);
    i = stop;
  };
  while (i < n) {
    const lt = span.indexOf("<", i);
    if (lt === -1) {
      out += span.slice(i);
      break;
    }
    out += span.slice(i, lt);
    i = lt;
    if (span.startsWith("<![CDATA[", i)) copyUntil("]]>", i + 9);
    else if (span.startsWith("<!--", i)) copyUntil("-->", i + 4);
    else if (span.startsWith("<?", i)) copyUntil("?>", i + 2);
    else if (span.startsWith("</", i)) {
      const name = NAME.exec(span.slice(i + 2, i + 200))?.[0];
      const end = span.indexOf(">", i);
      const stop = end === -1 ? n : end + 1;
      out += span.slice(i, stop);
      i = stop;
      if (name !== undefined && stack.at(-1)?.name === name) stack.pop();
    } else {
      const tag = openTag(span, i);
      if (!tag) {
        out += "<";
        i++;
        continue;
      }
      const path = pathOf(tag.name);
      for (const attr of tag.repairedAttrs) repaired.push({ path: `${path}.@${attr}`, found: attr });
      out += tag.text;
      i = tag.end;
      if (tag.selfClosing) continue;
      const textual = TEXT_ELEMENTS.has(tag.name);
      if (!textual && (CONTAINERS.has(tag.name) || stack.length === 0)) {
        stack.push({ name: tag.name, path, counts: new Map() });
        continue;
      }
      // A text element, or an element the protocol does not know (set aside later, its text kept).
      const close = closingTag(span, tag.name, i);
      if (!close) continue; // left as written: the reader will say what is wrong
      const content = span.slice(i, close.start);
      const fixed = textual || !wellFormedContent(content, wellFormed) ? escapeRawText(content) : content;
      if (fixed !== content) repaired.push({ path, found: preview(content) });
      out += fixed + span.slice(close.start, close.end);
      i = close.end;
    }
  }
  return { text: out, repaired };
}

function preview(text: string): string {
  const t = text.trim().replace(/\s+/g, " ");
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);
}
