/**
 * Protocol overhead: the share of a message's bytes spent on markup rather than content. Markup is
 * every tag with its attributes, CDATA delimiters, the XML declaration, comments, and whitespace-only
 * text between tags (indentation). Content is the text of elements. The owners' target is < 5%:
 * this is how the structure of the protocol, not what the agents say, is priced.
 */
export function overheadRatio(xml: string): number {
  const total = Buffer.byteLength(xml);
  if (total === 0) return 0;
  let content = 0;
  let i = 0;
  while (i < xml.length) {
    if (xml.startsWith("<![CDATA[", i)) {
      const end = xml.indexOf("]]>", i + 9);
      const stop = end === -1 ? xml.length : end;
      content += Buffer.byteLength(xml.slice(i + 9, stop));
      i = end === -1 ? xml.length : end + 3;
      continue;
    }
    if (xml[i] === "<") {
      const end = xml.startsWith("<!--", i) ? xml.indexOf("-->", i) + 2 : xml.indexOf(">", i);
      i = end < i ? xml.length : end + 1;
      continue;
    }
    const next = xml.indexOf("<", i);
    const stop = next === -1 ? xml.length : next;
    const text = xml.slice(i, stop);
    if (text.trim() !== "") content += Buffer.byteLength(text);
    i = stop;
  }
  return (total - content) / total;
}
