import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Readiness } from "../../src/report/index.js";
import { orchestra } from "../helpers/cli.js";

// Debian's Chromium: Playwright's own browser download cannot be had here, nor in CI (.ci/run
// installs this one). A missing browser fails the test: a skipped browser test checks nothing.
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser: Browser;
let dir: string;
let url: string;
let readiness: Readiness;
let trials: number;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the report.html browser test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)`,
    );
  dir = mkdtempSync(join(tmpdir(), "html-browser-"));
  const { code, stderr } = orchestra(["certify", "--out", dir]);
  expect(code, stderr).toBe(1); // the shipped recordings are synthetic: NOT READY
  url = pathToFileURL(join(dir, "report.html")).href;
  readiness = JSON.parse(readFileSync(join(dir, "readiness.json"), "utf8")) as Readiness;
  trials = readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n").length;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, and every console error or uncaught exception. */
  requests: string[];
  errors: string[];
}

/** Opens report.html with every request recorded and all but the file itself refused. */
async function open(options: { colorScheme?: "light" | "dark"; javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) =>
    route.request().url() === url ? route.continue() : route.abort("blockedbyclient"),
  );
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });
  return { context, page, requests, errors } satisfies Opened;
}

const visibleRows = (page: Page) => page.locator("#case-table tbody tr:visible");

describe("report.html in a browser", () => {
  it("shows the readiness gates with their statuses, loads nothing but itself and logs no error", async () => {
    const { context, page, requests, errors } = await open();
    const rows = await page.$$eval("#gates tbody tr", (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute("data-gate"),
        cells: [...tr.querySelectorAll("td")].map((td) => td.textContent),
      })),
    );
    expect(rows.map((r) => r.id)).toEqual(readiness.gates.map((g) => g.id));
    for (const [i, g] of readiness.gates.entries())
      expect(rows[i]!.cells).toEqual([
        g.title,
        g.status === "pass" ? "PASS" : "FAIL",
        g.measured,
        g.thresholdText,
        g.evidence,
      ]);
    await expect(page.locator("#gates")).toBeDefined();
    expect(await page.locator("#gates").isVisible()).toBe(true);
    expect(await page.locator("p.verdict").textContent()).toBe("Production readiness: NOT READY");
    expect(await page.locator(".banner").first().textContent()).toMatch(/^SYNTHETIC BASIS\./);
    // Let anything the page might fetch late have its chance.
    await page.waitForTimeout(200);
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("draws every chart as an SVG with marks", async () => {
    const { context, page, errors } = await open();
    const charts = await page.$$eval("figure.chart svg[aria-label]", (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const marks = [...svg.querySelectorAll("g[aria-label]")].filter(
          (g) => !/axis|frame/.test(g.getAttribute("aria-label") ?? ""),
        );
        return {
          label: svg.getAttribute("aria-label") ?? "",
          width: box.width,
          height: box.height,
          shapes: marks.reduce((n, g) => n + g.querySelectorAll("circle, rect, line, path, text").length, 0),
        };
      }),
    );
    const labels = charts.map((c) => c.label);
    for (const expected of [
      /^forest plot: B - A pass rate/,
      /^cost against pass rate/,
      /^pass rate per suite/,
      /^tokens per tier/,
      /^cost per tier/,
      /^latency per call by tier/,
    ])
      expect(
        labels.some((l) => expected.test(l)),
        `${expected} in ${labels.join(" | ")}`,
      ).toBe(true);
    for (const c of charts) {
      expect(c.width, c.label).toBeGreaterThan(100);
      expect(c.height, c.label).toBeGreaterThan(50);
      expect(c.shapes, c.label).toBeGreaterThan(0);
    }
    // The forest plot draws both decision lines and the interval.
    const forest = page.locator('svg[aria-label^="forest plot"]');
    expect(await forest.locator('g[aria-label="rule"] line').count()).toBeGreaterThanOrEqual(3);
    expect(await forest.locator('g[aria-label="dot"] circle').count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("filters the case table by text and by verdict", async () => {
    const { context, page, errors } = await open();
    expect(await page.locator(".controls").isVisible()).toBe(true);
    expect(await visibleRows(page).count()).toBe(trials);
    const id = "mis-15-rotate-leaked-secret";
    await page.locator(".controls input").fill(id);
    const shown = await visibleRows(page).locator("td:first-child").allTextContents();
    expect(shown).toEqual([id, id]); // one trial per profile
    expect(await page.locator("#case-table tbody tr[hidden]").count()).toBe(trials - 2);
    expect(await page.locator(".controls output").textContent()).toBe(`2 of ${trials} rows`);
    await page.locator(".controls input").fill("");
    await page.locator(".controls select").selectOption("fail");
    const verdicts = await visibleRows(page).locator("td:nth-child(4)").allTextContents();
    expect(verdicts.length).toBeGreaterThan(0);
    expect(new Set(verdicts)).toEqual(new Set(["fail"]));
    expect(errors).toEqual([]);
    await context.close();
  });

  it("sorts the case table by a header, both ways, numbers as numbers", async () => {
    const { context, page, errors } = await open();
    const costs = async () =>
      (await visibleRows(page).locator("td:nth-child(6)").allTextContents()).map((t) =>
        Number(t.replace("$", "")),
      );
    const header = page.locator("#case-table thead th", { hasText: "cost" });
    await header.click();
    expect(await header.getAttribute("aria-sort")).toBe("ascending");
    const up = await costs();
    expect(up).toEqual([...up].sort((a, b) => a - b));
    expect(up[0]).toBeLessThan(up[up.length - 1]!);
    await header.click();
    expect(await header.getAttribute("aria-sort")).toBe("descending");
    const down = await costs();
    expect(down).toEqual([...up].sort((a, b) => b - a));
    await page.locator("#case-table thead th", { hasText: "case" }).click();
    const ids = await visibleRows(page).locator("td:first-child").allTextContents();
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens a collapsed delegation tree from its case, failing trials first", async () => {
    const { context, page, errors } = await open();
    const first = page.locator("details.tree").first();
    expect(await first.getAttribute("class")).toMatch(/\b(fail|error)\b/);
    expect(await page.locator("details.tree[open]").count()).toBe(0);
    const link = page.locator("#case-table a", { hasText: "mis-15-rotate-leaked-secret" }).last();
    const target = (await link.getAttribute("href"))!.slice(1);
    await link.click();
    // The script opens it on hashchange, which the browser fires after the click returns.
    const tree = page.locator(`details#${target}[open]`);
    await tree.waitFor({ state: "visible", timeout: 5000 });
    expect(await tree.locator("li .agent").first().textContent()).toBe("tech-lead-orchestrator");
    expect(await tree.locator("li .agent").count()).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("reads without JavaScript: every row and every chart are in the HTML", async () => {
    const { context, page, requests } = await open({ javaScriptEnabled: false });
    expect(await page.locator(".controls").isVisible()).toBe(false);
    expect(await visibleRows(page).count()).toBe(trials);
    expect(await page.locator("#gates tbody tr").count()).toBe(readiness.gates.length);
    expect(await page.locator("figure.chart svg").count()).toBeGreaterThanOrEqual(6);
    expect(requests).toEqual([url]);
    await context.close();
  });

  it("follows the reader's colour scheme", async () => {
    const colours: Record<string, string> = {};
    for (const colorScheme of ["light", "dark"] as const) {
      const { context, page, errors } = await open({ colorScheme });
      // Run in the page, as strings: this project type-checks without the DOM library.
      const style = (selector: string, property: string) =>
        page.evaluate<string>(
          `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`,
        );
      colours[colorScheme] = await style("body", "backgroundColor");
      // Chart axes and labels draw in the text colour, so they switch with the page.
      expect(await style("figure.chart svg", "color")).toBe(await style("body", "color"));
      expect(errors).toEqual([]);
      await context.close();
    }
    expect(colours.light).toBe("rgb(255, 255, 255)");
    expect(colours.dark).toBe("rgb(13, 17, 23)");
  });
});

describe("orchestra optimize's report.html in a browser", () => {
  it("draws the frontier with measured, predicted and verified points, loads nothing and logs no error", async () => {
    const out = mkdtempSync(join(tmpdir(), "html-optimize-"));
    const { code, stderr } = orchestra(["optimize", "--free-roles", "--out", out]);
    expect([0, 1], stderr).toContain(code);
    const report = JSON.parse(readFileSync(join(out, "optimize.json"), "utf8"));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const file = pathToFileURL(join(out, "report.html")).href;
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(file, { waitUntil: "load" });
    const chart = page.locator('#optimize svg[aria-label^="monthly cost against pass rate"]');
    expect(await chart.count()).toBe(1);
    // Hollow circles for predictions, filled for measured and verified points.
    const measured = report.frontier.filter((f: { kind: string }) => f.kind !== "predicted").length;
    const predicted = report.frontier.filter((f: { kind: string }) => f.kind === "predicted").length;
    const dots = chart.locator('g[aria-label="dot"]');
    expect(await dots.count()).toBe(2);
    expect(await dots.nth(0).locator("circle").count()).toBe(predicted);
    expect(await dots.nth(1).locator("circle").count()).toBe(measured);
    const rows = page.locator("#optimize-candidates tbody tr");
    expect(await rows.count()).toBe(report.candidates.length);
    expect(await page.locator("#optimize-proposal").textContent()).toContain(
      `Proposal: ${report.proposal ?? "none"}`,
    );
    expect(requests).toEqual([file]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
