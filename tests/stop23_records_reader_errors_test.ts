/**
 * Stop 23 (h4): every refusal of `readNpyRecords` names the true cause and
 * the fix. A file of several `np.save` records cut inside a later record's
 * header whose length field is absurd (a cut or corrupt length) was refused
 * with "raise maxHeaderSize", which cannot help: the file does not hold
 * that header. A cut record named no fix, and bytes after a later record
 * said "call recover", which refuses files of several records.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyFormatError, readNpyRecordsSync, readNpySync } from "../mod.ts";
import { npSaveBytes, numpyTestOptions, tempDir } from "./_numpy.ts";

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The header's length field set to `n` (version 1: 2 bytes, else 4). */
function withLength(record: Uint8Array, n: number): Uint8Array {
  const out = record.slice();
  const view = new DataView(out.buffer);
  if (out[6] === 1) view.setUint16(8, n, true);
  else view.setUint32(8, n, true);
  return out;
}

function refusal(path: string): NpyFormatError {
  try {
    readNpyRecordsSync(path);
  } catch (e) {
    assert.ok(e instanceof NpyFormatError, String(e));
    return e;
  }
  assert.fail(`${path} was read`);
}

test(
  "records cut or corrupt: each refusal names the cause and the fix",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const a = npSaveBytes("np.arange(3)");
      const b = npSaveBytes("np.arange(4.0)");
      const at = a.length;
      const file = (name: string, bytes: Uint8Array) => {
        const p = join(dir, `h4_${name}.npy`);
        writeFileSync(p, bytes);
        return p;
      };
      // A later record's length field absurd, the file ending inside.
      for (const n of [60000, 65535, 10100]) {
        const p = file(
          `absurd${n}`,
          concat(a, withLength(b, n).subarray(0, 40)),
        );
        const e = refusal(p);
        assert.equal(e.code, "truncated", e.message);
        assert.doesNotMatch(e.message, /maxHeaderSize/);
        assert.match(e.message, new RegExp(`record 2 \\(at byte ${at}\\)`));
        assert.match(e.message, /cut off/);
        assert.match(e.message, new RegExp(`cut it to its first ${at} bytes`));
      }
      // The same for the first record (readNpy, readNpyRecords): the file
      // cannot hold the header its length field says.
      const first = file("first", withLength(a, 60000).subarray(0, 40));
      for (const read of [readNpySync, readNpyRecordsSync]) {
        assert.throws(
          () => read(first),
          (e: Error) =>
            e instanceof NpyFormatError && e.code === "truncated" &&
            !/maxHeaderSize/.test(e.message) &&
            /the header needs 60010 bytes but the file has 40/.test(e.message),
        );
      }
      // Version 2 (4-byte length field).
      const v2 = npSaveBytes(
        "np.zeros(2, [('x' * 70000, '<i4')])",
      );
      assert.equal(v2[6], 2);
      const p2 = file("v2", concat(a, withLength(v2, 2 ** 31).subarray(0, 64)));
      assert.match(refusal(p2).message, /cut off.*cut it to its first/);
      // A whole header beyond the cap still names maxHeaderSize.
      const big = file("big", concat(a, v2));
      const e = refusal(big);
      assert.equal(e.code, "header-too-large");
      assert.match(e.message, /raise maxHeaderSize/);
      assert.equal(
        readNpyRecordsSync(big, { maxHeaderSize: 100000 }).length,
        2,
      );
      // Data cut: a later record names the cut, a first one recover.
      const cut = file("cutdata", concat(a, b));
      truncateSync(cut, at + b.length - 5);
      assert.match(
        refusal(cut).message,
        new RegExp(
          `record 2 \\(at byte ${at}\\) is cut off.*cut it to its first ${at} bytes`,
        ),
      );
      const cutFirst = file("cutfirst", a.subarray(0, a.length - 4));
      assert.match(
        refusal(cutFirst).message,
        /record 1 .*is cut off.*call recover/,
      );
      // Bytes after a later record: not "call recover" (it refuses files
      // of several records).
      const junk = file("junk", concat(a, b, new TextEncoder().encode("junk")));
      const j = refusal(junk);
      assert.doesNotMatch(j.message, /recover/);
      assert.match(
        j.message,
        new RegExp(`cut the file to its first ${at + b.length} bytes`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
