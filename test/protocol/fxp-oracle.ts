// The reference the protocol's own XML reader is held to: fast-xml-parser's validator and parser,
// configured as the orchestra used them before src/protocol/xml-reader.ts replaced them (three
// passes over every reply where the reader takes one).
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { XmlElement } from "../../src/protocol/xml.js";

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and numeric references in one pass (never twice, so
 * `&amp;#65;` stays `&#65;`). No other entity exists: DOCTYPE is refused before parsing.
 */
const entityDecoder = {
  setExternalEntities() {},
  addInputEntities() {},
  reset() {},
  setXmlVersion() {},
  decode: (text: string) =>
    text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
      if (e[0] !== "#") return NAMED[e] ?? _m;
      const code = e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : _m;
    }),
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  alwaysCreateTextNode: true,
  isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  processEntities: true,
  entityDecoder,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: false,
  commentPropName: false,
});

export interface WellFormedness {
  ok: boolean;
  message?: string;
  line?: number;
  column?: number;
}

export function checkWellFormed(xml: string): WellFormedness {
  const result = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (result === true) return { ok: true };
  return { ok: false, message: result.err.msg, line: result.err.line, column: result.err.col };
}

/** Parses well-formed XML (check it first) into the root element. */
export function parseXml(xml: string): XmlElement | undefined {
  const raw = parser.parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(raw).find((k) => !k.startsWith("#") && !k.startsWith("@"));
  if (!rootName) return undefined;
  const list = raw[rootName] as unknown[];
  return toElement(rootName, list[0]);
}

function toElement(name: string, raw: unknown): XmlElement {
  const element: XmlElement = { name, attrs: {}, children: new Map(), text: "" };
  if (raw === null || typeof raw !== "object") {
    element.text = String(raw ?? "").trim();
    return element;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === "#text") element.text = String(value).trim();
    else if (key.startsWith("@")) element.attrs[key.slice(1)] = String(value);
    else
      element.children.set(
        key,
        (value as unknown[]).map((v) => toElement(key, v)),
      );
  }
  return element;
}
