import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../..");
const bin = resolve(repoRoot, "bin/orchestra.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (`npm test` builds dist/ first). */
export function orchestra(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    timeout: 30_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface Running {
  child: ReturnType<typeof spawn>;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts the built CLI without blocking the test's event loop (an in-process fake API can serve it). */
export function startOrchestra(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  let stdout = "";
  let stderr = "";
  let both = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    both += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    both += d.toString();
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code: code ?? -1, stdout, stderr, signal })),
  );
  return { child, output: () => both, done };
}
