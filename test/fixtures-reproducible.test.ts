import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/cli.js";

function record(filter: string): string {
  const out = mkdtempSync(join(tmpdir(), "fixtures-"));
  const r = spawnSync(process.execPath, [join(repoRoot, "scripts/fixtures.mjs"), filter, "--out", out], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe("npm run fixtures", () => {
  it("gives the same bytes twice, and the bytes that are committed", () => {
    const first = record("core-");
    const second = record("core-");
    const files = readdirSync(first).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(readdirSync(second).sort()).toEqual(files);
    for (const f of files) {
      const bytes = readFileSync(join(first, f), "utf8");
      expect(readFileSync(join(second, f), "utf8"), f).toBe(bytes);
      expect(
        readFileSync(join(repoRoot, "fixtures/recordings", f), "utf8"),
        `${f} is stale: run npm run fixtures`,
      ).toBe(bytes);
    }
  });
});
