import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../helpers/cli.js";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  if?: string;
}
interface Job {
  needs?: string;
  strategy?: { matrix: Record<string, (string | number)[]> };
  steps: Step[];
}

/** Every combination of a job's matrix (one empty combination without a matrix). */
function combinations(matrix: Record<string, (string | number)[]> | undefined): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(matrix ?? {}))
    out = out.flatMap((c) => values.map((v) => ({ ...c, [key]: String(v) })));
  return out;
}

const expand = (text: string, matrix: Record<string, string>) =>
  text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => matrix[k] ?? "");

/**
 * docs/ci.md's workflow, run locally in order: each job's `run` steps in a shell (with `npx
 * orchestra` as the built CLI), upload-artifact and download-artifact as the actions move files,
 * `GITHUB_STEP_SUMMARY` and `GITHUB_ACTIONS` set as on a runner.
 */
describe("docs/ci.md's workflow", () => {
  it("runs shard by shard, merges, certifies the merged runs as an unsharded certify would, and always writes the summary", () => {
    const doc = readFileSync(join(repoRoot, "docs/ci.md"), "utf8");
    const workflow = parse(/```yaml\n([\s\S]*?)```/.exec(doc)![1]!) as { jobs: Record<string, Job> };
    const work = mkdtempSync(join(tmpdir(), "ci-workflow-"));
    for (const name of ["agents", "suites", "fixtures", "orchestra.config.yaml"])
      symlinkSync(join(repoRoot, name), join(work, name));
    const artifacts = join(work, ".artifacts");
    mkdirSync(artifacts);
    const summary = join(work, "step-summary.md");
    writeFileSync(summary, "");
    const bin = join(repoRoot, "bin/orchestra.js");
    const codes: { job: string; command: string; code: number }[] = [];
    const annotations: string[] = [];
    const order = Object.entries(workflow.jobs).sort(([, a], [, b]) => (a.needs ? 1 : 0) - (b.needs ? 1 : 0));
    for (const [name, job] of order) {
      for (const matrix of combinations(job.strategy?.matrix)) {
        for (const step of job.steps) {
          if (step.run && step.run !== "npm ci") {
            const command = expand(step.run, matrix).replace(/npx orchestra/g, `node ${bin}`);
            const r = spawnSync("sh", ["-c", command], {
              cwd: work,
              encoding: "utf8",
              env: { ...process.env, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: "true", NO_COLOR: "1" },
              timeout: 60_000,
            });
            codes.push({ job: name, command, code: r.status ?? -1 });
            annotations.push(...r.stdout.split("\n").filter((l) => l.startsWith("::error ")));
          } else if (step.uses?.startsWith("actions/upload-artifact")) {
            const w = step.with ?? {};
            cpSync(join(work, expand(w.path!, matrix)), join(artifacts, expand(w.name!, matrix)), {
              recursive: true,
            });
          } else if (step.uses?.startsWith("actions/download-artifact")) {
            // Without a name, every artifact lands in its own folder under `path`.
            for (const a of readdirSync(artifacts))
              cpSync(join(artifacts, a), join(work, step.with!.path!, a), { recursive: true });
          }
        }
      }
    }
    // Every shard ran (8) and both merges passed; the certification fails its gates (synthetic).
    expect(codes.filter((c) => c.job === "suite").map((c) => c.code)).toEqual(Array(8).fill(0));
    const certify = codes.find((c) => c.command.includes(" certify "))!;
    expect(codes.filter((c) => c.command.includes(" merge ")).map((c) => c.code)).toEqual([0, 0]);
    expect(certify.code).toBe(1);
    // The summary was appended though certify failed: the readiness table is there.
    const written = readFileSync(summary, "utf8");
    expect(written).toContain("## Production readiness: NOT READY");
    expect(written).toContain("> **SYNTHETIC BASIS.**");
    // Annotations point at failing cases in their suite files.
    expect(
      annotations.some((a) => /^::error file=suites\/missions\.yaml,line=\d+,title=Failed%3A mis-15/.test(a)),
    ).toBe(true);
    // The certification of the merged shards is the unsharded certification.
    const whole = spawnSync(process.execPath, [bin, "certify", "--out", join(work, "whole")], {
      cwd: work,
      encoding: "utf8",
    });
    expect(whole.status).toBe(1);
    const gates = (dir: string) =>
      (
        JSON.parse(readFileSync(join(work, dir, "readiness.json"), "utf8")).gates as {
          id: string;
          status: string;
          value: number | null;
        }[]
      ).map((g) => `${g.id} ${g.status} ${g.value}`);
    expect(gates("reports/certification")).toEqual(gates("whole"));
  }, 120_000);
});
