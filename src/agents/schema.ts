import { z } from "zod";
import { NAME_PATTERN, RoleSchema } from "../config/index.js";

/**
 * A comma-separated string (Claude Code's own form) or a YAML list, normalized to a list. zod's
 * message for a value that is neither, "Invalid input", did not say what the field takes.
 */
const stringList = (example: string, items: string) =>
  z
    .union([z.string(), z.array(z.string())], {
      error: `must be a comma-separated string such as "${example}", or a YAML list of ${items}`,
    })
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(","))
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    );

/**
 * Front matter of an agent file: Claude Code's subagent fields plus the orchestra's own
 * (`role`, `coordinator`, `domains`). Unknown fields (`color`, ...) are kept, never rejected, so
 * real Claude Code agent folders load. Whether `model` names a known tier depends on the config,
 * so it is checked by the loader, not here.
 */
export const AgentFrontMatterSchema = z.looseObject({
  name: z.string({ error: "required: the agent's name" }).regex(NAME_PATTERN, "must be kebab-case"),
  description: z.string({ error: "required: when to use this agent" }).min(1, "must not be empty"),
  tools: stringList("Read, Grep, Edit", "tool names")
    .optional()
    .describe("Tools the agent may use; omitted means all tools"),
  model: z.string().min(1).optional().describe("A tier from orchestra.config.yaml, or `inherit`"),
  role: RoleSchema.default("specialist"),
  coordinator: z.string().regex(NAME_PATTERN, "must be an agent name").optional(),
  domains: stringList("backend, python", "tags")
    .default([])
    .describe("Tags used for routing and context filtering"),
});

export type AgentFrontMatter = z.infer<typeof AgentFrontMatterSchema>;
export const INHERIT = "inherit";
export const ALL_TOOLS = "*";
