/**
 * Stop 21 (h7): from-csv of text that is not UTF-8 (a latin-1 export from
 * Excel, a stray byte) said only `Cannot read "x.csv": it is not UTF-8
 * text`: no line, no byte, no fix, so a 2 GB file had to be searched by
 * hand. It now names the line, the byte offset and value, and the fix
 * (convert with iconv); the position is right across chunk boundaries, a
 * character split between chunks, CRLF and lone CR line ends, and a
 * sequence cut short at the end of the file. OUT is left as it was.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

const enc = new TextEncoder();
const cat = (...parts: (string | number[])[]) => {
  const bs = parts.map((p) =>
    typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)
  );
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
};

// A long valid prefix (several of the CLI's read chunks), é split anywhere.
const big = "1,2\n".repeat(300_000) + '"é",3\r\n';
const cases: [string, Uint8Array, number, number, string][] = [
  ["a latin-1 é on line 3", cat("1,2\n3,4\n5,", [0xe9], "\n"), 3, 10, "0xE9"],
  [
    "after CRLF and lone CR line ends",
    cat("1\r\n2\r3\r", [0xff], "\n"),
    4,
    7,
    "0xFF",
  ],
  [
    "past 1.2 MB of text with a split é",
    cat(big, "x", [0xc3, 0x28]),
    300_002,
    enc.encode(big).length + 1,
    "0xC3",
  ],
  [
    "a sequence cut short at the end",
    cat("1,2\n3,", [0xe2, 0x82]),
    2,
    6,
    "0xE2",
  ],
];

for (const [name, bytes, line, offset, byte] of cases) {
  test(`from-csv of text that is not UTF-8 (${name}): the line, byte and fix`, () => {
    const dir = tempDir();
    const csv = join(dir, "in.csv");
    writeFileSync(csv, bytes);
    const out = join(dir, "out.npy");
    const r = cli(
      ["from-csv", "--no-progress", "--dtype", "U3", csv, out],
      ALL_PERMISSIONS,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `npy-append-array: Cannot read ${csv} line ${line}: it is not UTF-8 text (byte ${byte} at offset ${offset}); convert it first, such as iconv -f latin1 -t utf-8 ${csv} > utf8.csv`,
    );
    assert.equal(existsSync(out), false);
  });
}

test("from standard input: the same line and byte, named as stdin", () => {
  const dir = tempDir();
  const out = join(dir, "out.npy");
  const r = cli(["from-csv", "--no-progress", "-", out], {
    input: cat("1\n2\n", [0x80], "\n"),
    allPermissions: true,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    / line 3: it is not UTF-8 text \(byte 0x80 at offset 4\)/,
  );
  assert.equal(existsSync(out), false);
});
