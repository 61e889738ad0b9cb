import { type Agent, tierUnder } from "../agents/index.js";
import type { Config } from "../config/index.js";
import { wilson } from "../report/index.js";
import type { SuiteName, TrialResult } from "../suite/index.js";

/** agent -> tier. */
export type Assignment = Record<string, string>;

/** The tier of every agent under a profile of the config. */
export function assignmentOf(agents: readonly Agent[], profile: string, config: Config): Assignment {
  return Object.fromEntries(agents.map((a) => [a.name, tierUnder(a, profile, config)]));
}

/** A run the optimizer learns from: its trials, and the tier each agent had in it. */
export interface EvidenceRun {
  profile: string;
  assignment: Assignment;
  results: readonly TrialResult[];
}

/** What one agent did in one case on one tier: did its part succeed, and what did its calls cost. */
interface Part {
  /** Trials observed with the agent on this tier, and those in which its part succeeded. */
  trials: number;
  ok: number;
  costMicroUsd: number;
  signals: Signals;
}

/** One case: which agents took part, how each did on each tier, and the verdicts by profile. */
export interface CaseEvidence {
  case: string;
  suite: SuiteName;
  /** The agents that made a call in any run of the case. */
  agents: string[];
  /** agent -> tier -> its part. */
  parts: Map<string, Map<string, Part>>;
  /** profile -> the assignment's tiers of this case's agents, and its pass share. */
  observed: { profile: string; tiers: Assignment; passShare: number; costMicroUsd: number }[];
  /** Failed under every run: no tier assignment the evidence knows passes it. */
  failsEverywhere: boolean;
  /** A critical case (a failure fails certification outright). */
  critical: boolean;
}

/** One agent on one tier, over every case it took part in. */
export interface AgentTierEvidence {
  agent: string;
  tier: string;
  /** Parts observed (a case and trial with the agent on this tier), and the successful ones. */
  parts: number;
  succeeded: number;
  rate: number | null;
  ci95: [number, number] | null;
  /** Mean cost of the agent's calls in one case on this tier. */
  costPerTaskUsd: number | null;
  /** What the agent's own messages showed: replies nothing could read, escalations, failed assertions naming it. */
  signals: Signals;
}

export interface Signals {
  unreadReplies: number;
  escalations: number;
  findingsAgainst: number;
}

export interface Evidence {
  runs: { profile: string; trials: number; cases: number }[];
  cases: CaseEvidence[];
  agents: AgentTierEvidence[];
}

/** The agent's own trouble in a trial: its tasks' replies, escalations and error notes, and assertions that name it. */
function signalsOf(trial: TrialResult, agent: string): Signals {
  const nodes = trial.tree.filter((n) => n.agent === agent);
  const named = new RegExp(`(^|[^a-z0-9-])${agent.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^a-z0-9-])`);
  return {
    unreadReplies: nodes.filter((n) => n.reply?.compliant === false || n.notes.length > 0).length,
    escalations: nodes.filter((n) =>
      n.flags.some((f) => f.startsWith("escalated") || f.startsWith("handed up")),
    ).length,
    findingsAgainst: trial.assertions.filter((a) => !a.pass && named.test(a.reason)).length,
  };
}

const troubled = (s: Signals) => s.unreadReplies + s.escalations + s.findingsAgainst > 0;

function shareOf(trials: readonly TrialResult[]): number | null {
  const scored = trials.filter((t) => t.verdict !== "error");
  return scored.length ? scored.filter((t) => t.verdict === "pass").length / scored.length : null;
}

/**
 * What the runs say of each agent on each tier. An individual case's verdict is its one agent's.
 * In a case of several agents, a pass credits every agent that took part; a failure is blamed on
 * the agents whose tier in that run never passed the case in any run, narrowed by the agents' own
 * messages (replies nothing could read, escalations, failed assertions that name the agent) when
 * those single some out; when every agent's tier did pass the case elsewhere and no agent's
 * messages show trouble, the failure is the combination's and blamed on no one agent (the
 * prediction then takes the case's observed combinations only). A case that fails under
 * every run is kept as a failure for any assignment and teaches nothing about tiers.
 */
export function gatherEvidence(runs: readonly EvidenceRun[]): Evidence {
  const byCase = new Map<
    string,
    { suite: SuiteName; byRun: { run: EvidenceRun; trials: TrialResult[] }[] }
  >();
  for (const run of runs) {
    const trialsOf = new Map<string, TrialResult[]>();
    for (const t of run.results) {
      const list = trialsOf.get(t.case);
      if (list) list.push(t);
      else trialsOf.set(t.case, [t]);
    }
    for (const [id, trials] of trialsOf) {
      const entry = byCase.get(id) ?? { suite: trials[0]!.suite, byRun: [] };
      entry.byRun.push({ run, trials });
      byCase.set(id, entry);
    }
  }
  const cases: CaseEvidence[] = [];
  for (const [id, { suite, byRun }] of [...byCase.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const agents = [
      ...new Set(byRun.flatMap(({ trials }) => trials.flatMap((t) => t.calls.map((c) => c.agent)))),
    ].sort();
    const observed = byRun
      .map(({ run, trials }) => ({
        profile: run.profile,
        tiers: Object.fromEntries(agents.map((a) => [a, run.assignment[a] ?? "?"])),
        passShare: shareOf(trials),
        costMicroUsd: trials.reduce((n, t) => n + t.costMicroUsd, 0) / trials.length,
        trials,
      }))
      .filter((o): o is typeof o & { passShare: number } => o.passShare !== null);
    const passTiers = new Map<string, Set<string>>(agents.map((a) => [a, new Set()]));
    for (const o of observed) if (o.passShare > 0) for (const a of agents) passTiers.get(a)!.add(o.tiers[a]!);
    const parts = new Map<string, Map<string, Part>>(agents.map((a) => [a, new Map()]));
    for (const o of observed) {
      for (const trial of o.trials.filter((t) => t.verdict !== "error")) {
        const passed = trial.verdict === "pass";
        const signals = new Map(agents.map((a) => [a, signalsOf(trial, a)]));
        let culprits: string[] = [];
        if (!passed) {
          // Blame the agents whose tier never passed this case, narrowed to those whose own messages
          // show trouble when some do; with no such tier, the agents whose messages show trouble.
          const neverPassed = agents.filter((a) => !passTiers.get(a)!.has(o.tiers[a]!));
          const named = agents.filter((a) => troubled(signals.get(a)!));
          const both = neverPassed.filter((a) => named.includes(a));
          culprits = both.length ? both : neverPassed.length ? neverPassed : named;
        }
        for (const a of agents) {
          const tier = o.tiers[a]!;
          const own = trial.calls.filter((c) => c.agent === a);
          const part = parts.get(a)!.get(tier) ?? {
            trials: 0,
            ok: 0,
            costMicroUsd: 0,
            signals: { unreadReplies: 0, escalations: 0, findingsAgainst: 0 },
          };
          part.trials += 1;
          // A failure nobody is blamed for (the combination's) is no agent's part failing.
          if (!culprits.includes(a)) part.ok += 1;
          part.costMicroUsd += own.reduce((n, c) => n + c.costMicroUsd, 0);
          const s = signals.get(a)!;
          part.signals.unreadReplies += s.unreadReplies;
          part.signals.escalations += s.escalations;
          part.signals.findingsAgainst += s.findingsAgainst;
          parts.get(a)!.set(tier, part);
        }
      }
    }
    cases.push({
      case: id,
      suite,
      agents,
      parts,
      observed: observed.map(({ profile, tiers, passShare, costMicroUsd }) => ({
        profile,
        tiers,
        passShare,
        costMicroUsd,
      })),
      failsEverywhere: observed.length > 0 && observed.every((o) => o.passShare === 0),
      critical: byRun.some(({ trials }) => trials.some((t) => t.critical)),
    });
  }
  const pooled = new Map<
    string,
    { parts: number; ok: number; cost: number; tasks: number; signals: Signals }
  >();
  for (const c of cases)
    for (const [agent, tiers] of c.parts)
      for (const [tier, p] of tiers) {
        const key = `${agent}\0${tier}`;
        const e = pooled.get(key) ?? {
          parts: 0,
          ok: 0,
          cost: 0,
          tasks: 0,
          signals: { unreadReplies: 0, escalations: 0, findingsAgainst: 0 },
        };
        if (!c.failsEverywhere) {
          e.parts += p.trials;
          e.ok += p.ok;
        }
        e.cost += p.costMicroUsd;
        e.tasks += p.trials;
        e.signals.unreadReplies += p.signals.unreadReplies;
        e.signals.escalations += p.signals.escalations;
        e.signals.findingsAgainst += p.signals.findingsAgainst;
        pooled.set(key, e);
      }
  const agents: AgentTierEvidence[] = [...pooled.entries()]
    .map(([key, e]) => {
      const [agent, tier] = key.split("\0") as [string, string];
      return {
        agent,
        tier,
        parts: e.parts,
        succeeded: e.ok,
        rate: e.parts ? e.ok / e.parts : null,
        ci95: e.parts ? wilson(e.ok, e.parts) : null,
        costPerTaskUsd: e.tasks ? e.cost / e.tasks / 1e6 : null,
        signals: e.signals,
      };
    })
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.tier.localeCompare(b.tier));
  return {
    runs: runs.map((r) => ({
      profile: r.profile,
      trials: r.results.length,
      cases: new Set(r.results.map((t) => t.case)).size,
    })),
    cases,
    agents,
  };
}
