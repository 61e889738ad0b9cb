// Writes schemas/*.json from the zod schemas compiled in dist/ (run `npm run build` first).
import { mkdirSync, writeFileSync } from "node:fs";
import { jsonSchemas } from "../dist/schemas/index.js";

const dir = new URL("../schemas/", import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(name, dir), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${name}`);
}
// Suite files name their schema beside them (`# yaml-language-server: $schema=./suite.schema.json`).
writeFileSync(
  new URL("../suites/suite.schema.json", import.meta.url),
  `${JSON.stringify(jsonSchemas()["suite.schema.json"], null, 2)}\n`,
);
console.log("wrote suites/suite.schema.json");
