/**
 * PACK TEST (slow: a few seconds; uses the npm registry, nothing else on the network).
 *
 * Packs the package as `npm pack` does (`--ignore-scripts`: `npm test` has just built dist/),
 * installs the tarball into an empty temporary project with `npm install --prefer-offline` (the
 * dependencies come from npm's cache when `npm ci` has filled it, else from the registry), and
 * uses it there as a user would: docs/api.md's examples run against the installed package on a copy
 * of the edge suite and its recordings, a TypeScript consumer type-checks against its declarations,
 * and its `orchestra` bin runs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";

interface PackedFile {
  path: string;
  size: number;
}

/** The environment of `npm test` minus what would tie a child npm to this repository. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/.test(key)) continue;
    if (key === "INIT_CWD") continue;
    env[key] = value;
  }
  return env;
}

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: npmEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function node(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** docs/api.md's `js` blocks, in order: one ES module. */
function docExamples(): string {
  const text = readFileSync(join(repoRoot, "docs/api.md"), "utf8");
  return [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join("\n");
}

describe("[pack] the packed package, installed into an empty project", () => {
  const work = mkdtempSync(join(tmpdir(), "orchestra-pack-"));
  const project = join(work, "project");
  const installed = join(project, "node_modules/agent-orchestra");
  let files: PackedFile[] = [];
  let tarballSize = 0;
  const took: Record<string, number> = {};

  beforeAll(() => {
    if (!existsSync(join(repoRoot, "dist/index.js")) || !existsSync(join(repoRoot, "dist/index.d.ts")))
      throw new Error("dist/ is not built: run `npm run build` (npm test does) before this test");
    let start = performance.now();
    const [packed] = JSON.parse(
      npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], repoRoot),
    ) as { filename: string; size: number; files: PackedFile[] }[];
    took.pack = performance.now() - start;
    files = packed!.files;
    tarballSize = packed!.size;

    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
    );
    start = performance.now();
    npm(
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        join(work, packed!.filename),
      ],
      project,
    );
    took.install = performance.now() - start;

    // The edge suite, its context files and its recordings, where docs/api.md's examples look.
    cpSync(join(repoRoot, "suites/edge.yaml"), join(project, "suites/edge.yaml"));
    for (const dir of readdirSync(join(repoRoot, "suites/cases")).filter((d) => d.startsWith("edge-")))
      cpSync(join(repoRoot, "suites/cases", dir), join(project, "suites/cases", dir), { recursive: true });
    mkdirSync(join(project, "fixtures/recordings"), { recursive: true });
    for (const file of readdirSync(join(repoRoot, "fixtures/recordings")).filter((f) =>
      f.startsWith("edge-"),
    ))
      cpSync(join(repoRoot, "fixtures/recordings", file), join(project, "fixtures/recordings", file));
  }, 120_000);

  it("holds what it needs at run time and nothing it does not", () => {
    const paths = files.map((f) => f.path);
    for (const needed of [
      "package.json",
      "bin/orchestra.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/bundle/main.mjs",
      "dist/cli/main.js",
      "orchestra.config.yaml",
      "agents/orchestration/tech-lead-orchestrator.md",
      "schemas/orchestra.config.schema.json",
    ])
      expect(paths).toContain(needed);
    expect(
      paths.filter((p) => p.startsWith("agents/") && p.endsWith(".md") && !/readme/i.test(p)),
    ).toHaveLength(47);
    const unwanted = paths.filter((p) =>
      /^(src|test|fixtures|suites|bench|scripts|reports|docs)\/|\.map$/.test(p),
    );
    expect(unwanted).toEqual([]);
    expect(tarballSize).toBeLessThan(1_500_000);
    console.info(
      `[pack] ${files.length} files, tarball ${(tarballSize / 1000).toFixed(0)} kB; pack ${took.pack?.toFixed(0)} ms, install ${took.install?.toFixed(0)} ms`,
    );
  });

  it("is imported by name, and only through its exports", () => {
    writeFileSync(
      join(project, "exports.mjs"),
      [
        'import { createRequire } from "node:module";',
        'const api = await import("agent-orchestra");',
        'const { version } = createRequire(import.meta.url)("agent-orchestra/package.json");',
        "let internal = null;",
        'await import("agent-orchestra/dist/suite/index.js").catch((err) => { internal = err.code; });',
        "console.log(JSON.stringify({ names: Object.keys(api).length, version, internal, root: api.shipped.root }));",
      ].join("\n"),
    );
    const { code, stdout, stderr } = node(["exports.mjs"], project);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      names: expect.any(Number),
      version: JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version,
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED",
      root: installed,
    });
  });

  it("runs docs/api.md's examples: the edge suite in replay, summarized, compared, certified", () => {
    writeFileSync(join(project, "example.mjs"), docExamples());
    const start = performance.now();
    const { code, stdout, stderr } = node(["example.mjs"], project);
    took.examples = performance.now() - start;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("10 cases: edge-01-injection-in-ticket");
    expect(stdout).toMatch(/^pass {2}edge-05-429-storm$/m);
    expect(stdout).toMatch(/pass rate 1, cost \$[\d.]+, basis synthetic/);
    expect(stdout).toContain("## A/B: three-tier (B) against all-sonnet (A)");
    expect(stdout).toContain("NOT READY (basis synthetic)");
    expect(stdout).toContain("[ 'fenced', 'prose-around' ]");
    expect(stdout).toContain("no audit here:");
    // What the examples wrote: a run folder per profile, and a rendered certification.
    const results = readFileSync(join(project, "reports/api/three-tier/results.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(results).toHaveLength(10);
    const readiness = JSON.parse(readFileSync(join(project, "reports/api/readiness.json"), "utf8"));
    expect(readiness).toMatchObject({ ready: false, basis: "synthetic", profile: "three-tier" });
  });

  it("type-checks a TypeScript consumer against dist/index.d.ts, with no `any` in a signature", () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules/@types")],
        },
        files: ["consumer.ts"],
      }),
    );
    writeFileSync(
      join(project, "consumer.ts"),
      `import type * as api from "agent-orchestra";
import { loadConfig, readReply, type Readiness, type TrialResult } from "agent-orchestra";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** true when T is any, or an element or a property of it is. */
type Shallow<T> = IsAny<T> extends true
  ? true
  : T extends readonly (infer E)[]
    ? IsAny<E>
    : T extends (...args: never[]) => unknown
      ? false
      : T extends object
        ? true extends { [P in keyof T]-?: IsAny<T[P]> }[keyof T]
          ? true
          : false
        : false;
type Signature<F> = F extends (...args: infer A) => infer R
  ? Shallow<Awaited<R>> | { [I in keyof A]: Shallow<A[I]> }[number]
  : F extends abstract new (...args: infer A) => infer R
    ? Shallow<R> | { [I in keyof A]: Shallow<A[I]> }[number]
    : Shallow<F>;
type Api = typeof api;
type WithAny = { [K in keyof Api]: true extends Signature<Api[K]> ? K : never }[keyof Api];
export const noAny: [WithAny] extends [never] ? true : WithAny = true;

const { config } = loadConfig("orchestra.config.yaml");
export const tiers: string[] = Object.keys(config.tiers);
export const ready: Readiness["ready"] = readReply("<message/>").compliant;
export const verdicts: TrialResult["verdict"][] = ["pass", "fail", "error"];
`,
    );
    const { code, stdout, stderr } = node(
      [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."],
      project,
    );
    expect(`${stdout}${stderr}`).toBe("");
    expect(code).toBe(0);
  });

  it("runs its orchestra bin", () => {
    const bin = join(project, "node_modules/.bin/orchestra");
    const { code, stdout, stderr } = node(
      [
        bin,
        "--config",
        join(installed, "orchestra.config.yaml"),
        "agents",
        "--dir",
        join(installed, "agents"),
      ],
      project,
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("47 agents. By tier: opus 13, sonnet 21, haiku 13.");
  });
});
