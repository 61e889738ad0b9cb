// `npm run build` step 2: bundles the compiled CLI (dist/cli/main.js) and its dependencies into
// dist/bundle/ with esbuild. Loading a few bundled files instead of ~900 ES modules (the SDK alone
// is hundreds) cuts the start-up of every `orchestra` command by a few hundred milliseconds; each
// command stays its own chunk, so `orchestra --help` loads none of them. bin/orchestra.js prefers
// the bundle and falls back to dist/cli/main.js.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}dist/cli/main.js` },
  outdir: `${root}dist/bundle`,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  // CommonJS dependencies (cli-table3) call require() for Node built-ins; give ESM chunks one.
  banner: {
    js: 'import { createRequire as __orchestraRequire } from "node:module"; const require = __orchestraRequire(import.meta.url);',
  },
  logLevel: "warning",
  legalComments: "none",
  // BUNDLE_MINIFY=0 keeps names readable, for a CPU profile (`node --cpu-prof bin/orchestra.js ...`).
  minify: process.env.BUNDLE_MINIFY !== "0",
});
