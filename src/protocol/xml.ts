/** A parsed element: attributes, child elements by name (always lists), and its trimmed text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: Map<string, XmlElement[]>;
  text: string;
  /** A comment or processing instruction sat in its content: valid XML whose text a reader drops. */
  markup?: boolean;
}

export { decodeEntities, readXml, type XmlRead } from "./xml-reader.js";
