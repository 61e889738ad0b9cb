import type { MissionOutcome } from "../../orchestra/index.js";
import type { Assertion } from "../schema.js";

export interface AssertionResult {
  type: string;
  pass: boolean;
  /** One line a person understands: what was expected and what was found. */
  reason: string;
  /** Cost of a model-graded assertion (the judge), reported apart from the system under test. */
  judgeCostMicroUsd?: number;
  /**
   * The assertion could not be evaluated (its judge failed, or its reply could not be read as a
   * verdict): the trial is an `error`, not a `fail`, and `reason` says what failed.
   */
  error?: boolean;
  /** A model-graded assertion's judge: who judged, how often, and how the repetitions agreed. */
  judge?: JudgeRecord;
}

/** What a rubric assertion's judge did, repetitions included (`--judge-trials N`). */
export interface JudgeRecord {
  tier: string;
  /** The models that answered (the tier's, or a fallback of its chain). */
  models: string[];
  /** Repetitions of the judge on the same input. */
  trials: number;
  /** Each repetition's verdict (score >= threshold) and score, in order; empty if none could be read. */
  verdicts: boolean[];
  scores: number[];
  /** Share of the verdicts that agree with the majority (1 when all agree). */
  agreement: number;
  /** The repetitions disagree on the verdict. */
  unstable: boolean;
}

export type Judge = (prompt: {
  system: string;
  user: string;
  tier: string;
}) => Promise<{ text: string; costMicroUsd: number; model: string }>;

export interface AssertionContext {
  outcome: MissionOutcome;
  /** The folder of the suite file, for javascript assertions. */
  dir: string;
  judge?: Judge;
  /** How many times a model-graded assertion asks its judge on the same input (default 1). */
  judgeTrials?: number;
}

export type Evaluator<T extends Assertion["type"]> = (
  assertion: Extract<Assertion, { type: T }>,
  context: AssertionContext,
) => AssertionResult | Promise<AssertionResult>;

export function result(type: string, pass: boolean, reason: string): AssertionResult {
  return { type, pass, reason };
}
