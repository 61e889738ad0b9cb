import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth and no whitespace: equal values, equal bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface Difference {
  path: string;
  recorded: string;
  current: string;
}

/** The first `limit` differences between two JSON values, with short previews of each side. */
export function jsonDiff(recorded: unknown, current: unknown, limit = 8): Difference[] {
  const out: Difference[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= limit) return;
    if (canonicalJson(a) === canonicalJson(b)) return;
    const bothObjects =
      a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
    if (bothObjects) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const key of [...keys].sort()) {
        const child = Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], child);
      }
      return;
    }
    if (typeof a === "string" && typeof b === "string") {
      // Show both strings around their first difference: long prompts share a long prefix.
      let at = 0;
      while (at < a.length && at < b.length && a[at] === b[at]) at++;
      out.push({ path: path || "(root)", recorded: around(a, at), current: around(b, at) });
      return;
    }
    out.push({ path: path || "(root)", recorded: preview(a), current: preview(b) });
  };
  walk(recorded, current, "");
  return out;
}

function around(text: string, at: number): string {
  const start = Math.max(0, at - 30);
  const slice = text.slice(start, at + 50);
  return `${start > 0 ? "..." : ""}${JSON.stringify(slice)}${at + 50 < text.length ? "..." : ""} (char ${at})`;
}

function preview(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? JSON.stringify(value) : canonicalJson(value);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}
