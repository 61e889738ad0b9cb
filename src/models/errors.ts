import type { ReplayMiss } from "./transport.js";

/** Every model call failed: the tier's model and each fallback, after the SDK's own retries. */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    readonly agent: string,
    readonly tried: { model: string; reason: string }[],
  ) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}

/** The response could not be used: not a message, or an error the fallback chain does not cover. */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly agent: string,
    readonly model: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ModelCallError";
  }
}

/** Replay found no recording for a request: never a silent live call. */
export class ReplayMissError extends Error {
  constructor(
    readonly agent: string,
    readonly caseId: string,
    readonly miss: ReplayMiss,
    readonly recordCommand: string,
  ) {
    super(describeMiss(agent, caseId, miss, recordCommand));
    this.name = "ReplayMissError";
  }
}

function describeMiss(agent: string, caseId: string, miss: ReplayMiss, recordCommand: string): string {
  const lines = [
    `no recording for ${agent} on ${miss.model} in case ${caseId}${miss.profile ? ` (profile ${miss.profile})` : ""}, trial ${miss.trial} (fingerprint ${miss.fingerprint.slice(0, 12)}, attempt ${miss.seq})`,
  ];
  if (miss.recordedForTrial > 0) {
    lines.push(
      `  this exact request was recorded ${miss.recordedForTrial} time(s) for this trial; attempt ${miss.seq} was not`,
    );
  } else if (miss.closest && miss.closest.differences.length === 0) {
    // The request itself is recorded, for other trials: trials are independent samples.
    lines.push(
      `  this exact request is recorded in ${miss.closest.file}, but not for trial ${miss.trial}: each trial is its own recording (record more with --trials)`,
    );
  } else if (miss.closest) {
    lines.push(
      `  closest recording: ${miss.closest.agent} on ${miss.closest.model} in ${miss.closest.file}; it differs in:`,
    );
    for (const d of miss.closest.differences)
      lines.push(`    ${d.path}: recorded ${d.recorded}, now ${d.current}`);
  } else {
    lines.push("  nothing is recorded for this case yet");
  }
  lines.push(`  to record it: ${recordCommand}`);
  return lines.join("\n");
}
