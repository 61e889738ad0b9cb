import { type PlotOptions, plot } from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { type Html, html, raw } from "./markup.js";

/** What this module reads of a rendered plot: linkedom serialises it like a browser would. */
interface Rendered {
  outerHTML: string;
}

/**
 * Renders Observable Plot charts to inline SVG on a server-side DOM, so the report shows them
 * without JavaScript and loads nothing. Plot numbers its clip paths and markers from counters that
 * live as long as the process; a report numbers them itself so that the same data gives the same
 * bytes however many reports the process rendered before.
 */
export class Charts {
  private readonly document: PlotOptions["document"];
  private count = 0;

  constructor() {
    this.document = parseHTML("<!doctype html><html><head></head><body></body></html>").document;
  }

  /** One chart in a `<figure>`: `label` says in words what it shows (for screen readers and tests). */
  render(options: PlotOptions, label: string): Html {
    const n = ++this.count;
    const el = plot({
      className: "plot",
      style: { background: "transparent", fontSize: "11px" },
      ...options,
      ariaLabel: label,
      document: this.document,
    }) as unknown as Rendered;
    const ids = new Map<string, string>();
    const svg = el.outerHTML.replace(/plot-(clip|marker|pattern)-\d+/g, (id, kind: string) => {
      if (!ids.has(id)) ids.set(id, `c${n}-${kind}-${ids.size + 1}`);
      return ids.get(id)!;
    });
    return html`<figure class="chart" data-chart="${String(n)}">${raw(svg)}</figure>`;
  }
}
