/** Exit codes of every command (DESIGN.md, CLI contract). */
export const EXIT = {
  ok: 0,
  /** Gates or cases failed, or the input has problems. */
  failed: 1,
  /** Usage or input error: nothing was checked. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage or input error, reported as one clear message and exit code 2. */
export class UsageError extends Error {}
