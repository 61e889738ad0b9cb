import type { z } from "zod";

/**
 * The message of a union of object shapes that a value matches none of, written from the shapes
 * themselves so that the schema stays the one description of what is accepted:
 * `must be one of {agent, task} (a specialist), {mission} (a mission), each with optional context`.
 * Each shape is named by its required keys and described by its first described required key.
 */
export function oneOfShapes(options: ReadonlyArray<z.ZodObject>): string {
  const shapes = options.map((option) => {
    const entries = Object.entries(option.shape as Record<string, z.ZodType>);
    const required = entries.filter(([, schema]) => !accepts(schema, undefined));
    const optional = entries.filter(([, schema]) => accepts(schema, undefined)).map(([key]) => key);
    const description =
      option.description ?? required.find(([, schema]) => schema.description)?.[1].description;
    return { required: required.map(([key]) => key), optional, description };
  });
  // Optional keys every shape has are said once, at the end; the others inside their shape.
  const common = shapes[0]?.optional.filter((key) => shapes.every((s) => s.optional.includes(key))) ?? [];
  const named = shapes.map((s) => {
    const keys = [
      ...s.required,
      ...s.optional.filter((key) => !common.includes(key)).map((key) => `${key}?`),
    ];
    return `{${keys.join(", ")}}${s.description ? ` (${s.description})` : ""}`;
  });
  const list = named.length > 1 ? `${named.slice(0, -1).join(", ")} or ${named.at(-1)}` : (named[0] ?? "");
  const each = common.length > 0 ? `, each with optional ${andList(common)}` : "";
  return `must be one of ${list}${each}`;
}

function accepts(schema: z.ZodType, value: unknown): boolean {
  return schema.safeParse(value).success;
}

function andList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");
}
