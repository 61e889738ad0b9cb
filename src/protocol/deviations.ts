/**
 * The ways a reply departs from the protocol while its meaning can still be read, by name. These
 * names are a contract: summary.json (`protocol.deviations`), results.jsonl and the reports use
 * them. This list is the one place that defines them.
 */
export const DEVIATION_KINDS = [
  "fenced",
  "prose-around",
  "markup-in-text",
  "enum-case",
  "number-format",
  "unknown-element",
  "multiple-messages",
  "truncated",
  "unrecoverable",
] as const;

export type DeviationKind = (typeof DEVIATION_KINDS)[number];

/** One line per kind, for reports and `--help`. */
export const DEVIATION_MEANINGS: Record<DeviationKind, string> = {
  fenced: "the message is wrapped in a Markdown code fence",
  "prose-around": "text before or after the message",
  "markup-in-text": "raw <, > or & (or tag names) inside a text field, read as text",
  "enum-case": "an enumerated value in another case or spelling (High, Complete, in_progress)",
  "number-format": "a number written another way (85%, 0.85 (high), a line range 12-14)",
  "unknown-element": "an element or attribute the protocol does not know, set aside",
  "multiple-messages": "more than one message; the last one the agent may send is acted on",
  truncated: "the reply stopped at max_tokens",
  unrecoverable: "no message can be read without guessing",
};

export interface Deviation {
  kind: DeviationKind;
  /** Where, e.g. `message.findings.finding[0].@severity`, or `(document)`. */
  path: string;
  /** What was found and what it was read as. */
  detail: string;
}

export function isDeviationKind(value: string): value is DeviationKind {
  return (DEVIATION_KINDS as readonly string[]).includes(value);
}
