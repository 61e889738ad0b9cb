import Anthropic from "@anthropic-ai/sdk";
import { afterEach } from "vitest";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../../src/fake-api/index.js";

const open: FakeApi[] = [];

/** Every server started through `serve` is closed after each test. */
afterEach(async () => {
  await Promise.all(open.splice(0).map((api) => api.close()));
});

export async function serve(options: FakeApiOptions = {}): Promise<FakeApi> {
  const api = await startFakeApi({ port: 0, ...options });
  open.push(api);
  return api;
}

/** The real SDK client, with short timeouts and no retries unless asked. */
export function clientOf(
  api: { url: string },
  options: { maxRetries?: number; timeout?: number } = {},
): Anthropic {
  return new Anthropic({
    baseURL: api.url,
    apiKey: "test-key",
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 3_000,
    logLevel: "off",
  });
}

export const MODEL = "claude-sonnet-5-5";

export const TASK =
  '<message type="task-assignment" id="t-7" from="security-coordinator" to="security-auditor">\n' +
  "  <objective>Audit the login handler.</objective>\n" +
  "  <acceptance-criteria><criterion>Findings listed.</criterion></acceptance-criteria>\n" +
  "  <priority>high</priority>\n" +
  "</message>";

export const params = {
  model: MODEL,
  max_tokens: 512,
  messages: [{ role: "user" as const, content: TASK }],
};

export function textOf(message: Anthropic.Message): string {
  return message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

/** Resolves with what a promise rejects with; fails if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
