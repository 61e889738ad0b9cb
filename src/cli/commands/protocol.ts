import { closeSync, openSync, readSync } from "node:fs";
import { validateMessage } from "../../protocol/index.js";
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
  const text = file === "-" ? await readStdin(opts.maxBytes + 1) : readHead(file, opts.maxBytes + 1);
  const report = validateMessage(text, { maxBytes: opts.maxBytes });
  if (opts.json) {
    printJson(output, {
      compliant: report.compliant,
      type: report.type ?? null,
      violations: report.violations,
      overheadRatio: report.overheadRatio ?? null,
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
  }
  return report.compliant ? EXIT.ok : EXIT.failed;
}

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? "n/a" : `${(ratio * 100).toFixed(1)}%`;
}

function readHead(file: string, limit: number): string {
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
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    size += buf.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}
