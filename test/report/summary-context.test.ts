import { describe, expect, it } from "vitest";
import { summarize } from "../../src/report/index.js";
import { trial } from "../helpers/trials.js";

describe("summary: context filtering and escalation cost, against a hand computation", () => {
  // Two specialist calls the filter ran on, one planner call it did not, one call without context.
  const results = [
    trial({
      case: "c1",
      profile: "three-tier",
      verdict: "pass",
      calls: [
        {
          agent: "lead",
          tier: "opus",
          cost: 4000,
          inputTokens: 3000,
          context: { tokensBefore: 1000, tokensAfter: 1000, filtered: false },
        },
        {
          agent: "sql-helper",
          tier: "haiku",
          cost: 1000,
          inputTokens: 600,
          context: { tokensBefore: 1000, tokensAfter: 400, filtered: true },
        },
        {
          agent: "py-dev",
          tier: "sonnet",
          cost: 3000,
          inputTokens: 1200,
          escalation: true,
          context: { tokensBefore: 1000, tokensAfter: 1000, filtered: true },
        },
        { agent: "deployer", tier: "haiku", cost: 2000, inputTokens: 100 },
      ],
    }),
  ];

  it("counts tokens over filtered calls only, and the share of their prompt tokens saved", () => {
    const t = summarize(results).context.tokens;
    expect(t).toMatchObject({ filteredCalls: 2, unfilteredCalls: 1, before: 2000, after: 1400, saved: 600 });
    // 1 - 1400 / 2000
    expect(t.reduction).toBeCloseTo(0.3, 12);
    // saved / (prompt of the filtered calls + saved) = 600 / (600 + 1200 + 600)
    expect(t.promptShareSaved).toBeCloseTo(0.25, 12);
    expect(t.byAgentTier).toEqual([
      { agent: "sql-helper", tier: "haiku", calls: 1, before: 1000, after: 400, reduction: 0.6 },
      { agent: "py-dev", tier: "sonnet", calls: 1, before: 1000, after: 1000, reduction: 0 },
    ]);
    expect(t.basis).toMatch(/estimated/);
  });

  it("gives the escalated calls' share of the cost", () => {
    // 3000 of 4000 + 1000 + 3000 + 2000 micro-dollars
    expect(summarize(results).routing.escalationCostShare).toBeCloseTo(0.3, 12);
  });

  it("says no call was filtered rather than a 0% reduction", () => {
    const none = summarize([
      trial({
        case: "c2",
        profile: "three-tier",
        verdict: "pass",
        calls: [
          { agent: "lead", tier: "opus", context: { tokensBefore: 50, tokensAfter: 50, filtered: false } },
        ],
      }),
    ]).context.tokens;
    expect(none).toMatchObject({
      filteredCalls: 0,
      unfilteredCalls: 1,
      reduction: null,
      promptShareSaved: null,
    });
  });
});

describe("summary: pass@k and pass^k for every k up to each case's own trials", () => {
  const trials = (id: string, verdicts: ("pass" | "fail" | "error")[]) =>
    verdicts.map((verdict, i) => ({
      ...trial({ case: id, profile: "three-tier", verdict, calls: [{ agent: "a", tier: "haiku" }] }),
      trial: i + 1,
    }));

  it("averages each k over the cases with at least k scored trials, errors left out", () => {
    const r = summarize([
      ...trials("five", ["pass", "pass", "fail", "pass", "pass"]),
      ...trials("three", ["pass", "pass", "pass", "error"]),
      ...trials("two", ["fail", "pass"]),
    ]).reliability!;
    expect(r).toMatchObject({ trialsPerCase: 2, maxTrialsPerCase: 5, flakyCases: 2 });
    expect(r.casesAtK).toEqual({ k1: 3, k2: 3, k3: 2, k4: 1, k5: 1 });
    // pass@1 = mean(4/5, 3/3, 1/2)
    expect(r.passAtK.k1).toBeCloseTo((0.8 + 1 + 0.5) / 3, 12);
    // pass@2: n - c < 2 in every case
    expect(r.passAtK.k2).toBeCloseTo(1, 12);
    // pass^2 = mean(C(4,2)/C(5,2), 1, C(1,2)/C(2,2)) = mean(0.6, 1, 0)
    expect(r.passHatK.k2).toBeCloseTo(1.6 / 3, 12);
    // pass^3 = mean(C(4,3)/C(5,3), 1) = mean(0.4, 1)
    expect(r.passHatK.k3).toBeCloseTo(0.7, 12);
    // pass^4 = C(4,4)/C(5,4) = 0.2; pass^5 = 0
    expect(r.passHatK.k4).toBeCloseTo(0.2, 12);
    expect(r.passHatK.k5).toBe(0);
  });
});

describe("summary: prompt caching", () => {
  it("gives the hit ratio per agent and tier, and the writes no later call of that agent and model read", () => {
    const cache = summarize([
      trial({
        case: "c1",
        profile: "three-tier",
        verdict: "pass",
        calls: [
          // lead writes 800 and reads them back on its second call; py-dev writes 300 nobody reads.
          { agent: "lead", tier: "opus", inputTokens: 200, cacheWriteTokens: 800 },
          { agent: "lead", tier: "opus", inputTokens: 300, cacheReadTokens: 800 },
          { agent: "py-dev", tier: "sonnet", inputTokens: 100, cacheWriteTokens: 300 },
        ],
      }),
    ]).cache;
    // prompt = 200 + 800 + 300 + 800 + 100 + 300 = 2500; read 800
    expect(cache).toMatchObject({ promptTokens: 2500, readTokens: 800, writeTokens: 1100 });
    expect(cache.hitRatio).toBeCloseTo(0.32, 12);
    expect(cache.neverRead).toEqual({
      writeTokens: 300,
      groups: [{ agent: "py-dev", model: "model-sonnet", writeTokens: 300 }],
    });
    expect(cache.byAgentTier[0]).toMatchObject({ agent: "lead", tier: "opus", calls: 2, promptTokens: 2100 });
    expect(cache.byAgentTier[0]!.hitRatio).toBeCloseTo(800 / 2100, 12);
  });
});
