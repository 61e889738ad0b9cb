import type { Role } from "../config/index.js";

export interface Agent {
  name: string;
  /** Path as given to the loader's root, with forward slashes, e.g. `agents/backend/django-expert.md`. */
  file: string;
  description: string;
  role: Role;
  /** The tier the file names, or `inherit` when it names none. */
  tier: string;
  /** The raw `model` field, undefined when the file has none. */
  model: string | undefined;
  coordinator: string | undefined;
  /** `["*"]` when the file names no tools (Claude Code then allows all). */
  tools: string[];
  domains: string[];
  /** The system prompt. */
  body: string;
  /** Front matter fields the orchestra does not use, kept as read. */
  extra: Record<string, unknown>;
}
