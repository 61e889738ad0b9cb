import type { Deviation } from "./deviations.js";
import { DELIVERABLE_KINDS, ESCALATION_REASONS, MESSAGE_TYPES, PRIORITIES, SEVERITIES } from "./schemas.js";
import type { XmlElement } from "./xml.js";

/**
 * The `enum-case` and `number-format` readings: values whose meaning is plain though they are not
 * written as the protocol says (`High`, `Complete`, `in_progress`, `85%`, `0.85 (high)`, a line
 * range `12-14`). Each is rewritten in place on the element tree, before the message is decoded,
 * only when exactly one protocol value fits; anything else is left for the schema to refuse.
 */

const ENUM_TEXT: Record<string, readonly string[]> = {
  priority: PRIORITIES,
  state: ["in-progress", "blocked"],
  status: ["complete", "partial"],
  reason: ESCALATION_REASONS,
  retryable: ["true", "false"],
};

const ENUM_ATTRS: Record<string, Record<string, readonly string[]>> = {
  message: { type: MESSAGE_TYPES },
  file: { trust: ["trusted", "untrusted"] },
  deliverable: { kind: DELIVERABLE_KINDS },
  finding: { severity: SEVERITIES },
  task: { priority: PRIORITIES },
};

const DECIMAL_01 = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/;
const PERCENT = /^(100|[1-9]?\d)$/;
const POSITIVE = /^[1-9]\d*$/;
const CODE = /^[A-Z][A-Z0-9_]*$/;
const CWE = /^CWE-\d+$/;

/** The one allowed value this spelling stands for (case, `_` and spaces aside), if exactly one. */
export function enumValue(value: string, allowed: readonly string[]): string | undefined {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
  const hits = allowed.filter((a) => a === key);
  return hits.length === 1 ? hits[0] : undefined;
}

/** `85` (percent) as a decimal string, by moving the point: no binary rounding (`33.3` gives `0.333`). */
function percentToDecimal(percent: string): string {
  const [whole = "0", frac = ""] = percent.split(".");
  const digits = whole.replace(/^0+/, "").padStart(3, "0");
  const text = `${digits.slice(0, -2)}.${digits.slice(-2)}${frac}`.replace(/^0+(?=\d)/, "");
  const trimmed = text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  return trimmed.startsWith(".") ? `0${trimmed}` : trimmed;
}

/** A confidence written as `85%`, `0.85 (high)` or `0.85 high`, as the decimal it states. */
export function confidenceValue(value: string): string | undefined {
  const v = value.trim();
  const pct = /^(\d{1,3}(?:\.\d+)?)\s*%$/.exec(v);
  if (pct) {
    const decimal = percentToDecimal(pct[1]!);
    return DECIMAL_01.test(decimal) ? decimal : undefined;
  }
  const worded = /^(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)\s*(?:\([^()]*\)|[A-Za-z][A-Za-z -]*)$/.exec(v);
  return worded ? worded[1] : undefined;
}

/** A progress written as `40%` or `40 %`. */
export function progressValue(value: string): string | undefined {
  const m = /^(\d{1,3})\s*%$/.exec(value.trim());
  return m && PERCENT.test(m[1]!) ? m[1] : undefined;
}

/** A line written as `L12`, `line 12`, or a range or list starting there (`12-14`, `12, 30`): its first line. */
export function lineValue(value: string): string | undefined {
  const m = /^(?:line\s*|l)?(\d+)(?:\s*(?:[-–—:,]|to|and)\s*(?:line\s*|l)?\d+)*$/i.exec(value.trim());
  return m && POSITIVE.test(m[1]!) ? m[1] : undefined;
}

/** An error code written `protocol_violation` or `Protocol-Violation`, in UPPER_SNAKE_CASE. */
export function codeValue(value: string): string | undefined {
  const key = value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, "_");
  return CODE.test(key) ? key : undefined;
}

/** A CWE id written `cwe-89`, `CWE 89`, `CWE89` or `89`. */
export function cweValue(value: string): string | undefined {
  const m = /^(?:cwe[\s_-]*)?(\d+)$/i.exec(value.trim());
  return m ? `CWE-${m[1]}` : undefined;
}

interface Rule {
  valid: (v: string) => boolean;
  read: (v: string) => string | undefined;
  kind: Deviation["kind"];
}

const enumRule = (allowed: readonly string[]): Rule => ({
  valid: (v) => allowed.includes(v),
  read: (v) => enumValue(v, allowed),
  kind: "enum-case",
});

const TEXT_RULES: Record<string, Rule> = {
  ...Object.fromEntries(Object.entries(ENUM_TEXT).map(([name, allowed]) => [name, enumRule(allowed)])),
  code: { valid: (v) => CODE.test(v), read: codeValue, kind: "enum-case" },
  confidence: { valid: (v) => DECIMAL_01.test(v), read: confidenceValue, kind: "number-format" },
  progress: { valid: (v) => PERCENT.test(v), read: progressValue, kind: "number-format" },
};

const ATTR_RULES: Record<string, Record<string, Rule>> = {
  ...Object.fromEntries(
    Object.entries(ENUM_ATTRS).map(([element, attrs]) => [
      element,
      Object.fromEntries(Object.entries(attrs).map(([attr, allowed]) => [attr, enumRule(allowed)])),
    ]),
  ),
};
ATTR_RULES.finding = {
  ...ATTR_RULES.finding,
  line: { valid: (v) => POSITIVE.test(v), read: lineValue, kind: "number-format" },
  cwe: { valid: (v) => CWE.test(v), read: cweValue, kind: "enum-case" },
};

/** Rewrites, in place, the values of `root` that have exactly one protocol reading; each is a deviation. */
export function normalizeValues(root: XmlElement, out: Deviation[]): void {
  const walk = (el: XmlElement, path: string) => {
    const attrRules = ATTR_RULES[el.name];
    if (attrRules) {
      for (const [attr, rule] of Object.entries(attrRules)) {
        const value = el.attrs[attr];
        if (value === undefined || rule.valid(value)) continue;
        const read = rule.read(value);
        if (read === undefined) continue;
        el.attrs[attr] = read;
        out.push({
          kind: rule.kind,
          path: `${path}.@${attr}`,
          detail: `${JSON.stringify(value)} read as ${JSON.stringify(read)}`,
        });
      }
    }
    const textRule = path === "message" ? undefined : TEXT_RULES[el.name];
    if (textRule && el.children.size === 0 && el.text !== "" && !textRule.valid(el.text)) {
      const read = textRule.read(el.text);
      if (read !== undefined) {
        out.push({
          kind: textRule.kind,
          path,
          detail: `${JSON.stringify(el.text)} read as ${JSON.stringify(read)}`,
        });
        el.text = read;
      }
    }
    for (const [name, children] of el.children) {
      const listed = children.length > 1 || LISTED.has(name);
      children.forEach((child, i) => {
        walk(child, `${path}.${name}${listed ? `[${i}]` : ""}`);
      });
    }
  };
  walk(root, "message");
}

const LISTED = new Set(["file", "fact", "constraint", "criterion", "deliverable", "finding", "task"]);
