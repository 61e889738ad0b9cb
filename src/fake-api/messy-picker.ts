import { createHash } from "node:crypto";
import { DEVIATION_KINDS, type DeviationKind, isDeviationKind } from "../protocol/index.js";
import { mutate } from "./messy.js";
import { FaultDice, mulberry32 } from "./prng.js";
import type { MessagesBody } from "./request.js";

/** Messy replies at a rate: each reply with a protocol message gets one of `kinds` (default: all). */
export interface MessySpec {
  /** Probability per reply, 0..1. */
  rate: number;
  kinds?: readonly DeviationKind[];
}

export class MessySpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessySpecError";
  }
}

const KINDS_TEXT = DEVIATION_KINDS.join(", ");

export function validateMessy(spec: MessySpec): void {
  if (!Number.isFinite(spec.rate) || spec.rate < 0 || spec.rate > 1) {
    throw new MessySpecError(`invalid messy rate ${spec.rate}: expected a number from 0 to 1`);
  }
  if (spec.kinds === undefined) return;
  if (spec.kinds.length === 0)
    throw new MessySpecError(`no messy kinds given: expected some of ${KINDS_TEXT}`);
  for (const kind of spec.kinds) {
    if (!isDeviationKind(kind)) {
      throw new MessySpecError(`unknown messy kind "${String(kind)}": expected one of ${KINDS_TEXT}`);
    }
  }
}

/** Parses `fenced,enum-case` as written on a command line; throws a MessySpecError naming the problem. */
export function parseMessyKinds(text: string): DeviationKind[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) {
    throw new MessySpecError(`no messy kinds in "${text}": expected a comma-separated list of ${KINDS_TEXT}`);
  }
  for (const name of names) {
    if (!isDeviationKind(name)) {
      throw new MessySpecError(
        `unknown messy kind "${name}" in "${text}": expected a comma-separated list of ${KINDS_TEXT}`,
      );
    }
  }
  return [...new Set(names as DeviationKind[])];
}

/** The draws of one request: taken for every request, served or faulted, so sequences never shift. */
export interface MessyDraw {
  hit: number;
  kind: number;
  seed: number;
}

/** What to serve for one successful reply. */
export interface MessyPlan {
  text: string;
  /** The perturbation applied, if any. */
  kind?: DeviationKind;
  stopReason?: "max_tokens";
  /** The conversation: model, system and messages (not max_tokens, which a retry raises). */
  conversation: string;
  maxTokens: number;
  /** This request retries, with a larger budget, a reply that was served cut: it is served whole. */
  retriesCut: boolean;
}

export interface MessyLogEntry {
  requestId: string;
  agent: string;
  kind: DeviationKind;
}

/** Entries kept in the log, and cut conversations remembered, at most. */
export const MESSY_LOG_LIMIT = 10_000;

function conversationOf(model: string, body: MessagesBody): string {
  return createHash("sha256")
    .update(JSON.stringify([model, body.system ?? null, body.messages]))
    .digest("hex");
}

/**
 * Chooses which replies are served messy, and how. Draws come from seeded streams per agent (like
 * the fault draws, and apart from them: adding messy replies does not move a seed's faults). A
 * reply served cut (`truncated`) is remembered by conversation, so that the harness's retry of it
 * with a larger max_tokens gets the whole reply, as it would from a model given room to finish.
 */
export class MessyPicker {
  private readonly dice: FaultDice;
  private readonly kinds: readonly DeviationKind[];
  private readonly cut = new Map<string, number>();
  private readonly byKind: Partial<Record<DeviationKind, number>> = {};
  private entries: MessyLogEntry[] = [];

  constructor(
    private readonly spec: MessySpec | undefined,
    seed: number,
  ) {
    if (spec) validateMessy(spec);
    this.kinds = spec?.kinds ?? DEVIATION_KINDS;
    this.dice = new FaultDice(seed);
  }

  /** Three draws per call, whether or not the reply ends up messy. */
  draw(agent: string): MessyDraw {
    const stream = `messy\u0000${agent}`;
    return { hit: this.dice.roll(stream), kind: this.dice.roll(stream), seed: this.dice.roll(stream) };
  }

  /**
   * The reply to serve: `forced` (a scenario rule's kind) always, else a kind drawn at the rate;
   * a kind that does not apply to the reply gives way to the next ones (a forced kind to none).
   * Only replies holding a `<message` are perturbed.
   */
  plan(
    request: { model: string; body: MessagesBody },
    text: string,
    forced: DeviationKind | undefined,
    draw: MessyDraw,
  ): MessyPlan {
    const conversation = conversationOf(request.model, request.body);
    const maxTokens = request.body.max_tokens;
    const cutAt = this.cut.get(conversation);
    const base = { text, conversation, maxTokens, retriesCut: false };
    if (cutAt !== undefined && maxTokens > cutAt) return { ...base, retriesCut: true };
    if (!text.includes("<message")) return base;
    const order = forced ? [forced] : this.drawn(draw);
    const random = mulberry32(Math.floor(draw.seed * 2 ** 32));
    for (const kind of order) {
      const mutation = mutate(text, kind, random);
      if (mutation) return { ...base, ...mutation, kind };
    }
    return base;
  }

  /** The kinds to try for a draw: none unless it hits the rate; the drawn kind, then those after it. */
  private drawn(draw: MessyDraw): DeviationKind[] {
    if (!this.spec || !(draw.hit < this.spec.rate)) return [];
    const n = this.kinds.length;
    const first = Math.min(n - 1, Math.floor(draw.kind * n));
    return Array.from({ length: n }, (_, i) => this.kinds[(first + i) % n]!);
  }

  /** Records a plan once its reply has been served (not when it was rate-limited instead). */
  record(plan: MessyPlan, requestId: string, agent: string): void {
    if (plan.retriesCut) this.cut.delete(plan.conversation);
    if (!plan.kind) return;
    this.byKind[plan.kind] = (this.byKind[plan.kind] ?? 0) + 1;
    this.entries.push({ requestId, agent, kind: plan.kind });
    if (this.entries.length > 2 * MESSY_LOG_LIMIT) this.entries = this.entries.slice(-MESSY_LOG_LIMIT);
    if (plan.stopReason === "max_tokens") {
      this.cut.delete(plan.conversation);
      this.cut.set(plan.conversation, plan.maxTokens);
      if (this.cut.size > MESSY_LOG_LIMIT) this.cut.delete(this.cut.keys().next().value!);
    }
  }

  counts(): Partial<Record<DeviationKind, number>> {
    return { ...this.byKind };
  }

  log(): MessyLogEntry[] {
    return this.entries.slice(-MESSY_LOG_LIMIT);
  }
}
