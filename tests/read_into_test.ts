/**
 * `NpyReader.readInto`/`readIntoSync`: the bytes of rows, as NumPy holds
 * them (`arr[start:end].tobytes()`), into the caller's buffer, and the
 * direct read path of `read`/`readSync` giving the same rows.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type FileLike,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** np.save's bytes of `expr` and NumPy's own bytes of each range of rows. */
const SLICES = `
import io, json, sys
import numpy as np
arr = eval(sys.argv[1], {"np": np})
buf = io.BytesIO()
np.save(buf, arr)
ax = arr.ndim - 1 if arr.flags.f_contiguous and not arr.flags.c_contiguous else 0
out = []
for s, e in json.loads(sys.argv[2]):
    part = arr[..., s:e] if ax else arr[s:e]
    out.append(part.tobytes(order="F" if ax else "C").hex())
print(json.dumps({"npy": buf.getvalue().hex(), "slices": out}))
`;

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

function numpySlices(
  expr: string,
  ranges: [number, number][],
): { npy: Uint8Array; slices: Uint8Array[] } {
  const j = JSON.parse(runPython(SLICES, [expr, JSON.stringify(ranges)]));
  return { npy: hex(j.npy), slices: (j.slices as string[]).map(hex) };
}

const CASES: { name: string; expr: string; ranges: [number, number][] }[] = [
  {
    name: "C-order float64 rows",
    expr: "np.arange(300.0).reshape(100, 3)",
    ranges: [[0, 1], [57, 58], [99, 100], [10, 40], [0, 100]],
  },
  {
    name: "big-endian int32 (raw file bytes, not swapped)",
    expr: "np.arange(-50, 50, dtype='>i4').reshape(50, 2)",
    ranges: [[0, 1], [13, 14], [49, 50], [5, 25]],
  },
  {
    name: "Fortran-order float32 (columns along the last axis)",
    expr: "np.asfortranarray(np.arange(120, dtype='<f4').reshape(3, 40))",
    ranges: [[0, 1], [17, 18], [39, 40], [3, 30]],
  },
  {
    name: "structured records",
    expr:
      "np.array([(i, i * 0.5, b'ab'[: i % 3]) for i in range(30)], dtype=[('a', '<i2'), ('b', '>f8'), ('c', 'S2')])",
    ranges: [[0, 1], [29, 30], [4, 9]],
  },
  {
    name: "unicode strings",
    expr: "np.array(['x' * (i % 4) for i in range(20)], dtype='<U3')",
    ranges: [[0, 1], [19, 20], [2, 11]],
  },
];

describe(
  "readInto: the bytes NumPy holds for those rows",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    for (const c of CASES) {
      test(c.name, async () => {
        const { npy, slices } = numpySlices(c.expr, c.ranges);
        const path = join(dir, `${c.name.split(" ")[0]}.npy`);
        writeFileSync(path, npy);
        using sync = NpyReader.openSync(path);
        const file = new MemoryFile();
        file.writeSync(npy, 0);
        await using mem = await NpyReader.open(asyncOnly(file));
        for (let i = 0; i < c.ranges.length; i++) {
          const [s, e] = c.ranges[i]!;
          const want = slices[i]!;
          assert.equal(want.length, (e - s) * sync.rowBytes);
          const a = new Uint8Array(want.length);
          assert.equal(sync.readIntoSync(a, s, e), want.length);
          assert.deepEqual(a, want, `readIntoSync [${s}, ${e})`);
          const b = new Uint8Array(want.length + 8).fill(7);
          assert.equal(await mem.readInto(b, s, e), want.length);
          assert.deepEqual(b.subarray(0, want.length), want);
          assert.deepEqual([...b.subarray(want.length)], new Array(8).fill(7));
          // Negative bounds count from the end, as in read().
          const n = sync.length;
          const d = new Uint8Array(want.length);
          await sync.readInto(d, s - n, e === n ? undefined : e - n);
          assert.deepEqual(d, want);
        }
      });
    }

    test("a typed array of the file's dtype gets the values", () => {
      const { npy } = numpySlices("np.arange(12.0).reshape(4, 3)", []);
      const path = join(dir, "values.npy");
      writeFileSync(path, npy);
      using reader = NpyReader.openSync(path);
      const row = new Float64Array(3);
      for (const i of [3, 0, 2]) {
        reader.readIntoSync(row, i, i + 1);
        assert.deepEqual([...row], [3 * i, 3 * i + 1, 3 * i + 2]);
      }
    });
  },
);

describe(
  "read/readSync of single rows equal NumPy's rows",
  numpyTestOptions(),
  () => {
    test("random rows of a path, sync and async", async () => {
      const { npy } = numpySlices("np.arange(3000.0).reshape(1000, 3)", []);
      const path = join(tempDir(), "rows.npy");
      writeFileSync(path, npy);
      using reader = NpyReader.openSync(path);
      let seed = 7;
      for (let k = 0; k < 200; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const i = seed % 1000;
        const want = [3 * i, 3 * i + 1, 3 * i + 2];
        const a = reader.readSync(i, i + 1);
        assert.deepEqual([...a.data as Float64Array], want);
        assert.deepEqual(a.shape, [1, 3]);
        const b = await reader.read(i, i + 1);
        assert.deepEqual([...b.data as Float64Array], want);
        assert.deepEqual(b.shape, [1, 3]);
      }
    });
  },
);

/** An async-only view of a MemoryFile (no `readSync`). */
function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
  };
}

function sample(): MemoryFile {
  const file = new MemoryFile();
  NpyAppendArraySync.open(file).append({
    data: new Int32Array(20).map((_, i) => i),
    shape: [10, 2],
  });
  return file;
}

describe("readInto: bad buffers are refused and change nothing", () => {
  test("a buffer too small: RangeError naming the bytes needed", async () => {
    using reader = NpyReader.openSync(sample());
    const small = new Uint8Array(15).fill(9);
    assert.throws(
      () => reader.readIntoSync(small, 0, 2),
      (e: Error) =>
        e instanceof RangeError &&
        e.message ===
          "Cannot read items [0, 2) of the file object: they take 16 bytes and the buffer holds 15; pass a buffer of at least 16 bytes",
    );
    await assert.rejects(reader.readInto(small, 8), RangeError);
    assert.deepEqual([...small], new Array(15).fill(9));
  });

  test("not an ArrayBufferView: TypeError", async () => {
    using reader = NpyReader.openSync(sample());
    const plain = [0, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array;
    assert.throws(
      () => reader.readIntoSync(plain, 0, 1),
      /^TypeError: Cannot read the file object into the buffer: pass a Uint8Array or another ArrayBufferView, got object$/,
    );
    await assert.rejects(
      reader.readInto(new ArrayBuffer(8) as never, 0, 1),
      TypeError,
    );
    assert.deepEqual(plain, [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("an empty range reads nothing and leaves the buffer", async () => {
    using reader = NpyReader.openSync(sample());
    const b = new Uint8Array(8).fill(5);
    assert.equal(reader.readIntoSync(b, 4, 4), 0);
    assert.equal(await reader.readInto(b, 9, 2), 0);
    assert.equal(reader.readIntoSync(new Uint8Array(0), 100), 0);
    assert.deepEqual([...b], new Array(8).fill(5));
  });

  test("closed reader, async-only file, truncated file", async () => {
    const reader = NpyReader.openSync(sample());
    reader.closeSync();
    assert.throws(
      () => reader.readIntoSync(new Uint8Array(8), 0, 1),
      TypeError,
    );
    await assert.rejects(reader.readInto(new Uint8Array(8), 0, 1), TypeError);

    const file = sample();
    await using asyncReader = await NpyReader.open(asyncOnly(file));
    assert.throws(
      () => asyncReader.readIntoSync(new Uint8Array(8), 0, 1),
      /synchronously: it is an async-only FileLike/,
    );

    using cut = NpyReader.openSync(file);
    file.truncateSync(128 + 8 * 9 + 3);
    const b = new Uint8Array(8);
    assert.throws(
      () => cut.readIntoSync(b, 9, 10),
      (e: Error) =>
        e instanceof NpyFormatError &&
        /expected 8 bytes of items \[9, 10\), read 3/.test(e.message),
    );
    await assert.rejects(asyncReader.readInto(b, 9, 10), NpyFormatError);
  });
});
