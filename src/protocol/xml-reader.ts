import { describeCode, isXmlChar } from "./chars.js";
import type { XmlElement } from "./xml.js";

/** The outcome of reading a document: its root element, or the first well-formedness error. */
export type XmlRead =
  | { ok: true; root: XmlElement }
  | { ok: false; message: string; line: number; column: number };

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const REFERENCE = /&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

/**
 * Decodes the five predefined entities and numeric references in one pass (never twice, so
 * `&amp;#65;` stays `&#65;`). No other entity exists: DOCTYPE is refused before reading.
 */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(REFERENCE, (whole, e: string) => {
    if (e[0] !== "#") return NAMED[e] ?? whole;
    const code = e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.-]/;

class XmlError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

interface Open {
  element: XmlElement;
  at: number;
  text: string[];
}

/**
 * A single-pass reader for the protocol's XML: elements, attributes, text, CDATA, comments,
 * processing instructions and an XML declaration; no DOCTYPE (refused earlier). It checks
 * well-formedness and builds the element tree in the same pass, where the validator and parser it
 * replaces took three (the protocol tests hold it to fast-xml-parser's answers on generated and
 * mutated documents). Element text is the trimmed concatenation of its text and CDATA.
 */
export function readXml(xml: string): XmlRead {
  try {
    return { ok: true, root: read(xml) };
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    const { line, column } = positionOf(xml, err.at);
    return { ok: false, message: err.message, line, column };
  }
}

function read(xml: string): XmlElement {
  const n = xml.length;
  let i = 0;
  let root: XmlElement | undefined;
  const stack: Open[] = [];

  const skipMisc = (allowText: boolean) => {
    // Outside the root: whitespace, comments and processing instructions only.
    for (;;) {
      while (i < n && isSpace(xml.charCodeAt(i))) i++;
      if (xml.startsWith("<!--", i)) i = endOf("-->", i + 4, "comment");
      else if (xml.startsWith("<?", i)) i = endOf("?>", i + 2, "processing instruction");
      else if (i < n && xml[i] !== "<" && !allowText)
        throw new XmlError(root ? "text after the root element" : "text before the root element", i);
      else return;
    }
  };
  const endOf = (close: string, from: number, what: string) => {
    const end = xml.indexOf(close, from);
    if (end === -1) throw new XmlError(`unclosed ${what}`, from);
    return end + close.length;
  };
  const readName = (what: string) => {
    const start = i;
    if (i >= n || !NAME_START.test(xml[i]!)) throw new XmlError(`invalid ${what} name`, i);
    i++;
    while (i < n && NAME_CHAR.test(xml[i]!)) i++;
    return xml.slice(start, i);
  };

  skipMisc(false);
  if (i >= n) throw new XmlError("no root element", i);
  for (;;) {
    const top = stack.at(-1);
    if (!top) {
      if (root) {
        skipMisc(false);
        if (i < n) throw new XmlError("more than one root element", i);
        return root;
      }
    } else {
      // Text up to the next markup.
      const lt = xml.indexOf("<", i);
      if (lt === -1) throw new XmlError(`unclosed element <${top.element.name}>`, top.at);
      if (lt > i) {
        const text = xml.slice(i, lt);
        if (text.includes("]]>")) throw new XmlError("']]>' in text", i + text.indexOf("]]>"));
        checkAmpersands(text, i);
        top.text.push(decodeEntities(text));
      }
      i = lt;
      if (xml.startsWith("<![CDATA[", i)) {
        const end = endOf("]]>", i + 9, "CDATA section");
        top.text.push(xml.slice(i + 9, end - 3));
        i = end;
        continue;
      }
      if (xml.startsWith("<!--", i)) {
        i = endOf("-->", i + 4, "comment");
        top.element.markup = true;
        continue;
      }
      if (xml.startsWith("<?", i)) {
        i = endOf("?>", i + 2, "processing instruction");
        top.element.markup = true;
        continue;
      }
      if (xml.startsWith("</", i)) {
        const at = i;
        i += 2;
        const name = readName("closing tag");
        while (i < n && isSpace(xml.charCodeAt(i))) i++;
        if (xml[i] !== ">") throw new XmlError(`closing tag </${name}> is not closed with '>'`, at);
        i++;
        if (name !== top.element.name)
          throw new XmlError(
            `closing tag </${name}> does not match <${top.element.name}> (opened at ${describe(xml, top.at)})`,
            at,
          );
        top.element.text = top.text.join("").trim();
        stack.pop();
        continue;
      }
      if (xml[i + 1] === "!") throw new XmlError("declarations are not allowed inside elements", i);
    }
    // An opening tag.
    const at = i;
    i++;
    const element: XmlElement = { name: readName("element"), attrs: {}, children: new Map(), text: "" };
    for (;;) {
      const before = i;
      while (i < n && isSpace(xml.charCodeAt(i))) i++;
      if (i >= n) throw new XmlError(`tag <${element.name}> is not closed`, at);
      const c = xml[i];
      if (c === ">" || (c === "/" && xml[i + 1] === ">")) break;
      if (i === before) throw new XmlError(`attributes of <${element.name}> must be separated by spaces`, i);
      const nameAt = i;
      const name = readName("attribute");
      while (i < n && isSpace(xml.charCodeAt(i))) i++;
      if (xml[i] !== "=") throw new XmlError(`attribute ${name} of <${element.name}> has no value`, nameAt);
      i++;
      while (i < n && isSpace(xml.charCodeAt(i))) i++;
      const quote = xml[i];
      if (quote !== '"' && quote !== "'")
        throw new XmlError(`the value of attribute ${name} is not quoted`, i);
      const end = xml.indexOf(quote, i + 1);
      if (end === -1) throw new XmlError(`the value of attribute ${name} is not closed`, i);
      const raw = xml.slice(i + 1, end);
      if (raw.includes("<"))
        throw new XmlError(`'<' in the value of attribute ${name}`, i + 1 + raw.indexOf("<"));
      if (Object.hasOwn(element.attrs, name))
        throw new XmlError(`attribute ${name} is repeated on <${element.name}>`, nameAt);
      checkAmpersands(raw, i + 1);
      element.attrs[name] = decodeEntities(raw);
      i = end + 1;
    }
    const parent = stack.at(-1);
    if (parent) {
      const siblings = parent.element.children.get(element.name);
      if (siblings) siblings.push(element);
      else parent.element.children.set(element.name, [element]);
    } else root = element;
    if (xml[i] === "/") {
      i += 2; // an empty element: "/>"
      continue;
    }
    i++;
    stack.push({ element, at, text: [] });
  }
}

/** Every '&' starts a reference (`&name;`, `&#n;`, `&#xh;`); which names exist is checked elsewhere. */
const AMPERSAND = /&(?![A-Za-z_:][A-Za-z0-9_:.-]*;|#[0-9]+;|#x[0-9a-fA-F]+;)/;
function checkAmpersands(text: string, offset: number): void {
  if (!text.includes("&")) return;
  const bad = AMPERSAND.exec(text);
  if (bad) throw new XmlError("'&' that does not start a reference (write &amp;)", offset + bad.index);
  // A character reference must name a character XML allows: &#0; is as invalid as a NUL byte.
  for (const m of text.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const digits = m[1]!;
    const code = digits[0] === "x" ? Number.parseInt(digits.slice(1), 16) : Number.parseInt(digits, 10);
    if (!isXmlChar(code))
      throw new XmlError(
        `reference to ${describeCode(code)}, a character XML does not allow`,
        offset + m.index,
      );
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describe(text: string, offset: number): string {
  const { line, column } = positionOf(text, offset);
  return `line ${line}, column ${column}`;
}
