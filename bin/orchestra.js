#!/usr/bin/env node
// Thin launcher: `npm ci` (the `prepare` script) compiles the CLI to dist/ and bundles it into
// dist/bundle/ for a fast start; the unbundled build is the fallback.
import { existsSync } from "node:fs";

const bundled = new URL("../dist/bundle/main.mjs", import.meta.url);
const compiled = new URL("../dist/cli/main.js", import.meta.url);
const main = existsSync(bundled) ? bundled : compiled;
if (!existsSync(main)) {
  process.stderr.write("orchestra: dist/ is missing; run `npm run build` (npm ci runs it for you)\n");
  process.exit(2);
}
// `orchestra ... | head` closes the pipe early: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
