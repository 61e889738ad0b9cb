import { readFileSync } from "node:fs";
import type { Problem } from "./problem.js";

/** What reading a user's text file gave: its text, or one problem ready to report. */
export type TextFile =
  | { kind: "text"; text: string }
  /** Binary, UTF-16 or not UTF-8: reported before any parser sees it, whose errors would quote it. */
  | { kind: "not-text"; problem: Problem }
  /** Missing, a folder, unreadable: `error` is the fs error, for callers with their own wording. */
  | { kind: "unreadable"; problem: Problem; error: NodeJS.ErrnoException };

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads a file that must be UTF-8 text (suites, agents, the config, scenarios). `what` says what
 * the file should be, e.g. "suites are UTF-8 YAML"; `file` is the name problems show. The BOM is
 * kept, as `readFileSync(path, "utf8")` keeps it, so that loaders see the same text as before.
 */
export function readTextFile(path: string, what: string, file: string = path): TextFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return { kind: "unreadable", error, problem: { file, message: `cannot read file: ${error.message}` } };
  }
  const reason = notTextReason(bytes);
  if (reason)
    return { kind: "not-text", problem: { file, ...reason, message: `${reason.message}; ${what}` } };
  return { kind: "text", text: UTF8.decode(bytes) };
}

/** Why these bytes are not UTF-8 text, or undefined when they are. */
export function notTextReason(bytes: Uint8Array): Pick<Problem, "line" | "message" | "fix"> | undefined {
  // UTF-16 is text, but not the encoding these files are read in: say so rather than "binary".
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return {
      message: "not a UTF-8 text file (UTF-16, by its byte-order mark)",
      fix: "save it as UTF-8",
    };
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return {
      message: `not a text file (a NUL byte at offset ${nul})`,
      fix: "check the path: this looks like a binary file",
    };
  }
  try {
    UTF8.decode(bytes);
    return undefined;
  } catch {
    // The decoder says only that the bytes are invalid; find where, so that the user can look.
    const at = firstInvalidUtf8(bytes);
    return {
      line: lineAt(bytes, at),
      message: `not a UTF-8 text file (byte 0x${(bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0")} at offset ${at} is not valid UTF-8)`,
      fix: "save it as UTF-8 (it may be in Latin-1 or Windows-1252)",
    };
  }
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence (WHATWG's decoder rules:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or `bytes.length` if there is none.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Length of the sequence and the range its second byte must be in (the others are 80..BF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return i;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}
