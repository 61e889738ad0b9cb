import type { LayerVerdict } from "../trace.js";

/** What the agent was given: files by path with their text, and free text (objective, facts). */
export interface GivenContext {
  files: { path: string; text: string }[];
  text: string;
}

export interface Claims {
  findings: { file?: string; line?: string; text: string }[];
  deliverables: { kind: string; path?: string }[];
}

/** Deliverables that change an existing file must name a file the agent was shown. */
const EDITS_EXISTING = new Set(["patch"]);

/**
 * L2, grounding (the owners' "hallucination check"): files and lines a result claims must exist in
 * the context the agent was given. A finding about a file it never saw, a line past the end of the
 * file, or a patch to an unseen file fails the layer.
 */
export function checkGrounding(claims: Claims, given: GivenContext): LayerVerdict {
  const files = new Map(given.files.map((f) => [normalize(f.path), f.text]));
  const mentioned = (path: string) => files.has(normalize(path)) || given.text.includes(path);
  const notes: string[] = [];
  claims.findings.forEach((finding, i) => {
    if (!finding.file) return;
    if (!mentioned(finding.file)) {
      notes.push(`finding ${i + 1} cites ${finding.file}, which is not in the context given`);
      return;
    }
    const text = files.get(normalize(finding.file));
    const line = finding.line === undefined ? undefined : Number(finding.line);
    if (text !== undefined && line !== undefined && Number.isFinite(line)) {
      const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
      if (line < 1 || line > lines)
        notes.push(`finding ${i + 1} cites ${finding.file}:${line}, but the file has ${lines} lines`);
    }
  });
  claims.deliverables.forEach((deliverable, i) => {
    if (deliverable.path && EDITS_EXISTING.has(deliverable.kind) && !mentioned(deliverable.path)) {
      notes.push(`deliverable ${i + 1} patches ${deliverable.path}, which is not in the context given`);
    }
  });
  return { layer: "L2", verdict: notes.length === 0 ? "pass" : "fail", notes };
}

function normalize(path: string): string {
  return path.replace(/\\/g, "/").replace(/^\.\//, "");
}
