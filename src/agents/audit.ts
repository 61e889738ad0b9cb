import { execFileSync } from "node:child_process";
import { relative, resolve, sep } from "node:path";
import { parseYaml } from "../shared/yaml-source.js";
import type { Agent } from "./agent.js";
import { splitFrontMatter } from "./front-matter.js";
import { INHERIT } from "./schema.js";

export interface TierChange {
  name: string;
  /** null when the agent did not exist at the revision. */
  oldTier: string | null;
  /** null when the agent has since been removed. */
  newTier: string | null;
  /**
   * Short hash of the commit since the revision that gave the agent its new tier (the last one
   * that changed its `model:`; an edit that leaves the tier alone, or a move, is not one), or
   * `uncommitted` when the working tree's tier is not the one HEAD has.
   */
  commit: string;
  /** The commit's author date, ISO 8601 with its offset; null when uncommitted. */
  date: string | null;
  /** The commit's author, `Name <email>`; null when uncommitted. */
  author: string | null;
  file: string;
}

export class GitAuditError extends Error {}

interface Commit {
  hash: string;
  short: string;
  date: string;
  author: string;
}

/** A tier change one commit made to one agent, against the commit's parent. */
interface TierEvent {
  commit: Commit;
  to: string | null;
}

function run(cwd: string, args: string[], input?: string): Buffer {
  try {
    return execFileSync("git", args, {
      cwd,
      input,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString("utf8").trim();
    throw new GitAuditError(stderr || (err as Error).message);
  }
}

const git = (cwd: string, args: string[]) => run(cwd, args).toString("utf8");

/**
 * The owners' "git audit" of model changes: which agents changed tier between `rev` and the
 * working tree, and the commit that changed each one's tier, with its date and author.
 *
 * The commits of `rev..HEAD` that touched the folder are walked (renames detected), each agent
 * file they changed is read before and after the commit, and a commit is a tier change of an agent
 * when the agent's tier after it differs from the tier before it. Agents are matched by name, so a
 * moved or renamed file is no change, and an edit that leaves `model:` alone is none either.
 */
export function tierChangesSince(dir: string, rev: string, current: readonly Agent[]): TierChange[] {
  const absDir = resolve(dir);
  let top: string;
  try {
    top = git(absDir, ["rev-parse", "--show-toplevel"]).trim();
  } catch {
    throw new GitAuditError(`${dir} is not inside a git repository`);
  }
  try {
    git(top, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  } catch {
    throw new GitAuditError(`unknown revision "${rev}"`);
  }
  const relDir = relative(top, absDir).split(sep).join("/");
  const old = agentsAt(top, rev, relDir);
  const head = agentsAt(top, "HEAD", relDir);
  const events = tierEvents(top, rev, relDir);
  const repoPathOf = (file: string) => relative(top, resolve(file)).split(sep).join("/");
  const attribute = (name: string, newTier: string | null, repoPath: string) => {
    const atHead = head.get(name)?.tier ?? null;
    if (atHead !== newTier) return UNCOMMITTED;
    const event = events.get(name)?.findLast((e) => e.to === newTier);
    return event?.commit ?? lastCommit(top, rev, repoPath) ?? UNCOMMITTED;
  };
  const change = (name: string, oldTier: string | null, newTier: string | null, file: string, at: string) => {
    const commit = attribute(name, newTier, at);
    return { name, oldTier, newTier, commit: commit.short, date: commit.date, author: commit.author, file };
  };
  const changes: TierChange[] = [];
  const currentNames = new Set(current.map((a) => a.name));
  for (const agent of current) {
    const oldTier = old.get(agent.name)?.tier ?? null;
    if (oldTier === agent.tier) continue;
    changes.push(change(agent.name, oldTier, agent.tier, agent.file, repoPathOf(agent.file)));
  }
  for (const [name, before] of old) {
    if (currentNames.has(name)) continue;
    changes.push(change(name, before.tier, null, before.path, before.path));
  }
  return changes.sort((a, b) => a.name.localeCompare(b.name));
}

const UNCOMMITTED = { short: "uncommitted", date: null, author: null } as const;

/** The files `loadAgents` would read: Markdown below the folder, no README, no hidden folder. */
function isAgentPath(path: string, relDir: string): boolean {
  if (!path.endsWith(".md") || /(^|\/)readme\.md$/i.test(path)) return false;
  const below = relDir === "" ? path : path.slice(relDir.length + 1);
  return !below.split("/").some((part) => part.startsWith(".") || part === "node_modules");
}

/** Every agent of the folder at a revision, by name: its tier and its path. */
function agentsAt(top: string, rev: string, relDir: string): Map<string, { tier: string; path: string }> {
  const listing = git(top, ["ls-tree", "-r", "--name-only", "-z", rev, "--", relDir || "."]);
  const paths = listing.split("\0").filter((p) => p !== "" && isAgentPath(p, relDir));
  const texts = readBlobs(
    top,
    paths.map((p) => `${rev}:${p}`),
  );
  const result = new Map<string, { tier: string; path: string }>();
  paths.forEach((path, i) => {
    const agent = tierOf(texts[i]);
    if (agent && !result.has(agent.name)) result.set(agent.name, { tier: agent.tier, path });
  });
  return result;
}

/**
 * The name and tier an agent file gives, read with the loader's own front-matter and YAML readers
 * but none of its checks: an old file may fail a check added since, or name a tier the config no
 * longer has, and the audit still reports what it said. Undefined when the file names no agent.
 */
function tierOf(text: string | null | undefined): { name: string; tier: string } | undefined {
  if (text === null || text === undefined) return undefined;
  const split = splitFrontMatter(text, "");
  if ("message" in split) return undefined;
  const source = parseYaml(split.yaml, "");
  const fields = source.value;
  if (source.syntaxProblems.length > 0 || typeof fields !== "object" || fields === null) return undefined;
  const { name, model } = fields as Record<string, unknown>;
  if (typeof name !== "string" || name === "") return undefined;
  if (model === undefined || model === null) return { name, tier: INHERIT };
  return typeof model === "string" && model !== "" ? { name, tier: model } : undefined;
}

/**
 * The tier changes of every commit of `rev..HEAD` that touched an agent file of the folder, oldest
 * first (parents before children), by agent name. Merges are skipped: the commit that changed a
 * tier on a branch is the one named, not the merge that brought it in.
 */
function tierEvents(top: string, rev: string, relDir: string): Map<string, TierEvent[]> {
  const log = git(top, [
    "-c",
    "log.showSignature=false",
    "log",
    "-z",
    "--no-color",
    "--no-merges",
    "--topo-order",
    "--reverse",
    "-M",
    "--name-status",
    "--format=%x1e%H%x1f%h%x1f%aI%x1f%an <%ae>",
    `${rev}..HEAD`,
    "--",
    relDir || ".",
  ]);
  const commits: { commit: Commit; before: string[]; after: string[] }[] = [];
  for (const chunk of log.split("\x1e")) {
    const end = chunk.indexOf("\0");
    if (end === -1) continue;
    const [hash = "", short = "", date = "", author = ""] = chunk.slice(0, end).split("\x1f");
    const fields = chunk
      .slice(end + 1)
      .replace(/^\n/, "")
      .split("\0");
    const before: string[] = [];
    const after: string[] = [];
    for (let i = 0; i < fields.length; ) {
      const status = fields[i++] ?? "";
      if (status === "") continue;
      const kind = status[0];
      const from = fields[i++] ?? "";
      const to = kind === "R" || kind === "C" ? (fields[i++] ?? "") : from;
      if (kind !== "A" && kind !== "C" && isAgentPath(from, relDir)) before.push(from);
      if (kind !== "D" && isAgentPath(to, relDir)) after.push(to);
    }
    if (before.length > 0 || after.length > 0)
      commits.push({ commit: { hash, short, date, author }, before, after });
  }
  // One `cat-file --batch` for every file read: a `git show` per file and commit would take seconds.
  const specs = commits.flatMap(({ commit, before, after }) => [
    ...before.map((p) => `${commit.hash}^:${p}`),
    ...after.map((p) => `${commit.hash}:${p}`),
  ]);
  const texts = readBlobs(top, specs);
  const events = new Map<string, TierEvent[]>();
  let next = 0;
  for (const { commit, before, after } of commits) {
    const tiers = (paths: string[]) => {
      const byName = new Map<string, string>();
      for (const _ of paths) {
        const agent = tierOf(texts[next++]);
        if (agent && !byName.has(agent.name)) byName.set(agent.name, agent.tier);
      }
      return byName;
    };
    const was = tiers(before);
    const is = tiers(after);
    for (const name of new Set([...was.keys(), ...is.keys()])) {
      const from = was.get(name) ?? null;
      const to = is.get(name) ?? null;
      if (from === to) continue;
      const list = events.get(name) ?? [];
      list.push({ commit, to });
      events.set(name, list);
    }
  }
  return events;
}

/** The text of each object named (`REV:PATH`), null for one that is missing or not a file. */
function readBlobs(top: string, specs: readonly string[]): (string | null)[] {
  if (specs.length === 0) return [];
  const out = run(top, ["cat-file", "--batch"], `${specs.join("\n")}\n`);
  const texts: (string | null)[] = [];
  let offset = 0;
  for (const _ of specs) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.subarray(offset, headerEnd === -1 ? out.length : headerEnd).toString("utf8");
    offset = headerEnd === -1 ? out.length : headerEnd + 1;
    // `<oid> <type> <size>`, or `<spec> missing` / `<spec> ambiguous` (and then no content).
    const match = / (blob|tree|commit|tag) (\d+)$/.exec(header);
    if (!match) {
      texts.push(null);
      continue;
    }
    const size = Number(match[2]);
    texts.push(match[1] === "blob" ? out.subarray(offset, offset + size).toString("utf8") : null);
    offset += size + 1;
  }
  return texts;
}

/** The last commit of `rev..HEAD` that touched a file: when no commit of the walk changed the tier (a merge did). */
function lastCommit(top: string, rev: string, repoPath: string): Commit | undefined {
  const line = git(top, [
    "log",
    "-1",
    "--no-color",
    "--format=%H%x1f%h%x1f%aI%x1f%an <%ae>",
    `${rev}..HEAD`,
    "--",
    repoPath,
  ]).trim();
  if (line === "") return undefined;
  const [hash = "", short = "", date = "", author = ""] = line.split("\x1f");
  return { hash, short, date, author };
}
