import { resolve } from "node:path";
import type { Config } from "../config/index.js";
import {
  createGateway,
  type Gateway,
  MissingApiKeyError,
  type Mode,
  RecordingStore,
} from "../models/index.js";
import { DEFAULT_RECORDINGS } from "./defaults.js";
import { UsageError } from "./exit.js";

/** The gateway every command uses; a missing API key is a usage error (one line, exit 2). */
export function openGateway(
  config: Config,
  mode: Mode,
  recordings: string,
  recordCommand?: (caseId: string, trial: number) => string,
  timeoutMs?: number,
): Gateway {
  try {
    return createGateway({
      config,
      mode,
      recordings: new RecordingStore(resolve(recordings)),
      ...(recordCommand ? { recordCommand } : {}),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  } catch (err) {
    if (err instanceof MissingApiKeyError) throw new UsageError(err.message);
    throw err;
  }
}

/** How to record what a replay missed, for a case of a suite run under a profile. */
export function recordCommandFor(
  profile: string,
  caseId: string,
  where: { paths?: readonly string[]; recordings?: string; trial?: number } = {},
): string {
  const paths = where.paths?.length ? ` ${where.paths.join(" ")}` : "";
  const recordings =
    where.recordings && where.recordings !== DEFAULT_RECORDINGS ? ` --recordings ${where.recordings}` : "";
  const trials = where.trial && where.trial > 1 ? ` --trials ${where.trial}` : "";
  return `ANTHROPIC_API_KEY=... npx orchestra run${paths} --mode record --profile ${profile} --filter ${caseId}${trials}${recordings}`;
}
