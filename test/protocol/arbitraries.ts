import fc from "fast-check";
import type { Message } from "../../src/protocol/index.js";
import { DELIVERABLE_KINDS, ESCALATION_REASONS, PRIORITIES, SEVERITIES } from "../../src/protocol/index.js";

/** Text as agents write it: any unicode, markup characters, CDATA terminators, newlines; trimmed, non-empty. */
const text = fc
  .string({
    unit: fc.constantFrom(
      "a",
      "Z",
      "0",
      " ",
      "\n",
      "<",
      ">",
      "&",
      '"',
      "'",
      "]]>",
      "]",
      "é",
      "漢",
      "🙂",
      "\t",
      "x",
    ),
    minLength: 1,
    maxLength: 40,
  })
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const id = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,20}$/);
const decimal = fc.oneof(
  fc.constantFrom("0", "1", "0.5", "1.0", "0.85", "0.100", "0.10"),
  fc.integer({ min: 0, max: 999 }).map((n) => `0.${n}`),
);
const envelope = fc
  .record({ id, from: name, to: name }, { requiredKeys: ["id", "from", "to"] })
  .chain((e) =>
    fc.option(id, { nil: undefined }).map((inReplyTo) => (inReplyTo === undefined ? e : { ...e, inReplyTo })),
  );
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const strip = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc
    .tuple(
      envelope,
      fc.record({
        objective: text,
        files: fc.array(
          fc.record({
            path: text,
            trust: fc.constantFrom("trusted" as const, "untrusted" as const),
            content: text,
          }),
          { maxLength: 3 },
        ),
        facts: fc.array(text, { maxLength: 3 }),
        constraints: fc.array(text, { maxLength: 3 }),
        acceptanceCriteria: fc.array(text, { minLength: 1, maxLength: 3 }),
        priority: fc.constantFrom(...PRIORITIES),
      }),
    )
    .map(([e, b]) => ({
      type: "task-assignment" as const,
      ...e,
      objective: b.objective,
      context: { files: b.files, facts: b.facts },
      constraints: b.constraints,
      acceptanceCriteria: b.acceptanceCriteria,
      priority: b.priority,
    })),
  fc
    .tuple(
      envelope,
      fc.record({
        state: fc.constantFrom("in-progress" as const, "blocked" as const),
        progress: opt(fc.integer({ min: 0, max: 100 }).map(String)),
        note: text,
      }),
    )
    .map(([e, b]) => strip({ type: "status-update" as const, ...e, ...b })),
  fc
    .tuple(
      envelope,
      fc.record({
        status: fc.constantFrom("complete" as const, "partial" as const),
        confidence: decimal,
        summary: text,
        deliverables: fc.array(
          fc
            .record({ kind: fc.constantFrom(...DELIVERABLE_KINDS), path: opt(text), content: text })
            .map(strip),
          { maxLength: 3 },
        ),
        findings: fc.array(
          fc
            .record({
              severity: fc.constantFrom(...SEVERITIES),
              cwe: opt(fc.integer({ min: 1, max: 1400 }).map((n) => `CWE-${n}`)),
              file: opt(text),
              line: opt(fc.integer({ min: 1, max: 9999 }).map(String)),
              text,
            })
            .map(strip),
          { maxLength: 4 },
        ),
        plan: fc.array(
          fc.record({
            id,
            to: name,
            priority: fc.constantFrom(...PRIORITIES),
            dependsOn: fc.array(id, { maxLength: 2 }),
            objective: text,
            acceptanceCriteria: fc.array(text, { minLength: 1, maxLength: 2 }),
            constraints: fc.array(text, { maxLength: 2 }),
          }),
          { maxLength: 3 },
        ),
      }),
    )
    .map(([e, b]) => ({ type: "result" as const, ...e, ...b })),
  fc
    .tuple(
      envelope,
      fc.record({
        reason: fc.constantFrom(...ESCALATION_REASONS),
        target: name,
        summary: text,
        attempted: opt(text),
      }),
    )
    .map(([e, b]) => strip({ type: "escalation" as const, ...e, ...b })),
  fc
    .tuple(
      envelope,
      fc.record({
        code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/),
        retryable: fc.constantFrom("true" as const, "false" as const),
        detail: text,
      }),
    )
    .map(([e, b]) => ({ type: "error" as const, ...e, ...b })),
) as fc.Arbitrary<Message>;
