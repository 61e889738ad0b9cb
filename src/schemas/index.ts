import { z } from "zod";
import { AgentFrontMatterSchema } from "../agents/index.js";
import { ConfigSchema } from "../config/index.js";
import { ScenarioSchema } from "../fake-api/index.js";
import { RecordingSchema } from "../models/index.js";
import { HistoryEntrySchema, RunHistorySchema } from "../suite/history.js";
import { RunManifestSchema } from "../suite/manifest.js";
import { TrialResultSchema } from "../suite/results.js";
import { SuiteFileSchema } from "../suite/schema.js";

/**
 * JSON Schemas of every file format, generated from the zod schemas (the single source of truth)
 * for editor completion and for other tools. `npm run schemas` writes them; a test keeps the
 * committed copies in step.
 */
export function jsonSchemas(): Record<string, unknown> {
  return {
    "orchestra.config.schema.json": withTitle(ConfigSchema, "orchestra.config.yaml"),
    "agent.schema.json": withTitle(AgentFrontMatterSchema, "Agent file front matter"),
    "scenario.schema.json": withTitle(ScenarioSchema, "Fake API scenario"),
    "suite.schema.json": withTitle(SuiteFileSchema, "Certification suite file"),
    "recording.schema.json": withTitle(RecordingSchema, "One line of fixtures/recordings/<case>.jsonl"),
    "result.schema.json": withTitle(TrialResultSchema, "One line of results.jsonl (a trial)"),
    "run.schema.json": withTitle(RunManifestSchema, "run.json: the settings of a run"),
    "history.schema.json": withTitle(
      HistoryEntrySchema,
      "One line of <history>/history.jsonl (a trial of a run)",
    ),
    "run-history.schema.json": withTitle(
      RunHistorySchema,
      "history.json: what the run history held when the run was added",
    ),
  };
}

function withTitle(schema: z.ZodType, title: string): unknown {
  return { title, ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) };
}
