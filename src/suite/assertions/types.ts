import type { MissionOutcome } from "../../orchestra/index.js";
import type { Assertion } from "../schema.js";

export interface AssertionResult {
  type: string;
  pass: boolean;
  /** One line a person understands: what was expected and what was found. */
  reason: string;
  /** Cost of a model-graded assertion (the judge), reported apart from the system under test. */
  judgeCostMicroUsd?: number;
}

export type Judge = (prompt: {
  system: string;
  user: string;
  tier: string;
}) => Promise<{ text: string; costMicroUsd: number }>;

export interface AssertionContext {
  outcome: MissionOutcome;
  /** The folder of the suite file, for javascript assertions. */
  dir: string;
  judge?: Judge;
}

export type Evaluator<T extends Assertion["type"]> = (
  assertion: Extract<Assertion, { type: T }>,
  context: AssertionContext,
) => AssertionResult | Promise<AssertionResult>;

export function result(type: string, pass: boolean, reason: string): AssertionResult {
  return { type, pass, reason };
}
