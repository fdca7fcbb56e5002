// Random single-row reads (issue 17.3): the fast path of `readSync` and
// `read` (one positioned read into the reader's scratch buffer, one copy
// into a new typed array) against NumPy's slices, and the ways it could go
// wrong: results sharing memory, a file that reads the reader again, a
// failed read, reads on either side of the scratch size.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type FileLike,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArraySync,
  type NpyArray,
  NpyFormatError,
  NpyReader,
} from "../mod.ts";
import { npSliceHashes, numpyTestOptions, tempDir } from "./_numpy.ts";

function bytesOf(data: NpyArray["data"]): Uint8Array {
  const d = data as unknown as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function sha(data: NpyArray["data"]): string {
  return createHash("sha256").update(bytesOf(data)).digest("hex");
}

/** An async-only view of a MemoryFile (no `readSync`). */
function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
  };
}

/** A (rows, 3) f8 file whose item k holds k. */
function rowsFile(rows: number): MemoryFile {
  const file = new MemoryFile();
  const data = new Float64Array(rows * 3).map((_, i) => i);
  NpyAppendArraySync.open(file).append({ data, shape: [rows, 3] });
  return file;
}

describe("random rows compared with NumPy", () => {
  // Every numeric kind, both byte orders, complex, Fortran order, rows on
  // either side of the 1 KiB scratch buffer.
  const ARRAYS: Record<string, string> = {
    "f8": "np.arange(600 * 3, dtype='<f8').reshape(600, 3) * 0.5",
    "big-endian f8": "np.arange(600 * 3, dtype='>f8').reshape(600, 3) - 7.25",
    "big-endian i4":
      "(np.arange(600 * 5, dtype='>i4') * -99991).reshape(600, 5)",
    "u2": "(np.arange(600 * 2) * 37 % 65536).astype('<u2').reshape(600, 2)",
    "big-endian c16":
      "(np.arange(600) + 1j * np.arange(600)[::-1]).astype('>c16')",
    "c8": "(np.arange(600 * 2) - 2.5j).astype('<c8').reshape(600, 2)",
    "big-endian f2": "(np.arange(600 * 4) / 8).astype('>f2').reshape(600, 4)",
    "b1": "(np.arange(600 * 7) % 3 == 0).reshape(600, 7)",
    "i1": "(np.arange(600 * 3) % 256 - 128).astype('i1').reshape(600, 3)",
    "big-endian u8": "(np.arange(600, dtype='>u8') * 0x0102030405060708)",
    "datetime64[s]": "(np.arange(600) * 86399).astype('<M8[s]')",
    "Fortran-order big-endian f4":
      "np.asfortranarray(np.arange(2 * 3 * 600, dtype='>f4').reshape(2, 3, 600))",
    "rows of 1 KiB (the scratch size)":
      "np.arange(600 * 128, dtype='<f8').reshape(600, 128)",
    "rows of 1 KiB + 8": "np.arange(600 * 129, dtype='<f8').reshape(600, 129)",
  };

  let seed = 99;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * k);
  };
  const ranges: [number, number][] = [[0, 1], [599, 600], [-1, 600]];
  for (let i = 0; i < 40; i++) {
    const s = rnd(600);
    ranges.push([s, s + 1]);
  }
  // Several rows at once, below and above 1 KiB for the small dtypes.
  for (const k of [2, 3, 40, 200]) {
    const s = rnd(600 - k);
    ranges.push([s, s + k]);
  }

  const dir = tempDir();
  for (const [name, expr] of Object.entries(ARRAYS)) {
    test(name, numpyTestOptions(), async () => {
      const path = join(dir, "a.npy");
      const expected = npSliceHashes(path, ranges, expr);
      using sync = NpyReader.openSync(path);
      await using viaAsync = await NpyReader.open(path);
      const { readFileSync } = await import("node:fs");
      await using asyncFile = await NpyReader.open(
        asyncOnly(new MemoryFile(new Uint8Array(readFileSync(path)))),
      );
      try {
        for (const [i, [s, e]] of ranges.entries()) {
          const want = expected[i]!;
          for (
            const [how, got] of [
              ["readSync", sync.readSync(s, e)],
              ["read", await viaAsync.read(s, e)],
              ["read of an async-only file", await asyncFile.read(s, e)],
            ] as const
          ) {
            assert.deepEqual(
              [got.shape, sha(got.data)],
              want,
              `${how} [${s}, ${e})`,
            );
          }
        }
      } finally {
        rmSync(path);
      }
    });
  }
});

describe("random rows", () => {
  test("each read returns its own array, of exactly the items' bytes", async () => {
    const file = rowsFile(50);
    using reader = NpyReader.openSync(file);
    const a = reader.readSync(7, 8);
    const b = reader.readSync(9, 10);
    const c = await reader.read(11, 12);
    assert.deepEqual([...a.data as Float64Array], [21, 22, 23]);
    for (const r of [a, b, c]) {
      const d = r.data as Float64Array;
      assert.ok(d instanceof Float64Array);
      assert.equal(d.byteOffset, 0);
      assert.equal(d.buffer.byteLength, 24);
    }
    assert.notEqual(bytesOf(a.data).buffer, bytesOf(b.data).buffer);
    assert.notEqual(bytesOf(b.data).buffer, bytesOf(c.data).buffer);
    // Changing a result changes neither the file nor the next read.
    (a.data as Float64Array).fill(-1);
    (b.data as Float64Array).fill(-1);
    assert.deepEqual([...reader.readSync(7, 8).data as Float64Array], [
      21,
      22,
      23,
    ]);
    assert.deepEqual([...b.data as Float64Array], [-1, -1, -1]);
    assert.deepEqual([...c.data as Float64Array], [33, 34, 35]);
    assert.notEqual(a.shape, b.shape);
    assert.deepEqual(a.shape, [1, 3]);
  });

  test("one positioned read per row", () => {
    const file = rowsFile(50);
    let reads = 0;
    const counting: FileLikeSync = {
      readSync: (b, p) => {
        reads++;
        return file.readSync(b, p);
      },
      writeSync: (b, p) => file.writeSync(b, p),
      sizeSync: () => file.sizeSync(),
    };
    using reader = NpyReader.openSync(counting);
    reads = 0;
    for (let i = 0; i < 20; i++) {
      reader.readSync((i * 7) % 50, (i * 7) % 50 + 1);
    }
    assert.equal(reads, 20);
  });

  test("a file that reads the same reader while it reads gets the right rows", () => {
    const file = rowsFile(50);
    const opened: { reader?: NpyReader } = {};
    const inner: NpyArray[] = [];
    let depth = 0;
    const nested: FileLikeSync = {
      readSync: (b, p) => {
        const n = file.readSync(b, p);
        // A file object that reads the reader again (a cache warming
        // itself, a logging wrapper): its read must not touch ours.
        const again = opened.reader;
        if (again !== undefined && depth === 0 && inner.length < 3) {
          depth++;
          try {
            inner.push(again.readSync(40 + inner.length, 41 + inner.length));
          } finally {
            depth--;
          }
        }
        return n;
      },
      writeSync: (b, p) => file.writeSync(b, p),
      sizeSync: () => file.sizeSync(),
    };
    const reader = opened.reader = NpyReader.openSync(nested);
    const outer = [2, 3, 4].map((i) => [
      ...reader.readSync(i, i + 1).data as Float64Array,
    ]);
    assert.deepEqual(outer, [[6, 7, 8], [9, 10, 11], [12, 13, 14]]);
    assert.deepEqual(
      inner.map((r) => [...r.data as Float64Array]),
      [[120, 121, 122], [123, 124, 125], [126, 127, 128]],
    );
    reader.closeSync();
  });

  test("a failed read leaves the reader working", async () => {
    const file = rowsFile(50);
    let fail = false;
    const flaky: FileLikeSync = {
      readSync: (b, p) => {
        if (fail) throw new Error("EIO: i/o error, read");
        return file.readSync(b, p);
      },
      writeSync: (b, p) => file.writeSync(b, p),
      sizeSync: () => file.sizeSync(),
    };
    using reader = NpyReader.openSync(flaky);
    fail = true;
    assert.throws(() => reader.readSync(3, 4), /EIO/);
    await assert.rejects(reader.read(3, 4), /EIO/);
    fail = false;
    assert.deepEqual([...reader.readSync(3, 4).data as Float64Array], [
      9,
      10,
      11,
    ]);
    // A file cut short under the reader: the row past the end is refused,
    // naming the file, and rows before it still read.
    file.truncateSync(128 + 24 * 10 + 5);
    assert.throws(
      () => reader.readSync(10, 11),
      (e: unknown) =>
        e instanceof NpyFormatError &&
        /^Cannot read the file object: truncated \.npy file: expected 24 bytes of items \[10, 11\), read 5$/
          .test(e.message),
    );
    await assert.rejects(reader.read(12, 13), NpyFormatError);
    assert.deepEqual([...(await reader.read(9, 10)).data as Float64Array], [
      27,
      28,
      29,
    ]);
  });

  test("reads of changing sizes each get their own items", () => {
    const file = rowsFile(200);
    using reader = NpyReader.openSync(file);
    // 1, 3, 42 (1008 bytes, in the scratch) and 43 (1032 bytes, not) rows,
    // then 1 again.
    for (const [s, n] of [[5, 1], [6, 3], [10, 42], [100, 43], [77, 1]]) {
      const got = reader.readSync(s!, s! + n!).data as Float64Array;
      assert.equal(got.length, n! * 3);
      assert.deepEqual(
        [...got],
        Array.from({ length: n! * 3 }, (_, i) => s! * 3 + i),
        `${n} rows at ${s}`,
      );
    }
  });

  test("read of a file opened from a path settles before a timer fires", async () => {
    // Documented decision: a sync-capable file (every path) is read at
    // once inside the async `read`, like the writer's appends.
    const dir = tempDir();
    const path = join(dir, "r.npy");
    writeFileSync(path, rowsFile(10).bytes());
    await using reader = await NpyReader.open(path);
    let timer = false;
    const t = setTimeout(() => (timer = true), 0);
    for (let i = 0; i < 5; i++) await reader.read(i, i + 1);
    assert.equal(timer, false);
    clearTimeout(t);
    rmSync(dir, { recursive: true });
  });
});
