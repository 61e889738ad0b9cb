import type { Message } from "./schemas.js";

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, "&quot;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

/**
 * Text content: escaped when short and plain, CDATA when it spans lines or looks like code, so that
 * code stays readable. `]]>` cannot appear inside CDATA: it is split across two sections.
 */
function content(text: string): string {
  if (!/[\n<&]/.test(text) || /[\r]/.test(text)) return escapeText(text);
  return `<![CDATA[${text.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

function attrs(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v as string)}"`)
    .join("");
}

function leaf(
  name: string,
  text: string | undefined,
  indent: string,
  attributes: Record<string, string | undefined> = {},
): string[] {
  if (text === undefined) return [];
  return [`${indent}<${name}${attrs(attributes)}>${content(text)}</${name}>`];
}

function list(wrapper: string, item: string, items: readonly string[], indent: string): string[] {
  if (items.length === 0) return [];
  return [
    `${indent}<${wrapper}>`,
    ...items.flatMap((t) => leaf(item, t, `${indent}  `)),
    `${indent}</${wrapper}>`,
  ];
}

/** Canonical XML for a message; `parseMessage(buildMessage(m))` gives `m` back, compliant. */
export function buildMessage(message: Message): string {
  const i = "  ";
  const body: string[] = [];
  switch (message.type) {
    case "task-assignment": {
      body.push(...leaf("objective", message.objective, i));
      const { files, facts } = message.context;
      if (files.length + facts.length > 0) {
        body.push(`${i}<context>`);
        for (const f of files)
          body.push(...leaf("file", f.content, `${i}${i}`, { path: f.path, trust: f.trust }));
        for (const f of facts) body.push(...leaf("fact", f, `${i}${i}`));
        body.push(`${i}</context>`);
      }
      body.push(...list("constraints", "constraint", message.constraints, i));
      body.push(...list("acceptance-criteria", "criterion", message.acceptanceCriteria, i));
      body.push(...leaf("priority", message.priority, i));
      break;
    }
    case "status-update":
      body.push(
        ...leaf("state", message.state, i),
        ...leaf("progress", message.progress, i),
        ...leaf("note", message.note, i),
      );
      break;
    case "result":
      body.push(
        ...leaf("status", message.status, i),
        ...leaf("confidence", message.confidence, i),
        ...leaf("summary", message.summary, i),
      );
      if (message.deliverables.length > 0) {
        body.push(`${i}<deliverables>`);
        for (const d of message.deliverables)
          body.push(...leaf("deliverable", d.content, `${i}${i}`, { kind: d.kind, path: d.path }));
        body.push(`${i}</deliverables>`);
      }
      if (message.findings.length > 0) {
        body.push(`${i}<findings>`);
        for (const f of message.findings)
          body.push(
            ...leaf("finding", f.text, `${i}${i}`, {
              severity: f.severity,
              cwe: f.cwe,
              file: f.file,
              line: f.line,
            }),
          );
        body.push(`${i}</findings>`);
      }
      if (message.plan.length > 0) {
        body.push(`${i}<plan>`);
        for (const t of message.plan) {
          const dependsOn = t.dependsOn.length > 0 ? t.dependsOn.join(" ") : undefined;
          body.push(
            `${i}${i}<task${attrs({ id: t.id, to: t.to, priority: t.priority, "depends-on": dependsOn })}>`,
          );
          body.push(...leaf("objective", t.objective, `${i}${i}${i}`));
          body.push(...list("acceptance-criteria", "criterion", t.acceptanceCriteria, `${i}${i}${i}`));
          body.push(...list("constraints", "constraint", t.constraints, `${i}${i}${i}`));
          body.push(`${i}${i}</task>`);
        }
        body.push(`${i}</plan>`);
      }
      break;
    case "escalation":
      body.push(
        ...leaf("reason", message.reason, i),
        ...leaf("target", message.target, i),
        ...leaf("summary", message.summary, i),
        ...leaf("attempted", message.attempted, i),
      );
      break;
    case "error":
      body.push(
        ...leaf("code", message.code, i),
        ...leaf("retryable", message.retryable, i),
        ...leaf("detail", message.detail, i),
      );
      break;
  }
  const envelope = attrs({
    type: message.type,
    id: message.id,
    from: message.from,
    to: message.to,
    "in-reply-to": message.inReplyTo,
  });
  return [`<message${envelope}>`, ...body, "</message>"].join("\n");
}
