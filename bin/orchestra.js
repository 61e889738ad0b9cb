#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the `prepare` script) for a fast start.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("orchestra: dist/ is missing; run `npm run build` (npm ci runs it for you)\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
