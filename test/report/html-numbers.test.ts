import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseHTML } from "linkedom";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type AbReport,
  frontierOf,
  ms,
  pct,
  pctWithInterval,
  type Readiness,
  type Summary,
  usd,
} from "../../src/report/index.js";
import { orchestra } from "../helpers/cli.js";

/** What these tests read of linkedom's DOM (its types lean on the DOM lib this project leaves out). */
interface El {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<El>;
  querySelector(selector: string): El | null;
}

const all = (root: El, selector: string): El[] => [...root.querySelectorAll(selector)];
const texts = (row: El): string[] => all(row, "td").map((td) => td.textContent ?? "");

/** Rows of a table as cell texts, keyed by an attribute of the row (data-tier, data-gate, ...). */
function rowsBy(doc: El, table: string, key: string): Map<string, string[]> {
  return new Map(all(doc, `#${table} tbody tr`).map((tr) => [tr.getAttribute(key) ?? "", texts(tr)]));
}

let dir: string;
let doc: El;
let summary: Summary;
let ab: AbReport;
let readiness: Readiness;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "html-numbers-"));
  const { code, stderr } = orchestra(["certify", "--out", dir]);
  expect(code, stderr).toBe(1);
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as T;
  summary = read<Summary>("summary.json");
  ab = read<AbReport>("ab.json");
  readiness = read<Readiness>("readiness.json");
  doc = parseHTML(readFileSync(join(dir, "report.html"), "utf8")).document as El;
}, 60_000);

describe("report.html says what the JSON says", () => {
  it("the gates table is readiness.json, gate by gate", () => {
    const rows = rowsBy(doc, "gates", "data-gate");
    expect([...rows.keys()]).toEqual(readiness.gates.map((g) => g.id));
    for (const g of readiness.gates)
      expect(rows.get(g.id)).toEqual([
        g.title,
        g.status === "pass" ? "PASS" : "FAIL",
        g.measured,
        g.thresholdText,
        g.evidence,
      ]);
    expect(doc.querySelector("p.verdict")?.textContent).toBe(
      `Production readiness: ${readiness.ready ? "READY" : "NOT READY"}`,
    );
  });

  it("the tier table is summary.json byTier: calls, tokens by kind, cost", () => {
    const rows = rowsBy(doc, "tier-table", "data-tier");
    expect([...rows.keys()]).toEqual(Object.keys(summary.byTier));
    for (const [tier, s] of Object.entries(summary.byTier))
      expect(rows.get(tier)).toEqual([
        tier,
        String(s.calls),
        String(s.inputTokens),
        String(s.outputTokens),
        String(s.cacheReadTokens),
        String(s.cacheWriteTokens),
        usd(s.costUsd),
        String(s.fallbacks),
        String(s.escalations),
        String(s.rateLimited),
      ]);
  });

  it("the latency table is summary.json byTier latencyMs", () => {
    const rows = rowsBy(doc, "latency-table", "data-tier");
    for (const [tier, s] of Object.entries(summary.byTier)) {
      const l = s.latencyMs;
      expect(rows.get(tier)?.slice(0, 7)).toEqual([
        tier,
        String(l.n),
        ms(l.p50),
        ms(l.p90),
        ms(l.p95),
        ms(l.max),
        l.source,
      ]);
    }
    expect(rows.get("")?.[2]).toBe(ms(summary.latencyPerCase.p50));
  });

  it("the suite table is summary.json bySuite and totals, with Wilson intervals", () => {
    const rows = rowsBy(doc, "suite-table", "data-suite");
    for (const [suite, r] of [...Object.entries(summary.bySuite), ["all", summary.totals] as const])
      expect(rows.get(suite)).toEqual([
        suite,
        String(r.cases),
        String(r.trials),
        String(r.passed),
        String(r.failed),
        String(r.errored),
        pctWithInterval(r.passRate, r.ci95),
      ]);
  });

  it("the A/B table, verdict and McNemar p are ab.json", () => {
    const rows = rowsBy(doc, "ab-table", "data-row");
    const ci = (c: readonly [number, number]) => `[${pct(c[0])}, ${pct(c[1])}]`;
    expect(rows.get("pass-rate")).toEqual([
      "pass rate",
      pct(ab.passRate.a),
      pct(ab.passRate.b),
      `${pct(ab.passRate.diff)} ${ci(ab.passRate.ci95)}`,
    ]);
    expect(rows.get("cost")).toEqual([
      "cost of the run",
      usd(ab.costUsd.a),
      usd(ab.costUsd.b),
      `reduction ${pct(ab.costUsd.reduction)} ${ci(ab.costUsd.ci95)}`,
    ]);
    const m = ab.monthlyCostUsd!;
    expect(rows.get("monthly")).toEqual([
      `monthly cost (${m.workload})`,
      usd(m.a),
      usd(m.b),
      `reduction ${pct(m.reduction)}`,
    ]);
    expect(doc.querySelector("#ab-verdict")?.textContent).toBe(ab.verdict);
    expect(doc.querySelector("#mcnemar")?.textContent).toBe(ab.mcnemarP!.toFixed(3));
  });

  it("the frontier table is frontierOf(ab.json)", () => {
    const rows = all(doc, "#frontier-table tbody tr").map(texts);
    expect(rows).toEqual(
      frontierOf(ab).map((p) => [
        p.profile,
        p.basis,
        pctWithInterval(p.passRate, p.ci95),
        usd(p.costUsd),
        p.monthlyCostUsd === null ? "n/a" : usd(p.monthlyCostUsd),
      ]),
    );
  });

  it("the case table has a row per trial of both profiles, each trial's verdict and cost", () => {
    const lines = readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n");
    const trials = lines.map(
      (l) => JSON.parse(l) as { case: string; profile: string; verdict: string; costMicroUsd: number },
    );
    const rows = all(doc, "#case-table tbody tr").map(texts);
    expect(rows).toHaveLength(trials.length);
    const key = (c: string, p: string) => `${c}/${p}`;
    const byKey = new Map(rows.map((r) => [key(r[0]!, r[2]!), r]));
    for (const t of trials) {
      const row = byKey.get(key(t.case, t.profile))!;
      expect(row[3]).toBe(t.verdict);
      expect(row[5]).toBe(usd(t.costMicroUsd / 1e6));
    }
  });

  it("`orchestra report` re-renders report.html byte for byte", () => {
    const copy = mkdtempSync(join(tmpdir(), "html-rerender-"));
    cpSync(dir, copy, { recursive: true });
    const { code } = orchestra(["report", copy]);
    expect(code).toBe(0);
    expect(readFileSync(join(copy, "report.html"), "utf8")).toBe(
      readFileSync(join(dir, "report.html"), "utf8"),
    );
  });
});
