import { FAILSAFE_SCHEMA, load as loadFast, Type } from "js-yaml";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import type { Problem } from "./problem.js";

/**
 * YAML parsed with its source positions kept, so that schema errors can point at the line and
 * column of the offending value rather than just the file.
 */
export interface YamlSource {
  file: string;
  value: unknown;
  /** 1-based line and column of the node at `path`, or of its nearest existing ancestor. */
  positionOf(path: ReadonlyArray<PropertyKey>): { line: number; column: number } | undefined;
  /** Syntax errors, already as problems; `value` is unusable when this is non-empty. */
  syntaxProblems: Problem[];
}

export interface ParseYamlOptions {
  /** Added to every reported line, for YAML embedded in a larger file (front matter). */
  lineOffset?: number;
}

/**
 * Parses YAML to a value fast (js-yaml, YAML 1.2 core schema) and builds the positioned document
 * (the yaml package, several times slower) only when a position is asked for, that is on an error
 * path. Input js-yaml rejects goes straight to the positioned parser, whose errors carry line and
 * column. Both parsers give the same values for the same text (checked by a property test).
 */
export function parseYaml(text: string, file: string, options: ParseYamlOptions = {}): YamlSource {
  // Aliases go to the yaml package, which bounds their expansion (maxAliasCount); js-yaml shares
  // the aliased node, and a chain of them would make validation walk it exponentially often.
  if (ALIAS.test(text)) return parseYamlDocument(text, file, options);
  let value: unknown;
  try {
    value = loadFast(text, { schema: CORE_1_2, filename: file }) ?? null;
  } catch {
    return parseYamlDocument(text, file, options);
  }
  let positioned: YamlSource | undefined;
  return {
    file,
    value,
    syntaxProblems: [],
    positionOf: (path) => {
      positioned ??= parseYamlDocument(text, file, options);
      return positioned.positionOf(path);
    },
  };
}

/**
 * The YAML 1.2 core schema, exactly as the yaml package applies it. js-yaml's CORE_SCHEMA keeps
 * YAML 1.1 habits (`1_000` and `._0` are numbers, `0b101` is binary), which would give a key or a
 * value another meaning than the positioned parser gives it.
 */
const scalar = (tag: string, pattern: RegExp, construct: (text: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (text: string | null) => pattern.test(text ?? ""),
    construct: (text: string | null) => construct(text ?? ""),
  });
const CORE_1_2 = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar("null", /^(?:~|null|Null|NULL|)$/, () => null),
    scalar("bool", /^(?:true|True|TRUE|false|False|FALSE)$/, (t) => t[0] === "t" || t[0] === "T"),
    scalar("int", /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/, (t) =>
      t.startsWith("0o")
        ? Number.parseInt(t.slice(2), 8)
        : t.startsWith("0x")
          ? Number.parseInt(t.slice(2), 16)
          : Number(t),
    ),
    scalar(
      "float",
      /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
      (t) =>
        /\.(?:nan|NaN|NAN)$/.test(t)
          ? Number.NaN
          : /inf$/i.test(t)
            ? t[0] === "-"
              ? -Infinity
              : Infinity
            : Number(t),
    ),
  ],
});

/** An alias (`*name`) where YAML allows one; a false positive only costs the slower parser. */
const ALIAS = /(^|[\s,[{:-])\*[^\s,\]}]/m;

/** Parses YAML with the yaml package, keeping every node's source position. */
export function parseYamlDocument(text: string, file: string, options: ParseYamlOptions = {}): YamlSource {
  const lineOffset = options.lineOffset ?? 0;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const toPos = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + lineOffset, column: pos.col };
  };
  const syntaxProblems: Problem[] = doc.errors.map((err) => {
    const pos = toPos(err.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.column,
      message: `invalid YAML: ${firstLine(err.message)}`,
      fix: "correct the YAML syntax at this position (indentation, quoting, a missing colon)",
    };
  });
  let value: unknown;
  if (syntaxProblems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // The yaml package refuses alias chains that would expand without bound (billion laughs).
      syntaxProblems.push({
        file,
        ...toPos(0),
        message: `invalid YAML: ${firstLine((err as Error).message)}`,
        fix: "use fewer aliases (*name), or repeat the values instead",
      });
    }
  }

  function positionOf(path: ReadonlyArray<PropertyKey>) {
    let node: Node | null | undefined = doc.contents as Node | null;
    let best = node?.range ? node.range[0] : undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (keyNode.range) best = keyNode.range[0];
        node = pair.value as Node | null;
        if (node?.range) best = node.range[0];
      } else if (isSeq(node) && typeof key === "number") {
        const item = node.items[key] as Node | undefined;
        if (!item) break;
        node = item;
        if (node.range) best = node.range[0];
      } else {
        break;
      }
    }
    return best === undefined ? undefined : toPos(best);
  }

  return { file, value, positionOf, syntaxProblems };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** Turns zod issues into problems positioned in the YAML source. */
export function zodIssuesToProblems(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  source: YamlSource,
  fieldPrefix: ReadonlyArray<PropertyKey> = [],
): Problem[] {
  return issues.map((issue) => {
    const path = [...fieldPrefix, ...issue.path];
    const pos = source.positionOf(path);
    const problem: Problem = {
      file: source.file,
      field: path.length > 0 ? path.map(String).join(".") : undefined,
      message: issue.message,
    };
    if (pos) {
      problem.line = pos.line;
      problem.column = pos.column;
    }
    const expected = expectedOf(issue);
    if (expected) problem.expected = expected;
    return problem;
  });
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `none of ${issue.keys.join(", ")}`;
    default:
      return undefined;
  }
}
