import { closeSync, openSync, readSync } from "node:fs";
import {
  deviationKinds,
  readReply,
  type ValidationReport,
  type Violation,
  validateMessage,
} from "../../protocol/index.js";
import { EXIT, UsageError } from "../exit.js";
import { type Output, printJson } from "../output.js";

export interface ProtocolValidateOptions {
  json?: boolean;
  maxBytes: number;
}

export async function protocolValidateCommand(
  file: string,
  opts: ProtocolValidateOptions,
  output: Output,
): Promise<number> {
  // Read one byte past the limit so an oversized input is reported without being read whole.
  const bytes = file === "-" ? await readStdin(opts.maxBytes + 1) : readHead(file, opts.maxBytes + 1);
  const text = decodeUtf8(bytes, opts.maxBytes);
  const report: ValidationReport =
    typeof text === "string"
      ? validateMessage(text, { maxBytes: opts.maxBytes })
      : { compliant: false, recovered: false, violations: [text] };
  // What the orchestrator would act on: the recovered reading, with what it had to undo.
  const reading =
    typeof text === "string" ? readReply(text, { limits: { maxBytes: opts.maxBytes } }) : undefined;
  if (opts.json) {
    printJson(output, {
      compliant: report.compliant,
      type: report.type ?? null,
      violations: report.violations,
      overheadRatio: report.overheadRatio ?? null,
      readable: reading?.message !== undefined,
      deviations: reading?.deviations ?? [],
    });
  } else if (report.compliant) {
    output.out(`compliant ${report.type} message; overhead ${formatRatio(report.overheadRatio)}`);
  } else {
    const what = report.recovered
      ? `a ${report.type} message was found but is not compliant`
      : "not compliant";
    output.out(`${file === "-" ? "stdin" : file}: ${what} (${report.violations.length} violation(s))`);
    for (const v of report.violations) {
      output.out(`  ${v.path}: ${v.message} (expected ${v.expected}, found ${v.found})`);
    }
    if (reading?.message) {
      output.out(`the recovered reading reads a ${reading.message.type} message, undoing:`);
      for (const d of reading.deviations) output.out(`  ${d.kind} at ${d.path}: ${d.detail}`);
    } else if (reading) {
      output.out(`nothing can be read without guessing: ${deviationKinds(reading).join(", ")}`);
    }
  }
  return report.compliant ? EXIT.ok : EXIT.failed;
}

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? "n/a" : `${(ratio * 100).toFixed(1)}%`;
}

/**
 * The text of the input, or the violation that it is not UTF-8: decoding would silently turn bad
 * bytes into U+FFFD, a character XML allows, and the message would pass. A sequence cut by the
 * size limit is not the input's fault: that is the size check's to report.
 */
function decodeUtf8(bytes: Buffer, maxBytes: number): string | Violation {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    if (bytes.length > maxBytes) return bytes.toString("utf8");
    let at = 0;
    for (; at < bytes.length; at++) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, at + 1), { stream: true });
      } catch {
        break;
      }
    }
    return {
      path: "(document)",
      expected: "UTF-8 text",
      found: `byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at offset ${at}`,
      message: "the input is not valid UTF-8",
    };
  }
}

function readHead(file: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    const buffer = Buffer.alloc(limit);
    let read = 0;
    for (;;) {
      const n = readSync(fd, buffer, read, limit - read, null);
      if (n === 0 || read + n >= limit) {
        read += n;
        break;
      }
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

async function readStdin(limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    size += buf.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}
