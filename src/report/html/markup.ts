/**
 * HTML built by one tagged template that escapes every interpolated string: case titles, reasons
 * and reply summaries are user and model text, so markup can only come from this module's `html`
 * and `raw`, never from data.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What a template may interpolate: text (escaped), numbers, markup, nothing, or lists of those. */
export type Part = Html | string | number | null | undefined | false | readonly Part[];

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for element content and for quoted attribute values alike. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function flatten(part: Part, out: string[]): void {
  if (part === null || part === undefined || part === false) return;
  if (part instanceof Html) out.push(part.value);
  else if (typeof part === "string") out.push(esc(part));
  else if (typeof part === "number") out.push(String(part));
  else for (const p of part) flatten(p, out);
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  const out: string[] = [strings[0]!];
  parts.forEach((part, i) => {
    flatten(part, out);
    out.push(strings[i + 1]!);
  });
  return new Html(out.join(""));
}

/** Markup this program wrote itself (the style sheet, the script, a chart's SVG): never data. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** `**bold**` and `` `code` `` of the Markdown banners, on text escaped first. */
export function inlineMarkdown(text: string): Html {
  return raw(
    esc(text)
      .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/`([^`]+)`/g, "<code>$1</code>"),
  );
}
