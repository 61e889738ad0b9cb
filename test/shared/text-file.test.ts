import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstInvalidUtf8, readTextFile } from "../../src/shared/text-file.js";

const dir = mkdtempSync(join(tmpdir(), "orchestra-text-"));
const write = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe("readTextFile", () => {
  it("reads UTF-8 text, keeping a byte-order mark as readFileSync does", () => {
    const path = write("ok.yaml", "\uFEFFname: café ✓\n");
    expect(readTextFile(path, "suites are UTF-8 YAML")).toEqual({
      kind: "text",
      text: "\uFEFFname: café ✓\n",
    });
  });

  it("reports a NUL byte with its offset, in one problem naming the file", () => {
    const path = write("bin.yaml", new Uint8Array([0x61, 0x3a, 0x20, 0x00, 0xff]));
    const read = readTextFile(path, "suites are UTF-8 YAML", "suites/bin.yaml");
    expect(read).toMatchObject({
      kind: "not-text",
      problem: {
        file: "suites/bin.yaml",
        message: "not a text file (a NUL byte at offset 3); suites are UTF-8 YAML",
      },
    });
  });

  it("reports bytes that are not UTF-8 with their offset and line", () => {
    // "é" in Latin-1 on the third line.
    const path = write("latin1.yaml", Buffer.from("a: 1\nb: 2\nc: caf\xe9\n", "latin1"));
    const read = readTextFile(path, "suites are UTF-8 YAML");
    expect(read).toMatchObject({
      kind: "not-text",
      problem: {
        line: 3,
        message: "not a UTF-8 text file (byte 0xE9 at offset 16 is not valid UTF-8); suites are UTF-8 YAML",
      },
    });
  });

  it("says UTF-16 for a UTF-16 file rather than binary", () => {
    const path = write("utf16.yaml", Buffer.from("\uFEFFa: 1\n", "utf16le"));
    expect(readTextFile(path, "x")).toMatchObject({
      kind: "not-text",
      problem: { message: expect.stringMatching(/UTF-16/) },
    });
  });

  it("reports a missing file as unreadable, with the fs error for the caller's own wording", () => {
    const read = readTextFile(join(dir, "none.yaml"), "x");
    expect(read.kind).toBe("unreadable");
    if (read.kind === "unreadable") expect(read.error.code).toBe("ENOENT");
  });
});

describe("firstInvalidUtf8", () => {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const valid = (bytes: Uint8Array) => {
    try {
      decoder.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it("agrees with the platform's fatal decoder on any bytes: valid up to the offset, invalid from it", () => {
    // Bytes around the multi-byte boundaries (C2, E0, ED, F0, F4, continuation bytes) are the cases.
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(
        0x7f,
        0x80,
        0x8f,
        0x90,
        0x9f,
        0xa0,
        0xbf,
        0xc0,
        0xc1,
        0xc2,
        0xdf,
        0xe0,
        0xed,
        0xef,
        0xf0,
        0xf4,
        0xf5,
      ),
    );
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 12 }),
        fc.string({ unit: "grapheme", maxLength: 4 }),
        (raw, text) => {
          const bytes = new Uint8Array([...Buffer.from(text, "utf8"), ...raw]);
          const at = firstInvalidUtf8(bytes);
          expect(at === bytes.length).toBe(valid(bytes));
          expect(valid(bytes.subarray(0, at))).toBe(true);
        },
      ),
      { numRuns: 5000, seed: 20261201 },
    );
  });
});
