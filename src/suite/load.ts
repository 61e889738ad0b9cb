import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { ContextItem } from "../orchestra/index.js";
import { InputError, MAX_PROBLEMS_PER_FILE, type Problem } from "../shared/problem.js";
import { readTextFile } from "../shared/text-file.js";
import { parseYaml, zodIssuesToProblems } from "../shared/yaml-source.js";
import { ASSERTION_TYPES, type SuiteCase, SuiteFileSchema, type SuiteName } from "./schema.js";

/** A case ready to run: its suite resolved, its context files read, where it came from. */
export interface LoadedCase extends SuiteCase {
  suite: SuiteName;
  file: string;
  /** The folder of the suite file: javascript assertions and context files resolve from here. */
  dir: string;
  contextItems: ContextItem[];
  /** Line and column, in `file`, of a field of this case (`["input", "agent"]`); computed on demand. */
  positionOf(field: readonly PropertyKey[]): { line: number; column: number } | undefined;
}

/** Suite files named, or found (`*.yaml`, sorted) in the folders named. */
export function suiteFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path))
      throw new InputError([
        {
          file: path,
          message: "no such file or folder",
          fix: "name a suite file or a folder of suite files (default: suites/)",
        },
      ]);
    if (statSync(path).isDirectory()) {
      files.push(
        ...readdirSync(path)
          .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
          .sort()
          .map((f) => join(path, f)),
      );
    } else files.push(path);
  }
  return files;
}

/**
 * Loads suite files into cases. Every problem of every file is collected (file:line:column, the
 * schema path, what was expected) and thrown together, so one run shows them all.
 */
export function loadSuites(paths: readonly string[], displayRoot = process.cwd()): LoadedCase[] {
  const problems: Problem[] = [];
  const cases: LoadedCase[] = [];
  const seen = new Map<string, string>();
  // Many cases share a context file: read each once (and its absence once).
  const texts = new Map<string, string | undefined>();
  const readOnce = (full: string): string | undefined => {
    if (!texts.has(full)) {
      let text: string | undefined;
      try {
        text = readFileSync(full, "utf8");
      } catch {
        text = undefined; // missing, a folder, or unreadable: reported as not found, with its position
      }
      texts.set(full, text);
    }
    return texts.get(full);
  };
  for (const path of suiteFiles(paths)) {
    const file = relative(displayRoot, resolve(path)).split(sep).join("/") || path;
    const read = readTextFile(path, "suites are UTF-8 YAML", file);
    if (read.kind !== "text") {
      problems.push(read.problem);
      continue;
    }
    const source = parseYaml(read.text, file);
    if (source.syntaxProblems.length > 0) {
      problems.push(...source.syntaxProblems);
      continue;
    }
    // Positions only for the problems of this file that will be printed (see MAX_PROBLEMS_PER_FILE).
    const before = problems.length;
    const at = (path: PropertyKey[]) =>
      problems.length - before < MAX_PROBLEMS_PER_FILE ? source.positionOf(path) : undefined;
    const unknown = unknownAssertions(source.value, file, source.positionOf);
    if (unknown.length > 0) {
      problems.push(...unknown);
      continue;
    }
    const parsed = SuiteFileSchema.safeParse(source.value);
    if (!parsed.success) {
      problems.push(...zodIssuesToProblems(parsed.error.issues, source));
      continue;
    }
    const dir = dirname(resolve(path));
    parsed.data.cases.forEach((c, index) => {
      const first = seen.get(c.id);
      if (first) {
        problems.push({
          file,
          ...at(["cases", index, "id"]),
          field: `cases.${index}.id`,
          message: `duplicate case id "${c.id}", also in ${first}`,
          fix: "give every case a unique id",
        });
        return;
      }
      seen.set(c.id, file);
      const contextItems: ContextItem[] = [];
      c.input.context.forEach((entry, i) => {
        if ("fact" in entry) {
          contextItems.push({ kind: "fact", text: entry.fact, trust: "trusted" });
          return;
        }
        const full = join(dir, entry.file);
        const text = readOnce(full);
        if (text === undefined) {
          problems.push({
            file,
            ...at(["cases", index, "input", "context", i, "file"]),
            field: `cases.${index}.input.context.${i}.file`,
            message: `context file not found or not readable: ${entry.file}`,
            fix: "paths are relative to the suite file's folder",
          });
          return;
        }
        contextItems.push({
          kind: "file",
          path: entry.as ?? basename(entry.file),
          text,
          trust: entry.trust,
          ...(entry.domains ? { domains: entry.domains } : {}),
        });
      });
      cases.push({
        ...c,
        suite: c.suite ?? parsed.data.suite,
        file,
        dir,
        contextItems,
        positionOf: (field) => source.positionOf(["cases", index, ...field]),
      });
    });
  }
  if (problems.length > 0) throw new InputError(problems);
  return cases;
}

/** An unknown assertion type gets its own message listing the known ones (zod would only say "invalid"). */
function unknownAssertions(
  value: unknown,
  file: string,
  positionOf: (p: PropertyKey[]) => { line: number; column: number } | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const cases = (value as { cases?: unknown })?.cases;
  if (!Array.isArray(cases)) return problems;
  cases.forEach((c, i) => {
    const expect = (c as { expect?: unknown })?.expect;
    if (!Array.isArray(expect)) return;
    expect.forEach((a, j) => {
      const type = (a as { type?: unknown })?.type;
      if (typeof type === "string" && !(ASSERTION_TYPES as readonly string[]).includes(type)) {
        problems.push({
          file,
          ...(problems.length < MAX_PROBLEMS_PER_FILE ? positionOf(["cases", i, "expect", j, "type"]) : {}),
          field: `cases.${i}.expect.${j}.type`,
          message: `unknown assertion "${type}"`,
          expected: `one of ${ASSERTION_TYPES.join(", ")}`,
        });
      }
    });
  });
  return problems;
}
