import type { XmlElement } from "./xml.js";

export interface Violation {
  /** Where, e.g. `message.findings.finding[1].@severity`. */
  path: string;
  expected: string;
  found: string;
  message: string;
}

/** Which children and attributes each element may have, and how it maps to the typed message. */
type Reader = (el: XmlElement, path: string, out: Sink) => unknown;

const ENVELOPE_ATTRS = ["type", "id", "from", "to", "in-reply-to"];

/** Elements and attributes the protocol does not know, set aside by a tolerant reading. */
export interface Extra {
  path: string;
  /** `<name>` for an element (with its text), `@name` for an attribute (with its value). */
  name: string;
  value: string;
}

/**
 * Where a decode puts what the protocol does not know: strictly, a violation each; tolerantly
 * (`extras` given), set aside and not fatal.
 */
interface Sink {
  violations: Violation[];
  extras?: Extra[];
}

function unexpected(
  el: XmlElement,
  path: string,
  out: Sink,
  children: readonly string[],
  attrs: readonly string[],
  textAllowed: boolean,
) {
  for (const [name, list] of el.children) {
    if (children.includes(name)) continue;
    if (out.extras) {
      for (const [i, child] of list.entries())
        out.extras.push({
          path: `${path}.${name}${list.length > 1 ? `[${i}]` : ""}`,
          name: `<${name}>`,
          value: child.text,
        });
      continue;
    }
    out.violations.push({
      path: `${path}.${name}`,
      expected: children.length ? `one of <${children.join(">, <")}>` : "no child elements",
      found: `<${name}>`,
      message: `unexpected element <${name}>`,
    });
  }
  for (const name of Object.keys(el.attrs)) {
    if (attrs.includes(name)) continue;
    if (out.extras) {
      out.extras.push({ path: `${path}.@${name}`, name: `@${name}`, value: el.attrs[name] ?? "" });
      continue;
    }
    out.violations.push({
      path: `${path}.@${name}`,
      expected: attrs.length ? `attributes ${attrs.join(", ")}` : "no attributes",
      found: name,
      message: `unexpected attribute ${name}`,
    });
  }
  if (textAllowed && el.markup)
    out.violations.push({
      path,
      expected: "text (escape < as &lt;, or use CDATA)",
      found: "a comment or processing instruction",
      message: `a comment or processing instruction inside <${el.name}>: its text would be lost (\`<?php ... ?>\` written raw?)`,
    });
  if (!textAllowed && el.text !== "") {
    out.violations.push({
      path,
      expected: "only child elements",
      found: preview(el.text),
      message: "unexpected text",
    });
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/** The single child `name`; a repeat is a violation. Undefined when absent. */
function one(el: XmlElement, name: string, path: string, out: Sink): XmlElement | undefined {
  const list = el.children.get(name);
  if (!list || list.length === 0) return undefined;
  if (list.length > 1)
    out.violations.push({
      path: `${path}.${name}`,
      expected: `one <${name}>`,
      found: `${list.length}`,
      message: `<${name}> appears ${list.length} times`,
    });
  return list[0];
}

function leafText(el: XmlElement | undefined, path: string, out: Sink): string | undefined {
  if (!el) return undefined;
  unexpected(el, path, out, [], [], true);
  return el.text;
}

function textList(el: XmlElement | undefined, item: string, path: string, out: Sink): string[] {
  if (!el) return [];
  unexpected(el, path, out, [item], [], false);
  return (el.children.get(item) ?? []).map((child, i) => leafText(child, `${path}.${item}[${i}]`, out) ?? "");
}

function optional<T>(key: string, value: T | undefined): Record<string, T> {
  return value === undefined ? {} : { [key]: value };
}

const readers: Record<string, { children: string[]; read: Reader }> = {
  "task-assignment": {
    children: ["objective", "context", "constraints", "acceptance-criteria", "priority"],
    read: (el, path, out) => {
      const context = one(el, "context", path, out);
      let files: { path: string | undefined; trust: string; content: string }[] = [];
      let facts: string[] = [];
      if (context) {
        const cpath = `${path}.context`;
        unexpected(context, cpath, out, ["file", "fact"], [], false);
        files = (context.children.get("file") ?? []).map((f, i) => {
          unexpected(f, `${cpath}.file[${i}]`, out, [], ["path", "trust"], true);
          return { path: f.attrs.path, trust: f.attrs.trust ?? "trusted", content: f.text };
        });
        facts = (context.children.get("fact") ?? []).map(
          (f, i) => leafText(f, `${cpath}.fact[${i}]`, out) ?? "",
        );
      }
      return {
        objective: leafText(one(el, "objective", path, out), `${path}.objective`, out),
        context: { files, facts },
        constraints: textList(one(el, "constraints", path, out), "constraint", `${path}.constraints`, out),
        acceptanceCriteria: textList(
          one(el, "acceptance-criteria", path, out),
          "criterion",
          `${path}.acceptance-criteria`,
          out,
        ),
        priority: leafText(one(el, "priority", path, out), `${path}.priority`, out),
      };
    },
  },
  "status-update": {
    children: ["state", "progress", "note"],
    read: (el, path, out) => ({
      state: leafText(one(el, "state", path, out), `${path}.state`, out),
      ...optional("progress", leafText(one(el, "progress", path, out), `${path}.progress`, out)),
      note: leafText(one(el, "note", path, out), `${path}.note`, out),
    }),
  },
  result: {
    children: ["status", "confidence", "summary", "deliverables", "findings", "plan"],
    read: (el, path, out) => {
      const deliverablesEl = one(el, "deliverables", path, out);
      const findingsEl = one(el, "findings", path, out);
      const planEl = one(el, "plan", path, out);
      // An empty container (<findings></findings>, <deliverables/>) simply means none.
      const list = (parent: XmlElement | undefined, item: string, p: string) => {
        if (!parent) return [];
        unexpected(parent, p, out, [item], [], false);
        return parent.children.get(item) ?? [];
      };
      const deliverables = list(deliverablesEl, "deliverable", `${path}.deliverables`).map((d, i) => {
        unexpected(d, `${path}.deliverables.deliverable[${i}]`, out, [], ["kind", "path"], true);
        return { kind: d.attrs.kind, ...optional("path", d.attrs.path), content: d.text };
      });
      const findings = list(findingsEl, "finding", `${path}.findings`).map((f, i) => {
        unexpected(f, `${path}.findings.finding[${i}]`, out, [], ["severity", "cwe", "file", "line"], true);
        return {
          severity: f.attrs.severity,
          ...optional("cwe", f.attrs.cwe),
          ...optional("file", f.attrs.file),
          ...optional("line", f.attrs.line),
          text: f.text,
        };
      });
      const plan = list(planEl, "task", `${path}.plan`).map((t, i) => {
        const tp = `${path}.plan.task[${i}]`;
        unexpected(
          t,
          tp,
          out,
          ["objective", "acceptance-criteria", "constraints"],
          ["id", "to", "priority", "depends-on"],
          false,
        );
        return {
          id: t.attrs.id,
          to: t.attrs.to,
          priority: t.attrs.priority ?? "normal",
          dependsOn: (t.attrs["depends-on"] ?? "").split(/\s+/).filter((d) => d !== ""),
          objective: leafText(one(t, "objective", tp, out), `${tp}.objective`, out),
          acceptanceCriteria: textList(
            one(t, "acceptance-criteria", tp, out),
            "criterion",
            `${tp}.acceptance-criteria`,
            out,
          ),
          constraints: textList(one(t, "constraints", tp, out), "constraint", `${tp}.constraints`, out),
        };
      });
      return {
        status: leafText(one(el, "status", path, out), `${path}.status`, out),
        confidence: leafText(one(el, "confidence", path, out), `${path}.confidence`, out),
        summary: leafText(one(el, "summary", path, out), `${path}.summary`, out),
        deliverables,
        findings,
        plan,
      };
    },
  },
  escalation: {
    children: ["reason", "target", "summary", "attempted"],
    read: (el, path, out) => ({
      reason: leafText(one(el, "reason", path, out), `${path}.reason`, out),
      target: leafText(one(el, "target", path, out), `${path}.target`, out),
      summary: leafText(one(el, "summary", path, out), `${path}.summary`, out),
      ...optional("attempted", leafText(one(el, "attempted", path, out), `${path}.attempted`, out)),
    }),
  },
  error: {
    children: ["code", "retryable", "detail"],
    read: (el, path, out) => ({
      code: leafText(one(el, "code", path, out), `${path}.code`, out),
      retryable: leafText(one(el, "retryable", path, out), `${path}.retryable`, out),
      detail: leafText(one(el, "detail", path, out), `${path}.detail`, out),
    }),
  },
};

export const KNOWN_TYPES = Object.keys(readers);

/**
 * Maps the <message> element to a plain object for the schema; structural problems go to
 * `violations`. With `extras`, elements and attributes the protocol does not know are set aside
 * there instead of being violations (the tolerant reading).
 */
export function decodeMessage(
  el: XmlElement,
  violations: Violation[],
  extras?: Extra[],
): Record<string, unknown> | undefined {
  const out: Sink = extras ? { violations, extras } : { violations };
  const path = "message";
  const type = el.attrs.type;
  const reader = type ? readers[type] : undefined;
  if (!reader) {
    violations.push({
      path: `${path}.@type`,
      expected: `one of ${KNOWN_TYPES.join(", ")}`,
      found: type === undefined ? "(missing)" : JSON.stringify(type),
      message: type === undefined ? "missing message type" : `unknown message type "${type}"`,
    });
    return undefined;
  }
  unexpected(el, path, out, reader.children, ENVELOPE_ATTRS, false);
  return {
    type,
    id: el.attrs.id,
    from: el.attrs.from,
    to: el.attrs.to,
    ...optional("inReplyTo", el.attrs["in-reply-to"]),
    ...(reader.read(el, path, out) as Record<string, unknown>),
  };
}
