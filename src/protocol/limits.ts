export interface ParseLimits {
  /** Default 256 KiB. */
  maxBytes: number;
  /** Default 32 levels of elements. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxBytes: 256 * 1024, maxDepth: 32 };

/**
 * The deepest element nesting, by a linear scan that skips comments, CDATA and declarations, so a
 * 10,000-deep document is refused before any parser recurses into it. Stops early past `limit`.
 */
export function nestingDepth(xml: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    if (lt === -1) break;
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt + 4);
      i = end === -1 ? xml.length : end + 3;
      continue;
    }
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt + 9);
      i = end === -1 ? xml.length : end + 3;
      continue;
    }
    const gt = xml.indexOf(">", lt + 1);
    if (gt === -1) break;
    const next = xml[lt + 1];
    if (next === "/") depth = Math.max(0, depth - 1);
    else if (next !== "?" && next !== "!" && xml[gt - 1] !== "/") {
      depth += 1;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    }
    i = gt + 1;
  }
  return max;
}

/** Entity references other than the five predefined ones and numeric references, outside CDATA. */
export function undefinedEntities(xml: string): string[] {
  const withoutCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  const found = new Set<string>();
  for (const match of withoutCdata.matchAll(/&([A-Za-z_][\w.-]*);/g)) {
    if (!["lt", "gt", "amp", "quot", "apos"].includes(match[1]!)) found.add(`&${match[1]};`);
  }
  return [...found];
}
