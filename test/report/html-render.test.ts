import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dot } from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../../src/models/index.js";
import { Charts } from "../../src/report/html/chart.js";
import {
  compareRuns,
  diffRuns,
  frontierOf,
  type ReportView,
  renderHtml,
  summarize,
  usd,
  writeRunOutputs,
} from "../../src/report/index.js";
import type { TrialResult } from "../../src/suite/index.js";
import { orchestra } from "../helpers/cli.js";

interface El {
  textContent: string | null;
  tagName: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<El>;
  querySelector(selector: string): El | null;
}
const parse = (text: string) => parseHTML(text).document as El;
const all = (root: El, selector: string): El[] => [...root.querySelectorAll(selector)];

const EVIL = `</td><script>alert("x")</script><img src=x onerror="alert(1)"> "quoted" & 'single'`;

function trial(
  id: string,
  profile: string,
  verdict: TrialResult["verdict"],
  extra: Partial<TrialResult> = {},
) {
  const tier = profile === "all-sonnet" ? "sonnet" : "haiku";
  const result: TrialResult = {
    case: id,
    suite: "individual",
    title: id,
    critical: false,
    tags: [],
    trial: 1,
    profile,
    mode: "replay",
    verdict,
    reason: verdict === "pass" ? null : `assertion failed on ${id}`,
    assertions: [],
    final: { type: "result" },
    trace: {
      agents: ["a"],
      messages: 2,
      calls: 1,
      maxDepth: 1,
      fallbacks: 0,
      escalations: 0,
      correctiveRetries: 0,
      agentMessages: 1,
      compliantMessages: 1,
      recoveredMessages: 0,
      deviations: {},
      deviationExamples: [],
      messageBytes: 1000,
      markupBytes: 30,
      contextBytesBefore: 0,
      contextBytesAfter: 0,
    },
    calls: [
      {
        task: "m1",
        agent: "lead",
        tier,
        model: `m-${tier}`,
        usage: { ...ZERO_USAGE, inputTokens: 100, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 7 },
        costMicroUsd: 1200,
        latencyMs: 900,
        latencySource: "recorded",
        fellBack: false,
        escalation: false,
        corrective: false,
        source: "synthetic",
      },
    ],
    usage: { ...ZERO_USAGE },
    costMicroUsd: 1200,
    judgeCostMicroUsd: 0,
    latencyMs: 900,
    latencySource: "recorded",
    provenance: { live: 0, synthetic: 1, models: [`m-${tier}`] },
    durationMs: 5,
    tree: [
      {
        task: "m1",
        parent: null,
        agent: "lead",
        objective: "do it",
        tiers: [tier],
        models: [`m-${tier}`],
        calls: 1,
        tokens: 120,
        costMicroUsd: 1200,
        latencyMs: 900,
        latencySource: "recorded",
        flags: [],
        notes: [],
        reply: { type: "result", compliant: true, recovered: false, summary: "done" },
      },
      {
        task: "m1/t1",
        parent: "m1",
        agent: "helper",
        objective: "help",
        tiers: [tier],
        models: [`m-${tier}`],
        calls: 0,
        tokens: 0,
        costMicroUsd: 0,
        latencyMs: 0,
        latencySource: "none",
        flags: ["retried"],
        notes: [],
        reply: { type: "result", compliant: false, recovered: true, summary: "helped" },
      },
    ],
    ...extra,
  };
  return result;
}

function runs(n: number) {
  const ids = Array.from({ length: n }, (_, i) => `case-${String(i).padStart(3, "0")}`);
  return {
    a: ids.map((id, i) => trial(id, "all-sonnet", i % 7 === 0 ? "fail" : "pass")),
    b: ids.map((id, i) => trial(id, "three-tier", i % 5 === 0 ? "fail" : "pass")),
  };
}

function certifyView(a: TrialResult[], b: TrialResult[]): ReportView {
  const ab = compareRuns(a, b, { margin: 0.05 });
  return {
    kind: "certify",
    title: "Certification: three-tier against all-sonnet",
    summary: summarize(b),
    results: b,
    baselineResults: a,
    ab,
    profiles: frontierOf(ab),
  };
}

describe("renderHtml escapes every string from results", () => {
  it("a title, reason, case id and reply summary with <script> and quotes render as text", () => {
    const { a, b } = runs(6);
    const evil = trial(`evil-${EVIL}`, "three-tier", "fail", { title: EVIL, reason: EVIL });
    evil.tree[0]!.reply!.summary = EVIL;
    evil.tree[1]!.agent = EVIL;
    evil.tree[1]!.flags = [EVIL];
    const view = certifyView(a, [...b, evil]);
    view.profiles = view.profiles!.map((p) => ({ ...p, profile: `${p.profile}${EVIL}` }));
    const text = renderHtml(view);
    expect(text).not.toContain("<script>alert");
    expect(text).not.toContain("<img");
    const doc = parse(text);
    expect(all(doc, "script")).toHaveLength(1); // the report's own
    expect(all(doc, "img")).toHaveLength(0);
    expect(all(doc, "[onerror]")).toHaveLength(0);
    const row = all(doc, "#case-table tbody tr").find((tr) => tr.textContent?.includes("evil-"))!;
    const cells = all(row, "td").map((td) => td.textContent);
    expect(cells[0]).toBe(`evil-${EVIL}`);
    expect(cells[4]).toBe(EVIL);
    const tree = all(doc, "details.tree").find((d) => d.textContent?.includes("evil-"))!;
    expect(tree.querySelector(".reason")?.textContent).toBe(EVIL);
    expect(all(tree, ".agent")[1]?.textContent).toBe(EVIL);
    expect(tree.querySelector(".flag")?.textContent).toBe(EVIL);
    expect(all(tree, ".reply").some((r) => r.textContent?.endsWith(EVIL))).toBe(true);
    // Plot writes chart text through the DOM, which escapes it too.
    const labels = all(doc, 'svg[aria-label^="cost against"] text').map((t) => t.textContent);
    expect(labels).toContain(`three-tier${EVIL}`);
  });

  it("the page forbids every load and every script but its own", () => {
    const { a, b } = runs(3);
    const doc = parse(renderHtml(certifyView(a, b)));
    const policy = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content");
    expect(policy).toMatch(/^default-src 'none';/);
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(all(doc, "link, iframe, object, embed, [src]")).toHaveLength(0);
  });
});

describe("renderHtml draws every kind of report", () => {
  it("gives the same bytes for the same view, however many reports the process rendered", () => {
    const { a, b } = runs(20);
    const first = renderHtml(certifyView(a, b));
    renderHtml(certifyView(b, a));
    expect(renderHtml(certifyView(a, b))).toBe(first);
  });

  it("numbers Plot's clip paths per report, not per process", () => {
    const options = { clip: true, marks: [dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] };
    const first = new Charts().render(options, "a chart").value;
    new Charts().render(options, "another");
    expect(new Charts().render(options, "a chart").value).toBe(first);
    expect(first).toContain('clip-path="url(#c1-clip-1)"');
    expect(first).not.toMatch(/plot-clip-\d/);
  });

  it("a run: suites, tiers, latency, cases and trees, no A/B", () => {
    const { b } = runs(8);
    const doc = parse(renderHtml({ kind: "run", title: "Run", summary: summarize(b), results: b }));
    const ids = all(doc, "main > section").map((s) => s.getAttribute("id"));
    expect(ids).toEqual(["suites", "tiers", "latency", "protocol", "cases", "trees"]);
    expect(doc.querySelector(".banner")?.textContent).toMatch(/^SYNTHETIC BASIS\./);
    // Cache reads and writes apart.
    const tier = all(doc, "#tier-table tbody tr").map((tr) => all(tr, "td").map((td) => td.textContent));
    expect(tier).toEqual([["haiku", "8", "800", "160", "40", "56", usd(0.0096), "0", "0", "0"]]);
  });

  it("an A/B without a summary: the comparison, its forest plot and the frontier", () => {
    const { a, b } = runs(30);
    const ab = compareRuns(a, b, { margin: 0.05 });
    const doc = parse(
      renderHtml({ kind: "ab", title: "A/B", ab, results: b, baselineResults: a, profiles: frontierOf(ab) }),
    );
    const ids = all(doc, "main > section").map((s) => s.getAttribute("id"));
    expect(ids).toEqual(["ab", "frontier", "latency", "cases", "trees"]);
    expect(doc.querySelector('svg[aria-label^="forest plot"]')).not.toBeNull();
    expect(doc.querySelector(".banner")?.textContent).toMatch(/^SYNTHETIC BASIS\./);
    expect(all(doc, "#case-table tbody tr")).toHaveLength(60);
  });

  it("a diff: its counts and the cases that changed", () => {
    const { a, b } = runs(12);
    const d = diffRuns(a, b, ["before", "after"]);
    const doc = parse(renderHtml({ kind: "diff", title: "Diff", diff: d }));
    const counts = new Map(
      all(doc, "#diff-counts tbody tr").map((tr) => [
        tr.getAttribute("data-change"),
        all(tr, "td")[1]?.textContent,
      ]),
    );
    for (const [change, n] of Object.entries(d.counts)) expect(counts.get(change)).toBe(String(n));
    expect(all(doc, "#diff-cases tbody tr")).toHaveLength(
      d.cases.filter((c) => c.change !== "unchanged").length,
    );
  });

  it("a merge and an empty run render, the partial banner and n/a included", () => {
    const { b } = runs(4);
    const errored = b.map((r) => ({ ...r, verdict: "error" as const, reason: "outage: down" }));
    const summary = summarize(errored, { partial: { planned: 10, done: 4, reason: "interrupted" } });
    const doc = parse(renderHtml({ kind: "merge", title: "Merged", summary, results: errored }));
    const banners = all(doc, ".banner").map((e) => e.textContent);
    expect(banners[1]).toMatch(/^PARTIAL RUN\. 4 of 10 planned trials ran \(interrupted\)/);
    expect(all(all(doc, "#suite-table tbody tr")[0]!, "td")[6]?.textContent).toBe("n/a (no trial scored)");
    const empty = parse(renderHtml({ kind: "run", title: "Nothing", summary: summarize([]), results: [] }));
    expect(empty.querySelector(".banner")?.textContent).toMatch(/^NO EVIDENCE\./);
  });

  it("keeps at most 1000 trees, failing trials first, and says how many it left out", () => {
    const many = Array.from({ length: 1200 }, (_, i) =>
      trial(`c${String(i).padStart(4, "0")}`, "three-tier", i % 100 === 99 ? "fail" : "pass"),
    );
    const doc = parse(renderHtml({ kind: "run", title: "Big", summary: summarize(many), results: many }));
    const trees = all(doc, "details.tree");
    expect(trees).toHaveLength(1000);
    expect(trees.slice(0, 12).map((t) => t.getAttribute("class"))).toEqual([...Array(12).fill("tree fail")]);
    expect(trees[12]?.getAttribute("class")).toBe("tree pass");
    expect(doc.querySelector("#trees p")?.textContent).toContain("200 more trees are left out");
    expect(all(doc, "#case-table tbody tr")).toHaveLength(1200);
  });
});

describe("report.html beside report.md", () => {
  it("a run folder gets report.html, and `orchestra report` re-renders it byte for byte", async () => {
    const { b } = runs(10);
    const dir = mkdtempSync(join(tmpdir(), "html-run-"));
    writeFileSync(join(dir, "results.jsonl"), `${b.map((r) => JSON.stringify(r)).join("\n")}\n`);
    await writeRunOutputs(dir);
    const first = readFileSync(join(dir, "report.html"), "utf8");
    expect(first).toMatch(/^<!doctype html>/);
    expect(orchestra(["report", dir]).code).toBe(0);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toBe(first);
  });
});
