import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderCertification, writeOtlpTraces, writeRunOutputs } from "../../report/index.js";
import { EXIT, UsageError } from "../exit.js";
import type { Output } from "../output.js";

/** Re-renders a run or certification folder from its results alone. */
export async function reportCommand(
  dirArg: string,
  output: Output,
  opts: { otel?: string } = {},
): Promise<number> {
  const dir = resolve(dirArg);
  // From the folder's results.jsonl (a certification's holds both profiles), after the re-render.
  const traces = async () => {
    if (!opts.otel) return;
    const written = await writeOtlpTraces(dir, resolve(opts.otel));
    output.out(`traces: ${resolve(opts.otel)} (${written.traces} traces, OTLP/JSON)`);
  };
  if (existsSync(join(dir, "certification.json"))) {
    const { readiness } = await renderCertification(dir);
    output.out(`re-rendered certification in ${dir}: ${readiness.ready ? "READY" : "NOT READY"}`);
    await traces();
    return EXIT.ok;
  }
  if (!existsSync(join(dir, "results.jsonl"))) throw new UsageError(`no results.jsonl in ${dirArg}`);
  const { summary } = await writeRunOutputs(dir);
  output.out(`re-rendered ${dir}: ${summary.totals.passed}/${summary.totals.trials} trials passed`);
  await traces();
  return EXIT.ok;
}
