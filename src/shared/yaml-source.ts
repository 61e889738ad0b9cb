import { FAILSAFE_SCHEMA, type State as JsYamlState, load as loadFast, Type } from "js-yaml";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { MAX_PROBLEMS_PER_FILE, oneLine, type Problem } from "./problem.js";

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
 * Parses YAML to a value fast (js-yaml, YAML 1.2 core schema). Positions are computed only when one
 * is asked for, that is on an error path, by a second js-yaml pass that keeps the start offset of
 * every node and nothing else ({@link indexPositions}): the yaml package's positioned document
 * takes a hundred times the file's size in memory (130 MB for a 1 MB suite), which made a large
 * file with many errors cost half a gigabyte. Input js-yaml rejects goes straight to the positioned
 * parser, whose errors carry line and column. Both give the same values and the same positions for
 * the same text (checked by property tests).
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
  let locate:
    | ((path: ReadonlyArray<PropertyKey>) => { line: number; column: number } | undefined)
    | undefined;
  return {
    file,
    value,
    syntaxProblems: [],
    positionOf: (path) => {
      if (!locate) {
        const index = indexPositions(text);
        if (index === UNINDEXED) {
          const positioned = parseYamlDocument(text, file, options);
          locate = positioned.positionOf;
        } else {
          const toPos = lineColumn(text, options.lineOffset ?? 0);
          locate = (p) => {
            const offset = offsetOf(index, p);
            return offset === undefined ? undefined : toPos(offset);
          };
        }
      }
      return locate(path);
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

/**
 * A node of the position index: a scalar or an empty node is its start offset alone, so that the
 * index of a large file is a few numbers per node.
 */
type Located = number | LocatedMap | LocatedSeq;
interface LocatedMap {
  start: number;
  keys: string[];
  values: Located[];
}
interface LocatedSeq {
  start: number;
  items: Located[];
}

/** The index cannot describe this text: the positioned document must answer. */
const UNINDEXED = Symbol("unindexed");

/** A node being read: its children so far, with the kind js-yaml gave each (allocated on the first). */
interface Frame {
  open: number;
  nodes: Located[] | null;
  kinds: Array<string | null>;
  /** The value of every other child as a string: the keys, if this node turns out a mapping. */
  names: string[];
  /** The value of the first child, to recognize a node that is its own first child. */
  first: unknown;
}

/**
 * Start offsets of every node of `text` (which js-yaml accepts), the same the yaml package's
 * positioned document gives, from one js-yaml pass with its open/close listener. js-yaml reports a
 * node's children in order: a mapping's as key, value, key, value. Where the children do not line
 * up with the value (explicit `? key` entries, a `[k: v]` pair in a flow sequence, an empty `-`
 * item, which js-yaml reads without an event), the index gives up and says so rather than point
 * at the wrong line. `null` is a document without a node. The index keeps a number per scalar and
 * exact-size arrays per collection, with keys shared: about 5% of the positioned document.
 */
export function indexPositions(text: string): Located | null | typeof UNINDEXED {
  // js-yaml drops a byte-order mark before reading: its offsets are one short of the text's.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const frame = (open: number): Frame => ({ open, nodes: null, kinds: [], names: [], first: undefined });
  const stack: Frame[] = [frame(0)];
  const interned = new Map<string, string>();
  const intern = (key: string) => {
    const known = interned.get(key);
    if (known !== undefined) return known;
    interned.set(key, key);
    return key;
  };
  let indexed = true;
  const listener = (event: "open" | "close", state: JsYamlState) => {
    if (event === "open") {
      stack.push(frame(state.position + shift));
      return;
    }
    const current = stack.pop()!;
    const parent = stack[stack.length - 1]!;
    const kind: string | null = state.kind ?? null;
    const result: unknown = state.result;
    const nodes = current.nodes ?? [];
    let node: Located;
    if (nodes.length === 1 && current.kinds[0] === kind && Object.is(current.first, result)) {
      // js-yaml reads a would-be mapping key and keeps it as the node when no `:` follows.
      node = nodes[0]!;
    } else if (kind === "mapping") {
      let n = nodes.length;
      if (n % 2 === 1) {
        // A block mapping ends with a failed attempt at one more key when a line does not continue
        // it; any other odd child out is an entry this index cannot follow.
        if (current.kinds[n - 1] !== null) indexed = false;
        n--;
      }
      if (n !== 2 * Object.keys(result as object).length) indexed = false;
      // Keys' own offsets are not kept: every value has a node (an empty one too), and a path
      // through a key ends at its value, as in the positioned document.
      const values: Located[] = new Array(n / 2);
      for (let i = 0; i + 1 < n; i += 2) {
        if (typeof nodes[i] !== "number" || current.kinds[i] !== "scalar") indexed = false;
        values[i / 2] = nodes[i + 1]!;
      }
      node = { start: contentStart(text, current.open), keys: current.names.slice(0, n / 2), values };
    } else if (kind === "sequence") {
      if (nodes.length !== (result as unknown[]).length) indexed = false;
      node = { start: contentStart(text, current.open), items: nodes.slice() };
    } else if (kind === "scalar") {
      node = contentStart(text, current.open);
    } else {
      node = emptyStart(text, current.open);
    }
    if (parent.nodes === null) {
      parent.nodes = [];
      parent.first = result;
    }
    if (parent.nodes.length % 2 === 0) {
      parent.names.push(typeof result === "object" && result !== null ? "" : intern(String(result)));
    }
    parent.nodes.push(node);
    parent.kinds.push(kind);
  };
  try {
    loadFast(text, { schema: CORE_1_2, listener });
  } catch {
    return UNINDEXED;
  }
  const root = stack[0]!;
  if (!indexed || root.nodes?.length !== 1) return UNINDEXED;
  return root.kinds[0] === null ? null : root.nodes[0]!;
}

/** Where a node read from `offset` starts: past spaces, line breaks, comments, a tag or an anchor. */
function contentStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) i++;
    else if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x21 /* ! */ || c === 0x26 /* & */) {
      // No scalar starts with these indicators: they begin a tag or an anchor, which ends at a space.
      while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    } else break;
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Where the yaml package places an empty node: after the indicator, the spaces that follow it and
 * a tag or an anchor on the same line (`key: !!str`).
 */
function emptyStart(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) i++;
    else if (c === 0x21 /* ! */ || c === 0x26 /* & */) {
      while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    } else return i;
  }
}

/** Offset of the node at `path`, or of its nearest existing ancestor (as the positioned document). */
function offsetOf(root: Located | null, path: ReadonlyArray<PropertyKey>): number | undefined {
  if (root === null) return undefined;
  let node: Located = root;
  let best = startOf(node);
  for (const key of path) {
    if (typeof node === "number") break;
    if ("keys" in node) {
      const i = node.keys.indexOf(String(key));
      if (i === -1) break;
      node = node.values[i]!;
      best = startOf(node);
    } else if (typeof key === "number") {
      const item = node.items[key];
      if (item === undefined) break;
      node = item;
      best = startOf(node);
    } else break;
  }
  return best;
}

function startOf(node: Located): number {
  return typeof node === "number" ? node : node.start;
}

/** Offset to 1-based line and column, counting lines as the yaml package's LineCounter does. */
function lineColumn(text: string, lineOffset: number): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1 + lineOffset, column: offset - starts[lo]! + 1 };
  };
}

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
      message: `invalid YAML: ${excerpt(err.message)}`,
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
        message: `invalid YAML: ${excerpt((err as Error).message)}`,
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

/** Longest parser message kept: the yaml package quotes the offending token, which can be the whole file. */
const MAX_SYNTAX_MESSAGE = 160;

function excerpt(message: string): string {
  const end = message.indexOf("\n");
  return oneLine(end === -1 ? message : message.slice(0, end), MAX_SYNTAX_MESSAGE);
}

/**
 * Turns zod issues into problems positioned in the YAML source. Only the first `positioned`
 * problems get a line and column (the ones that are printed, see MAX_PROBLEMS_PER_FILE): a file
 * with thousands of errors does not pay for the positions of problems nobody sees.
 */
export function zodIssuesToProblems(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  source: YamlSource,
  fieldPrefix: ReadonlyArray<PropertyKey> = [],
  positioned: number = MAX_PROBLEMS_PER_FILE,
): Problem[] {
  return issues
    .flatMap((issue) => narrowUnion(issue, []))
    .map((issue, i) => {
      const path = [...fieldPrefix, ...issue.path];
      const problem: Problem = {
        file: source.file,
        field: path.length > 0 ? path.map(String).join(".") : undefined,
        message: issue.message,
      };
      const pos = i < positioned ? source.positionOf(path) : undefined;
      if (pos) {
        problem.line = pos.line;
        problem.column = pos.column;
      }
      const expected = expectedOf(issue);
      if (expected) problem.expected = expected;
      return problem;
    });
}

/**
 * A value that matches none of a union's options gets one issue from zod, whose message (the
 * union's own, see src/shared/schema-messages.ts) lists the options. When exactly one option
 * accepts every key the value has and its type, that is the one the author meant: its own issues
 * (`input.task: expected string`) say more than the list does.
 */
function narrowUnion(issue: z.core.$ZodIssue, prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [{ ...issue, path }];
  const meant = issue.errors.filter(
    (errors) =>
      errors.length > 0 &&
      !errors.some(
        (e) => e.path.length === 0 && (e.code === "unrecognized_keys" || e.code === "invalid_type"),
      ),
  );
  if (meant.length !== 1) return [{ ...issue, path }];
  return meant[0]!.flatMap((inner) => narrowUnion(inner, path));
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
