/**
 * Reads of files whose header has no room to grow (as NumPy < 1.23 wrote
 * them), the only files an in-place `ensureAppendable` moves the data of.
 * A reader must never return moved bytes as values, and checks for a move
 * after each read; that check used to cost a 12-byte read of the header
 * and a look for the change record per read (10 to 30 times an ordinary
 * file's row). It is now the file's size after the read (one `fstat`), the
 * full check only when the size changed. These tests hold the values to
 * NumPy's, race a reader against a move killed at every file call and
 * against a whole move in another process, and count the file calls of a
 * read.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  type FileLikeSync,
  inspectNpySync,
  MemoryFile,
  NpyFormatError,
  NpyReader,
  recoverSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import {
  npSliceHashes,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { killPoints } from "./_kill_at.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

/** Writes `eval(expr)` as NumPy < 1.23 did: the header padded to 16 bytes. */
const OLD_SAVE = `
import sys
import numpy as np
a = eval(sys.argv[2])
fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
d = {'descr': np.lib.format.dtype_to_descr(a.dtype), 'fortran_order': fortran, 'shape': a.shape}
h = "{" + "".join("%r: %r, " % (k, d[k]) for k in sorted(d)) + "}"
total = (10 + len(h) + 1 + 15) // 16 * 16
h = (h + " " * (total - 10 - len(h) - 1) + "\\n").encode("latin1")
with open(sys.argv[1], "wb") as f:
    f.write(b"\\x93NUMPY\\x01\\x00" + len(h).to_bytes(2, "little") + h)
    f.write(a.tobytes(order="F" if fortran else "C"))
`;

function changed(e: unknown): boolean {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "changed");
  return true;
}

/** The SHA-256 of an array's bytes (native order, as `npSliceHashes`). */
function hashOf(data: ArrayBufferView | unknown[]): string {
  assert.ok(ArrayBuffer.isView(data), "a typed array");
  return createHash("sha256").update(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  ).digest("hex");
}

test(
  "old-header files: random rows and batches hold np.load's values",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const cases: Array<[string, number]> = [
        ["np.arange(3000, dtype='<f8').reshape(1000, 3) / 7", 1000],
        ["np.arange(-500, 500, dtype='>i2')", 1000],
        ["(np.arange(400) * (1 + 2j)).astype('<c16').reshape(200, 2)", 200],
        [
          "np.asfortranarray(np.arange(1200, dtype='<u4').reshape(3, 400))",
          400,
        ],
        ["np.arange(24, dtype='<f4').reshape(2, 3, 4)", 2],
      ];
      for (const [expr, n] of cases) {
        const path = join(dir, "old.npy");
        runPython(OLD_SAVE, [path, expr]);
        assert.equal(inspectNpySync(path).appendable, false, expr);
        using reader = NpyReader.openSync(path);
        assert.equal(reader.length, n, expr);
        const ranges: Array<[number, number]> = [[0, n]];
        for (let k = 0; k < 20; k++) {
          const s = (k * 7919) % n;
          ranges.push([s, Math.min(n, s + 1 + (k % 3))]);
        }
        const want = npSliceHashes(path, ranges);
        for (let k = 0; k < ranges.length; k++) {
          const [s, e] = ranges[k]!;
          const got = reader.readSync(s, e);
          assert.deepEqual(got.shape, want[k]![0], `${expr} [${s}, ${e})`);
          assert.equal(hashOf(got.data), want[k]![1], `${expr} [${s}, ${e})`);
        }
        // Reads stay right after `recover` leaves the file alone.
        recoverSync(path);
        const [s, e] = ranges[5]!;
        assert.equal(hashOf(reader.readSync(s, e).data), want[5]![1], expr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a reader racing an in-place ensureAppendable killed at every file call: right values or `changed`, never others", () => {
  const root = tempDir();
  try {
    const values = ramp(5000);
    let finished = false;
    let thrown = 0;
    for (const n of killPoints(1, 200)) {
      if (finished) break;
      const path = join(root, `${n}.npy`);
      writeFileSync(path, oldNpyBytes(values));
      using reader = NpyReader.openSync(path);
      // The reader has read (and checked) before the move starts.
      assert.deepEqual(reader.readSync(4990).data, values.subarray(4990));
      const out = spawnSync(CHILD[0], [
        ...CHILD[1],
        "killat",
        String(n),
        "shift",
        path,
      ]);
      finished = new TextDecoder().decode(out.stdout).includes("exit 0");
      // A record with nothing moved yet may still read right: only a
      // finished move must be refused (the header length changed).
      for (const [s, e] of [[0, 3], [2500, 2502], [4990, 5000], [4999, 5000]]) {
        let got: Int32Array | null = null;
        try {
          got = reader.readSync(s, e).data as Int32Array;
        } catch (err) {
          changed(err);
          thrown++;
        }
        if (got !== null) {
          assert.deepEqual(
            got,
            values.subarray(s, e),
            `kill ${n} [${s}, ${e})`,
          );
        }
        if (finished) assert.equal(got, null, `kill ${n}: moved`);
      }
      // After recover (which finishes or undoes the move), refresh goes on.
      recoverSync(path);
      assert.equal(reader.refreshSync(), 5000);
      assert.deepEqual(reader.readSync(0, 3).data, values.subarray(0, 3));
      assert.deepEqual(reader.readSync(4998).data, values.subarray(4998));
    }
    assert.ok(finished, "the move never ran to its end");
    assert.ok(thrown > 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a reader reading random rows while another process moves the data: right values or `changed`", async () => {
  const root = tempDir();
  try {
    const n = 1_000_000;
    const values = ramp(n);
    for (let round = 0; round < 2; round++) {
      const path = join(root, `${round}.npy`);
      writeFileSync(path, oldNpyBytes(values));
      using reader = NpyReader.openSync(path);
      const child = spawn(CHILD[0], [...CHILD[1], "shift", path], {
        stdio: "ignore",
      });
      let exited = false;
      const done = new Promise<void>((resolve) =>
        child.on("exit", () => {
          exited = true;
          resolve();
        })
      );
      let right = 0;
      let refused = 0;
      let x = round * 12345 + 1;
      while (!exited) {
        for (let k = 0; k < 200; k++) {
          x = (x * 1103515245 + 12345) % 2147483648;
          const i = x % n;
          try {
            const got = reader.readSync(i, i + 1).data as Int32Array;
            assert.equal(got[0], values[i], `row ${i}`);
            right++;
          } catch (err) {
            changed(err);
            refused++;
          }
        }
        await new Promise((r) => setTimeout(r, 0));
      }
      await done;
      assert.equal(child.exitCode, 0);
      // Once the move is done, the old layout is refused for good.
      assert.throws(() => reader.readSync(7, 8), changed);
      assert.equal(reader.refreshSync(), n);
      assert.equal(
        (reader.readSync(n - 1).data as Int32Array)[0],
        values[n - 1],
      );
      assert.ok(right + refused > 0);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A file that counts its calls. */
function counting(inner: FileLikeSync): FileLikeSync & {
  calls: Record<string, number>;
} {
  const calls: Record<string, number> = { read: 0, size: 0, write: 0 };
  return {
    calls,
    readSync(b, p) {
      calls.read!++;
      return inner.readSync(b, p);
    },
    writeSync(b, p) {
      calls.write!++;
      inner.writeSync(b, p);
    },
    sizeSync() {
      calls.size!++;
      return inner.sizeSync();
    },
    truncateSync(n) {
      inner.truncateSync!(n);
    },
  };
}

test("a read of a whole old-header file makes one read and one size call, as long as the size holds", () => {
  const values = ramp(1000);
  const mem = new MemoryFile(oldNpyBytes(values));
  const file = counting(mem);
  using reader = NpyReader.openSync(file);
  reader.readSync(0, 1);
  const readers: Array<() => unknown> = [
    () => reader.readSync(500, 501),
    () => reader.readSync(10, 400),
    () => reader.readIntoSync(new Int32Array(2), 998),
  ];
  for (const read of readers) {
    const before = { ...file.calls };
    for (let k = 0; k < 10; k++) read();
    assert.equal(file.calls.read! - before.read!, 10);
    assert.equal(file.calls.size! - before.size!, 10);
    assert.equal(file.calls.write, 0);
  }
  // Bytes past the header's rows (a tail `recover` would cut): the size
  // no longer proves anything, and each read takes the full check (the
  // header length read again).
  mem.writeSync(new Uint8Array(3), mem.sizeSync());
  for (let k = 0; k < 3; k++) {
    const before = { ...file.calls };
    assert.deepEqual(
      reader.readSync(5 + k, 6 + k).data,
      values.subarray(5 + k, 6 + k),
    );
    assert.equal(file.calls.read! - before.read!, 2);
    assert.equal(file.calls.size! - before.size!, 1);
  }
  // Cut back to the whole file: the size alone again.
  mem.truncateSync(mem.sizeSync() - 3);
  reader.readSync(0, 1);
  const before = { ...file.calls };
  assert.deepEqual(reader.readSync(6, 7).data, values.subarray(6, 7));
  assert.equal(file.calls.read! - before.read!, 1);
  assert.equal(file.calls.size! - before.size!, 1);
});

test("a file object moved in place (header rewritten longer) is refused, then followed after refresh", () => {
  const values = ramp(300);
  const mem = new MemoryFile(oldNpyBytes(values));
  using reader = NpyReader.openSync(mem);
  assert.deepEqual(reader.readSync(0, 2).data, values.subarray(0, 2));
  // What an in-place move leaves: a longer header, the data after it.
  const old = mem.bytes().slice();
  const grownDir = tempDir();
  try {
    const p = join(grownDir, "g.npy");
    writeFileSync(p, old);
    ensureAppendableSync(p, { inplace: true });
    const moved = readFileSync(p);
    mem.writeSync(new Uint8Array(moved), 0);
  } finally {
    rmSync(grownDir, { recursive: true, force: true });
  }
  assert.throws(() => reader.readSync(0, 2), changed);
  assert.equal(reader.refreshSync(), 300);
  assert.deepEqual(reader.readSync(298).data, values.subarray(298));
});

test("recover rewriting an old header in place (same length, data kept) leaves a reader's rows right", () => {
  const dir = tempDir();
  try {
    const values = ramp(1000);
    const path = join(dir, "cut.npy");
    const whole = oldNpyBytes(values);
    // Killed part-way through a row: the header says 1000, 950.5 are there.
    writeFileSync(path, whole.subarray(0, whole.length - 4 * 50 + 2));
    using reader = NpyReader.openSync(path, { allowIncomplete: true });
    assert.equal(reader.length, 950);
    assert.deepEqual(reader.readSync(940, 950).data, values.subarray(940, 950));
    recoverSync(path);
    assert.equal(inspectNpySync(path).appendable, false);
    assert.deepEqual(inspectNpySync(path).shape, [950]);
    // Size changed, header length kept, no record: the rows are right.
    assert.deepEqual(reader.readSync(940, 950).data, values.subarray(940, 950));
    assert.deepEqual(reader.readSync(0, 3).data, values.subarray(0, 3));
    assert.equal(reader.refreshSync(), 950);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
