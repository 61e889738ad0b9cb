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

/**
 * A call waited out 429s on its own model past its deadline (orchestra.calls.rateLimitDeadlineMs),
 * or the API said not to retry: rate limits never move a call to another model.
 */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    readonly agent: string,
    readonly model: string,
    readonly waits: number,
  ) {
    super(message);
    this.name = "RateLimitedError";
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
      `  this exact request was recorded ${miss.recordedForTrial} time(s) for trial ${miss.trial}; attempt ${miss.seq} was not (the run retried more than the recording did)`,
    );
  } else if (miss.recordedTrials.length > 0) {
    // The request itself is recorded, for other trials: each trial is its own sample.
    lines.push(
      `  this exact request is recorded for trial(s) ${miss.recordedTrials.join(", ")} in ${miss.closest?.file ?? "the case's file"}, not for trial ${miss.trial}: each trial is its own recording, so trial ${miss.trial} must be recorded (--trials ${miss.trial} or more)`,
    );
  } else if (miss.closest) {
    lines.push(
      `  nearest recording: ${miss.closest.agent} on ${miss.closest.model}, recorded under profile ${miss.closest.profile || "(none)"}, in ${miss.closest.file}; it differs in:`,
    );
    for (const d of miss.closest.differences)
      lines.push(`    ${d.path}: recorded ${d.recorded}, now ${d.current}`);
  } else {
    lines.push("  nothing is recorded for this case yet");
  }
  lines.push(`  to record it: ${recordCommand}`);
  return lines.join("\n");
}
