import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemas } from "../src/schemas/index.js";
import { repoRoot } from "./helpers/cli.js";

describe("committed JSON Schemas", () => {
  it("equal the ones generated from the zod schemas (run `npm run schemas` after changing a schema)", () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(repoRoot, "schemas", name), "utf8"));
      expect(committed, name).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});
