import { FaultDice } from "./prng.js";

/**
 * Every failure the fake API can serve, named as the edge-case suite and the CLI spell them:
 * - `429`: rate_limit_error with retry-after / retry-after-ms;
 * - `529`: overloaded_error; `500`: api_error;
 * - `timeout`: the request is accepted and never answered (until the client gives up or the server closes);
 * - `cut`: part of the body or stream is sent, then the socket is destroyed;
 * - `garbage`: status 200 with a body that is not valid JSON (or an SSE event whose data is not);
 * - `sse-error`: an `event: error` (overloaded_error) mid-stream; a 529 for a non-stream request.
 */
export const FAULT_KINDS = ["429", "529", "500", "timeout", "cut", "garbage", "sse-error"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault served at random to a share of the requests. */
export interface FaultSpec {
  kind: FaultKind;
  /** Probability per request, 0..1. */
  rate: number;
}

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === "string" && (FAULT_KINDS as readonly string[]).includes(value);
}

const KINDS_TEXT = FAULT_KINDS.join(", ");

/**
 * Parses `KIND:RATE` as written on a command line: `529:0.2`, `timeout:0.05`, `cut:5%`.
 * Throws a FaultSpecError saying what is wrong and what is expected.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec = text.trim();
  const colon = spec.indexOf(":");
  if (colon <= 0 || colon === spec.length - 1) {
    throw new FaultSpecError(
      `invalid fault "${text}": expected KIND:RATE, e.g. 529:0.2 (KIND one of ${KINDS_TEXT}; RATE from 0 to 1 or a percentage)`,
    );
  }
  const kind = spec.slice(0, colon).trim();
  const rateText = spec.slice(colon + 1).trim();
  if (!isFaultKind(kind)) {
    throw new FaultSpecError(
      `invalid fault "${text}": unknown kind "${kind}" (expected KIND:RATE with KIND one of ${KINDS_TEXT})`,
    );
  }
  const percent = rateText.endsWith("%");
  const number = percent ? rateText.slice(0, -1).trim() : rateText;
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(number) ? Number(number) : Number.NaN;
  const rate = percent ? value / 100 : value;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new FaultSpecError(
      `invalid fault "${text}": rate "${rateText}" is not from 0 to 1 (expected KIND:RATE, e.g. 529:0.2 or 529:20%)`,
    );
  }
  return { kind, rate };
}

/** Checks a list of fault specs; their rates add up to at most 1 (one fault at most per request). */
export function validateFaults(faults: readonly FaultSpec[]): void {
  let total = 0;
  for (const f of faults) {
    if (!isFaultKind(f.kind)) {
      throw new FaultSpecError(`unknown fault kind "${String(f.kind)}": expected one of ${KINDS_TEXT}`);
    }
    if (!Number.isFinite(f.rate) || f.rate < 0 || f.rate > 1) {
      throw new FaultSpecError(`invalid rate ${f.rate} for fault ${f.kind}: expected a number from 0 to 1`);
    }
    total += f.rate;
  }
  if (total > 1 + 1e-9) {
    throw new FaultSpecError(
      `fault rates add up to ${total}: at most one fault is served per request, so at most 1`,
    );
  }
}

/**
 * Draws at most one fault per request from the configured rates. Each key (an agent) has its own
 * seeded stream, so the nth request of an agent meets the same fault in every run with the same
 * seed, whatever the interleaving of agents running concurrently.
 */
export class FaultPicker {
  private readonly dice: FaultDice;

  constructor(
    private readonly faults: readonly FaultSpec[],
    seed: number,
  ) {
    validateFaults(faults);
    this.dice = new FaultDice(seed);
  }

  /** One draw per call, whether or not a fault is configured, so sequences do not shift. */
  pick(key: string): FaultKind | undefined {
    const u = this.dice.roll(key);
    let edge = 0;
    for (const f of this.faults) {
      edge += f.rate;
      if (u < edge) return f.kind;
    }
    return undefined;
  }
}
