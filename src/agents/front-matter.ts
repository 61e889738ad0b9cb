import type { Problem } from "../shared/problem.js";

export interface FrontMatter {
  yaml: string;
  /** Number of lines before the YAML starts (the opening `---`), to offset YAML line numbers. */
  yamlLineOffset: number;
  body: string;
}

const FENCE = /^---[ \t]*$/;

/** Splits a Claude Code agent file into its YAML front matter and its Markdown body. */
export function splitFrontMatter(text: string, file: string): FrontMatter | Problem {
  const content = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (content.trim() === "") {
    return {
      file,
      message: "file is empty",
      fix: "add YAML front matter (---, name, description, model, ---) and a system prompt",
    };
  }
  const lines = content.split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? "")) {
    return {
      file,
      line: 1,
      message: "no front matter: an agent file starts with a line '---'",
      expected: "'---' on line 1, then YAML fields, then a closing '---'",
      fix: "add front matter at the top, or move this file out of the agents folder",
    };
  }
  const close = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (close === -1) {
    return {
      file,
      line: 1,
      message: "unclosed front matter: no closing '---' line",
      fix: "add a line '---' after the last YAML field, before the system prompt",
    };
  }
  return {
    yaml: lines.slice(1, close).join("\n"),
    yamlLineOffset: 1,
    body: lines
      .slice(close + 1)
      .join("\n")
      .trim(),
  };
}
