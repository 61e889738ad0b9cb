import { readFileSync } from "node:fs";

/** The harness's version, from package.json: run.json records it. */
export const HARNESS_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
