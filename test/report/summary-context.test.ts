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
