import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderCertification, writeRunOutputs } from "../../report/index.js";
import { EXIT, UsageError } from "../exit.js";
import type { Output } from "../output.js";

/** Re-renders a run or certification folder from its results alone. */
export async function reportCommand(dirArg: string, output: Output): Promise<number> {
  const dir = resolve(dirArg);
  if (existsSync(join(dir, "certification.json"))) {
    const { readiness } = renderCertification(dir);
    output.out(`re-rendered certification in ${dir}: ${readiness.ready ? "READY" : "NOT READY"}`);
    return EXIT.ok;
  }
  if (!existsSync(join(dir, "results.jsonl"))) throw new UsageError(`no results.jsonl in ${dirArg}`);
  const { summary } = writeRunOutputs(dir);
  output.out(`re-rendered ${dir}: ${summary.totals.passed}/${summary.totals.trials} trials passed`);
  return EXIT.ok;
}
