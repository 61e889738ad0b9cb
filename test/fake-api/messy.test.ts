import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/fake-api/index.js";
import { INJECTED_MARKUP, mutate } from "../../src/fake-api/messy.js";
import { mulberry32 } from "../../src/fake-api/prng.js";
import {
  buildMessage,
  DEVIATION_KINDS,
  type DeviationKind,
  deviationKinds,
  type Message,
  readReply,
} from "../../src/protocol/index.js";
import { repoRoot } from "../helpers/cli.js";
import { messageArb } from "../protocol/arbitraries.js";

/** The answers a specialist may send, as the harness reads them. */
const SPECIALIST = ["result", "status-update", "escalation", "error"];
const RUNS = { seed: 42, numRuns: 200 };
const RECOVERABLE = DEVIATION_KINDS.filter((k) => k !== "truncated" && k !== "unrecoverable");

const read = (text: string, stopReason?: "max_tokens") =>
  readReply(text, { allowedTypes: SPECIALIST, ...(stopReason ? { stopReason } : {}) });

/** The message with INJECTED_MARKUP appended to its main text, as markup-in-text does when nothing else fits. */
function injected(message: Message): Message | undefined {
  const m = structuredClone(message) as Message & Record<string, unknown>;
  for (const key of ["summary", "note", "detail", "objective"]) {
    if (typeof m[key] === "string") {
      m[key] = `${m[key]}${INJECTED_MARKUP}`;
      return m;
    }
  }
  return undefined;
}

const sample = fc.tuple(messageArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }));

describe("messy replies: each mutation reads as exactly its deviation", () => {
  for (const kind of RECOVERABLE) {
    it(`${kind}: recovers the original message`, () => {
      let applied = 0;
      let injections = 0;
      fc.assert(
        fc.property(sample, ([message, seed]) => {
          const text = buildMessage(message);
          expect(read(text).compliant).toBe(true);
          const mutation = mutate(text, kind, mulberry32(seed));
          if (!mutation) return;
          applied++;
          expect(mutation.stopReason).toBeUndefined();
          const reading = read(mutation.text);
          expect(reading.compliant).toBe(false);
          expect(deviationKinds(reading)).toEqual([kind]);
          if (kind === "markup-in-text" && mutation.text.includes(INJECTED_MARKUP)) {
            injections++;
            expect(reading.message).toEqual(injected(message));
          } else {
            expect(reading.message).toEqual(message);
          }
        }),
        RUNS,
      );
      // A mutation that never applies would pass the property vacuously.
      expect(applied).toBeGreaterThan(RUNS.numRuns / 4);
      if (kind === "markup-in-text") {
        expect(injections).toBeGreaterThan(0);
        expect(applied - injections).toBeGreaterThan(0);
      }
    });
  }

  it("truncated: cut before </message>, at max_tokens, reads as no message", () => {
    let applied = 0;
    fc.assert(
      fc.property(sample, ([message, seed]) => {
        const text = buildMessage(message);
        const mutation = mutate(text, "truncated", mulberry32(seed));
        if (!mutation) return;
        applied++;
        expect(mutation.stopReason).toBe("max_tokens");
        expect(mutation.text).not.toContain("</message>");
        expect(text.startsWith(mutation.text)).toBe(true);
        const length = Array.from(text).length;
        const cut = Array.from(mutation.text).length;
        expect(cut).toBeGreaterThanOrEqual(Math.ceil(length * 0.4));
        expect(cut).toBeLessThanOrEqual(Math.floor(length * 0.8));
        const reading = read(mutation.text, "max_tokens");
        expect(reading.message).toBeUndefined();
        expect(deviationKinds(reading)).toEqual(["truncated"]);
      }),
      RUNS,
    );
    expect(applied).toBe(RUNS.numRuns);
  });

  it("unrecoverable: prose or a message missing a required element, read as nothing", () => {
    const shapes = new Set<string>();
    fc.assert(
      fc.property(sample, ([message, seed]) => {
        const mutation = mutate(buildMessage(message), "unrecoverable", mulberry32(seed));
        expect(mutation).toBeDefined();
        shapes.add(mutation!.text.includes("<message") ? "message" : "prose");
        const reading = read(mutation!.text);
        expect(reading.message).toBeUndefined();
        expect(deviationKinds(reading)).toEqual(["unrecoverable"]);
      }),
      RUNS,
    );
    expect([...shapes].sort()).toEqual(["message", "prose"]);
  });

  it("no mutation makes the reader throw, whatever the kind and reply", () => {
    fc.assert(
      fc.property(
        sample,
        fc.constantFrom(...DEVIATION_KINDS),
        fc.constantFrom(...DEVIATION_KINDS),
        ([message, seed], first, second) => {
          const random = mulberry32(seed);
          const once = mutate(buildMessage(message), first, random);
          // A second perturbation over the first: replies messy in two ways at once.
          const twice = once ? mutate(once.text, second, random) : undefined;
          for (const m of [once, twice]) {
            if (m) expect(() => read(m.text, m.stopReason)).not.toThrow();
          }
        },
      ),
      RUNS,
    );
  });

  it("is a function of the text and the random sequence", () => {
    fc.assert(
      fc.property(sample, fc.constantFrom(...DEVIATION_KINDS), ([message, seed], kind: DeviationKind) => {
        const text = buildMessage(message);
        expect(mutate(text, kind, mulberry32(seed))).toEqual(mutate(text, kind, mulberry32(seed)));
      }),
      RUNS,
    );
  });

  it("holds on the hand-written replies of the shipped scenarios too", () => {
    const dir = join(repoRoot, "fixtures/scenarios");
    const replies = readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => loadScenario(join(dir, f)).rules.flatMap((r) => (r.reply ? [r.reply] : [])))
      .map((reply) =>
        reply
          .replace(/\{\{\s*agent\s*\}\}/g, "api-tester")
          .replace(/\{\{\s*sender\s*\}\}/g, "qa-lead")
          .replace(/\{\{\s*\w+\s*\}\}/g, "t-1"),
      );
    const compliant = replies.flatMap((text) => {
      const reading = read(text);
      return reading.compliant && reading.message ? [{ text, message: reading.message }] : [];
    });
    expect(compliant.length).toBeGreaterThan(100);
    for (const { text, message } of compliant) {
      for (const kind of DEVIATION_KINDS) {
        for (let seed = 0; seed < 3; seed++) {
          const mutation = mutate(text, kind, mulberry32(seed));
          if (!mutation) continue;
          const reading = read(mutation.text, mutation.stopReason);
          expect(deviationKinds(reading), `${kind} of ${text.slice(0, 80)}`).toEqual([kind]);
          if (kind === "truncated" || kind === "unrecoverable") expect(reading.message).toBeUndefined();
          else if (!mutation.text.includes(INJECTED_MARKUP)) expect(reading.message).toEqual(message);
        }
      }
    }
  });

  it("writes no text raw that would then read as something else, and injects markup instead", () => {
    const summaries = [
      "close it with </summary> here",
      "drop the <!-- debug --> comment",
      "the view starts with <?php echo 1; ?>",
      "a <message type='x'> inside",
      "write &lt; for <",
      "the letter &#65; & more",
    ];
    for (const summary of summaries) {
      const message: Message = {
        type: "result",
        id: "r-1",
        from: "py-dev",
        to: "backend-lead",
        status: "complete",
        confidence: "0.9",
        summary,
        deliverables: [],
        findings: [],
        plan: [],
      };
      const text = buildMessage(message);
      expect(text).toContain("<![CDATA[");
      const mutation = mutate(text, "markup-in-text", mulberry32(1));
      expect(mutation?.text, summary).toContain(`]]>${INJECTED_MARKUP}</summary>`);
      const reading = read(mutation!.text);
      expect(deviationKinds(reading)).toEqual(["markup-in-text"]);
      expect(reading.message).toEqual(injected(message));
    }
  });
});
