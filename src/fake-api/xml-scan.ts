/**
 * Where the parts of a protocol message sit in a reply's text: the mutations of messy.ts rewrite
 * the text in place (one value, one element's content), so they need offsets, which the
 * protocol's reader, building a tree, does not keep.
 */

export interface ScannedAttr {
  name: string;
  /** The value as written, between its quotes (references not decoded). */
  value: string;
  /** Offsets of the value, quotes excluded. */
  start: number;
  end: number;
}

export interface ScannedElement {
  name: string;
  /** Index of the parent in the scan; -1 for the message element. */
  parent: number;
  depth: number;
  /** Offset of the `<` of the start tag. */
  start: number;
  /** Offset just after the start tag's `>`. */
  openEnd: number;
  /** Offset of the `</` of the end tag (openEnd when the element is empty, `<x/>`). */
  closeStart: number;
  /** Offset just after the end tag's `>`. */
  end: number;
  attrs: ScannedAttr[];
  /** Child elements. */
  childCount: number;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const ATTR = /\s+([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /\s*(\/?)>/y;
const CLOSE_END = /\s*>/y;

/** The text with CDATA sections and comments blanked out (same length): what is markup. */
export function maskLiterals(text: string): string {
  return text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (m) => " ".repeat(m.length));
}

/** Offset of the first `<message` start tag outside CDATA and comments; -1 if none. */
export function messageStart(text: string): number {
  return maskLiterals(text).search(/<message[\s>/]/);
}

/** Offset just after the last `</message>` outside CDATA and comments; -1 if none. */
export function messageEnd(text: string): number {
  const closes = [...maskLiterals(text).matchAll(/<\/message\s*>/g)];
  const last = closes.at(-1);
  return last ? last.index + last[0].length : -1;
}

function sticky(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

/**
 * The elements of the first `<message>` of a text, in document order (the message first), or
 * undefined when it is not properly nested: a reply that is already broken has no parts to move.
 */
export function scanMessage(text: string): ScannedElement[] | undefined {
  const from = messageStart(text);
  if (from < 0) return undefined;
  const elements: ScannedElement[] = [];
  const stack: number[] = [];
  let i = from;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) return undefined;
    i = lt;
    const skip = [
      ["<![CDATA[", "]]>"],
      ["<!--", "-->"],
      ["<?", "?>"],
    ].find(([open]) => text.startsWith(open!, i));
    if (skip) {
      const end = text.indexOf(skip[1]!, i + skip[0]!.length);
      if (end < 0) return undefined;
      i = end + skip[1]!.length;
      continue;
    }
    if (text.startsWith("<!", i)) return undefined;
    if (text.startsWith("</", i)) {
      const name = sticky(NAME, text, i + 2)?.[0];
      const top = stack.at(-1);
      if (name === undefined || top === undefined || elements[top]!.name !== name) return undefined;
      const end = sticky(CLOSE_END, text, i + 2 + name.length);
      if (!end) return undefined;
      elements[top]!.closeStart = i;
      elements[top]!.end = i + 2 + name.length + end[0].length;
      i = elements[top]!.end;
      stack.pop();
      if (stack.length === 0) return elements;
      continue;
    }
    const name = sticky(NAME, text, i + 1)?.[0];
    if (name === undefined) return undefined;
    let at = i + 1 + name.length;
    const attrs: ScannedAttr[] = [];
    for (let m = sticky(ATTR, text, at); m; m = sticky(ATTR, text, at)) {
      const value = m[2] ?? m[3] ?? "";
      const valueEnd = at + m[0].length - 1;
      attrs.push({ name: m[1]!, value, start: valueEnd - value.length, end: valueEnd });
      at += m[0].length;
    }
    const close = sticky(TAG_END, text, at);
    if (!close) return undefined;
    const openEnd = at + close[0].length;
    const parent = stack.at(-1) ?? -1;
    if (parent >= 0) elements[parent]!.childCount += 1;
    const element: ScannedElement = {
      name,
      parent,
      depth: stack.length,
      start: i,
      openEnd,
      closeStart: openEnd,
      end: openEnd,
      attrs,
      childCount: 0,
    };
    elements.push(element);
    i = openEnd;
    if (close[1] === "/") {
      if (stack.length === 0) return elements;
      continue;
    }
    stack.push(elements.length - 1);
  }
  return undefined;
}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * The text an element's content stands for (CDATA unwrapped, references decoded), and whether it
 * was written with CDATA or references; undefined when the content holds markup (elements,
 * comments) or an unknown reference.
 */
export function decodeContent(raw: string): { text: string; escaped: boolean } | undefined {
  let text = "";
  let escaped = false;
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith("<![CDATA[", i)) {
      const end = raw.indexOf("]]>", i + 9);
      if (end < 0) return undefined;
      text += raw.slice(i + 9, end);
      escaped = true;
      i = end + 3;
      continue;
    }
    const c = raw[i]!;
    if (c === "<") return undefined;
    if (c === "&") {
      const ref = /^&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/.exec(raw.slice(i, i + 12));
      if (!ref) return undefined;
      const name = ref[1]!;
      const code = name.startsWith("#x")
        ? Number.parseInt(name.slice(2), 16)
        : name.startsWith("#")
          ? Number.parseInt(name.slice(1), 10)
          : undefined;
      if (code !== undefined && code > 0x10ffff) return undefined;
      text += code === undefined ? NAMED[name]! : String.fromCodePoint(code);
      escaped = true;
      i += ref[0].length;
      continue;
    }
    text += c;
    i++;
  }
  return { text, escaped };
}

/** The attribute `name` of an element, if written. */
export function attrOf(element: ScannedElement, name: string): ScannedAttr | undefined {
  return element.attrs.find((a) => a.name === name);
}

/** Replaces `text[start, end)` with `insert`. */
export function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}
