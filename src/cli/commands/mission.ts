import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadAgents } from "../../agents/index.js";
import { loadConfig } from "../../config/index.js";
import { formatUsd, type Mode, ReplayMissError, sha256 } from "../../models/index.js";
import { type CallEvent, type ContextItem, runMission } from "../../orchestra/index.js";
import { renderTraceTree } from "../../report/index.js";
import { EXIT, UsageError } from "../exit.js";
import { openGateway } from "../gateway.js";
import { type Output, printJson } from "../output.js";

export interface MissionOptions {
  config: string;
  context: string[];
  profile: string;
  mode: Mode;
  json?: boolean;
  recordings: string;
  case?: string;
  agentsDir: string;
}

export async function missionCommand(text: string, opts: MissionOptions, output: Output): Promise<number> {
  const { config } = loadConfig(resolve(opts.config));
  if (!config.profiles[opts.profile]) {
    throw new UsageError(
      `unknown profile "${opts.profile}" (known: ${Object.keys(config.profiles).join(", ")})`,
    );
  }
  const registry = loadAgents(resolve(opts.agentsDir), { tiers: Object.keys(config.tiers) });
  if (registry.agents.length === 0) throw new UsageError(`no agents loaded from ${opts.agentsDir}`);
  const context: ContextItem[] = opts.context.map((file) => {
    try {
      // Files handed to a mission are untrusted: L1 screens them before any agent reads them.
      return { kind: "file", path: file, text: readFileSync(resolve(file), "utf8"), trust: "untrusted" };
    } catch (err) {
      throw new UsageError(
        `cannot read --context ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  });
  // Ad hoc missions are recorded under a case id derived from their input, so a replay finds them.
  const caseId =
    opts.case ??
    `mission-${sha256([text, ...context.map((c) => `${c.path}\n${c.text}`)].join("\n\0")).slice(0, 12)}`;
  const gateway = openGateway(
    config,
    opts.mode,
    opts.recordings,
    () =>
      `ANTHROPIC_API_KEY=... npx orchestra mission ${JSON.stringify(text)} --mode record --case ${caseId}${opts.context.map((c) => ` --context ${c}`).join("")}`,
  );
  let outcome: Awaited<ReturnType<typeof runMission>>;
  try {
    outcome = await runMission(
      { text, context },
      { config, agents: registry.agents, gateway, profile: opts.profile, caseId, trial: 1 },
    );
  } catch (err) {
    if (err instanceof ReplayMissError) {
      output.err(`orchestra: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  } finally {
    const written = gateway.flush();
    if (written.length > 0 && !opts.json) output.err(`recorded: ${written.join(", ")}`);
  }
  const calls = outcome.trace.events.filter((e): e is CallEvent => e.kind === "call");
  const synthetic = calls.filter((c) => c.provenance.source === "synthetic").length;
  const basis =
    calls.length === 0 ? "none" : synthetic > 0 ? "synthetic" : opts.mode === "replay" ? "recorded" : "live";
  if (opts.json) {
    printJson(output, {
      case: caseId,
      profile: opts.profile,
      mode: opts.mode,
      basis,
      final: outcome.final,
      totals: outcome.totals,
      trace: outcome.trace,
    });
  } else {
    const t = outcome.totals;
    if (basis === "synthetic")
      output.out(
        `SYNTHETIC BASIS: ${synthetic} of ${calls.length} model calls are synthetic (the fake API or hand-written scenarios); this measures no Claude model.\n`,
      );
    else if (basis === "recorded")
      output.out("Recorded basis: replayed from live recordings; latencies are as recorded.\n");
    output.out(renderTraceTree(outcome.trace));
    output.out(
      `\n${t.calls} calls, ${t.agents.length} agents, ${formatUsd(t.costMicroUsd)}, ${t.usage.inputTokens + t.usage.cacheReadTokens + t.usage.cacheWriteTokens} input + ${t.usage.outputTokens} output tokens, ` +
        `${t.escalations} escalations, ${t.fallbacks} fallbacks, compliance ${t.compliantMessages}/${t.agentMessages} strict (${t.recoveredMessages} recovered${
          Object.keys(t.deviations).length
            ? `: ${Object.entries(t.deviations)
                .map(([k, n]) => `${k} ${n}`)
                .join(", ")}`
            : ""
        }). Case ${caseId}, profile ${opts.profile}, mode ${opts.mode}, basis ${basis}.`,
    );
    output.out(`\nFinal ${outcome.final.type}:\n${outcome.finalXml}`);
  }
  return outcome.final.type === "result" ? EXIT.ok : EXIT.failed;
}
