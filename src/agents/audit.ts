import { execFileSync } from "node:child_process";
import { relative, resolve, sep } from "node:path";
import type { Agent } from "./agent.js";
import { parseAgent } from "./load.js";
import { INHERIT } from "./schema.js";

export interface TierChange {
  name: string;
  /** null when the agent did not exist at the revision. */
  oldTier: string | null;
  /** null when the agent has since been removed. */
  newTier: string | null;
  /** Short hash of the last commit that touched the file since the revision, or `uncommitted`. */
  commit: string;
  file: string;
}

export class GitAuditError extends Error {}

function git(cwd: string, args: string[], input?: string): string {
  try {
    return execFileSync("git", args, {
      cwd,
      input,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new GitAuditError(stderr || (err as Error).message);
  }
}

/**
 * The owners' "git audit" of model changes: which agents changed tier between `rev` and the
 * working tree, and in which commit. Agents are matched by name, so a moved file is no change.
 */
export function tierChangesSince(
  dir: string,
  rev: string,
  current: readonly Agent[],
  tiers: readonly string[],
): TierChange[] {
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
  const old = agentsAt(top, rev, relDir, tiers);
  const currentByName = new Map(current.map((a) => [a.name, a]));
  const changes: TierChange[] = [];
  const commitOf = (repoPath: string) => lastCommit(top, rev, repoPath);
  for (const agent of current) {
    const before = old.get(agent.name);
    const oldTier = before?.tier ?? null;
    if (oldTier === agent.tier) continue;
    const repoPath = relative(top, resolve(agent.file)).split(sep).join("/");
    changes.push({
      name: agent.name,
      oldTier,
      newTier: agent.tier,
      commit: commitOf(repoPath),
      file: agent.file,
    });
  }
  for (const [name, before] of old) {
    if (currentByName.has(name)) continue;
    changes.push({
      name,
      oldTier: before.tier,
      newTier: null,
      commit: commitOf(before.path),
      file: before.path,
    });
  }
  return changes.sort((a, b) => a.name.localeCompare(b.name));
}

function agentsAt(top: string, rev: string, relDir: string, tiers: readonly string[]) {
  const listing = git(top, ["ls-tree", "-r", "--name-only", "-z", rev, "--", relDir || "."]);
  const paths = listing.split("\0").filter((p) => p.endsWith(".md") && !/(^|\/)readme\.md$/i.test(p));
  const result = new Map<string, { tier: string; path: string }>();
  if (paths.length === 0) return result;
  // One `cat-file --batch` process for all files: hundreds of `git show` calls would take seconds.
  const out = Buffer.from(
    git(top, ["cat-file", "--batch"], `${paths.map((p) => `${rev}:${p}`).join("\n")}\n`),
    "utf8",
  );
  let offset = 0;
  for (const path of paths) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.subarray(offset, headerEnd).toString("utf8");
    const size = Number(header.split(" ")[2]);
    const text = out.subarray(headerEnd + 1, headerEnd + 1 + size).toString("utf8");
    offset = headerEnd + 1 + size + 1;
    const parsed = parseAgent(text, path, [...tiers, ...extraTiers(text)]);
    if ("agent" in parsed) result.set(parsed.agent.name, { tier: parsed.agent.tier, path });
  }
  return result;
}

/** An old file may name a tier the config no longer has; the audit still reports what it said. */
function extraTiers(text: string): string[] {
  const match = /^model:\s*["']?([\w.-]+)/m.exec(text);
  return match?.[1] && match[1] !== INHERIT ? [match[1]] : [];
}

function lastCommit(top: string, rev: string, repoPath: string): string {
  const dirty = git(top, ["status", "--porcelain", "--", repoPath]).trim();
  if (dirty !== "") return "uncommitted";
  return git(top, ["log", "-1", "--format=%h", `${rev}..HEAD`, "--", repoPath]).trim() || "uncommitted";
}
