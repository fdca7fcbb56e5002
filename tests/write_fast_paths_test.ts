/**
 * The writer's fast paths (issue #7) give the same bytes as the plain
 * ones: the cached header template, the `bufferBytes` option, and path
 * files written through positioned calls.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import { FaultyFile, InjectedFault } from "./_faulty_file.ts";
import { tempDir } from "./_numpy.ts";

function headerOf(bytes: Uint8Array): Uint8Array {
  const h = parseHeader(bytes);
  return bytes.subarray(0, h.headerLength);
}

describe("header template", () => {
  const cases: Array<
    { name: string; dtype: string; fortranOrder: boolean; row: number[] }
  > = [
    { name: "1-d", dtype: "<f8", fortranOrder: false, row: [] },
    { name: "2-d C order", dtype: "<i4", fortranOrder: false, row: [3] },
    {
      name: "3-d Fortran order",
      dtype: ">f4",
      fortranOrder: true,
      row: [2, 3],
    },
    { name: "1-d Fortran order", dtype: "|u1", fortranOrder: true, row: [] },
    {
      name: "structured",
      dtype: "[('a', '<f4'), ('b', '<i8', (2,))]",
      fortranOrder: false,
      row: [2],
    },
    {
      name: "non-latin1 field name (version 3.0)",
      dtype: "[('\u00e9t\u00e9\u4e2d', '<f8')]",
      fortranOrder: false,
      row: [],
    },
  ];
  for (const c of cases) {
    test(`${c.name}: every rewritten header equals encodeHeader`, () => {
      const file = new MemoryFile();
      const npy = NpyAppendArraySync.open(file, {
        dtype: c.dtype,
        fortranOrder: c.fortranOrder,
      });
      const rowItems = c.row.reduce((a, b) => a * b, 1);
      const itemsize = parseHeader(
        encodeHeader({ dtype: c.dtype, fortranOrder: false, shape: [0] }),
      ).dtype.itemsize;
      // A 1-d file's header says C order, as np.save's (stop 24).
      const order = c.fortranOrder && c.row.length > 0;
      let n = 0;
      // Crosses the 9 -> 10, 99 -> 100 and 999 -> 1000 digit boundaries.
      for (const k of [1, 8, 1, 1, 89, 1, 900, 1, 5]) {
        const shape = c.fortranOrder ? [...c.row, k] : [k, ...c.row];
        npy.append({
          data: new Uint8Array(k * rowItems * itemsize),
          shape,
          dtype: c.dtype,
        });
        n += k;
        const want = c.fortranOrder ? [...c.row, n] : [n, ...c.row];
        const first = encodeHeader({
          dtype: c.dtype,
          fortranOrder: order,
          shape: c.fortranOrder ? [...c.row, 1] : [1, ...c.row],
        });
        const expected = encodeHeader(
          { dtype: c.dtype, fortranOrder: order, shape: want },
          { headerLength: first.length },
        );
        assert.deepEqual(headerOf(file.bytes()), expected);
      }
      npy.close();
    });
  }

  test("a header grown to the 16 digits of a large length stays exact", () => {
    // An existing file that claims a huge zero-size growth axis.
    const file = new MemoryFile();
    const big = 2 ** 52 - 3;
    file.writeSync(
      encodeHeader({ dtype: "V0", fortranOrder: false, shape: [big] }),
      0,
    );
    const npy = NpyAppendArraySync.open(file);
    npy.append({ data: new Uint8Array(0), shape: [5], dtype: "V0" });
    assert.deepEqual(
      headerOf(file.bytes()),
      encodeHeader({ dtype: "V0", fortranOrder: false, shape: [big + 5] }),
    );
  });
});

describe("bufferBytes", () => {
  function appendAll(
    npy: NpyAppendArraySync,
    rows: number,
  ): void {
    for (let i = 0; i < rows; i++) {
      if (i % 97 === 0) {
        // Larger than the buffer: written directly, after a flush.
        const big = new Float64Array(3 * 50);
        big.fill(i);
        npy.append({ data: big, shape: [50, 3] });
      } else {
        npy.append({ data: new Float64Array([i, i + 0.5, -i]), shape: [1, 3] });
      }
    }
  }

  test("the file after close() equals the unbuffered one", () => {
    const plain = new MemoryFile();
    const buffered = new MemoryFile();
    const a = NpyAppendArraySync.open(plain, { rewriteHeaderOnAppend: false });
    const b = NpyAppendArraySync.open(buffered, {
      rewriteHeaderOnAppend: false,
      bufferBytes: 1000,
    });
    appendAll(a, 1000);
    appendAll(b, 1000);
    assert.deepEqual(b.shape, a.shape);
    a.close();
    b.close();
    assert.deepEqual(buffered.bytes(), plain.bytes());
  });

  test("appends wait in memory until the buffer fills or updateHeader", () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, {
      rewriteHeaderOnAppend: false,
      bufferBytes: 240,
    });
    npy.append({ data: new Float64Array(3), shape: [1, 3] });
    const created = file.bytes().length; // the first append creates the file
    for (let i = 0; i < 10; i++) {
      npy.append({ data: new Float64Array([i, i, i]), shape: [1, 3] });
    }
    assert.equal(file.bytes().length, created); // 240 bytes: full, not over
    npy.append({ data: new Float64Array(3), shape: [1, 3] });
    assert.equal(file.bytes().length, created + 240);
    npy.updateHeader();
    assert.equal(file.bytes().length, created + 11 * 24);
    assert.deepEqual(readNpySync(file).shape, [12, 3]);
    npy.close();
  });

  test("the array passed may change after append returns", () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, {
      rewriteHeaderOnAppend: false,
      bufferBytes: 1 << 16,
    });
    const row = new Float64Array(2);
    for (let i = 0; i < 5; i++) {
      row[0] = i;
      row[1] = -i;
      npy.append(row);
    }
    npy.close();
    assert.deepEqual(
      [...readNpySync(file).data as Float64Array],
      [0, -0, 1, -1, 2, -2, 3, -3, 4, -4],
    );
  });

  test("the async writer on an async-only file buffers too", async () => {
    const faulty = new FaultyFile({ failAt: 0 });
    const npy = await NpyAppendArray.open(faulty.async(), {
      rewriteHeaderOnAppend: false,
      bufferBytes: 64,
    });
    for (let i = 0; i < 20; i++) void npy.append(new Int32Array([i, i]));
    await npy.close();
    const { data, shape } = readNpySync(faulty.memory);
    assert.deepEqual(shape, [40]);
    assert.equal((data as Int32Array)[39], 19);
  });

  test("a failed flush keeps the buffered appends for the next flush", () => {
    const faulty = new FaultyFile({ failAt: 3 });
    const npy = NpyAppendArraySync.open(faulty.sync(), {
      rewriteHeaderOnAppend: false,
      bufferBytes: 48,
    });
    npy.append(new Float64Array([1])); // creates the file: mutation 1
    npy.updateHeader(); // mutation 2
    npy.append(new Float64Array([2]));
    npy.append(new Float64Array([3]));
    assert.throws(() => npy.updateHeader(), InjectedFault); // mutation 3
    // The file is as it was (cut back by mutation 4), the writer too.
    assert.deepEqual(npy.shape, [3]);
    assert.deepEqual(readNpySync(faulty.memory).shape, [1]);
    assert.equal(faulty.memory.sizeSync(), 128 + 8);
    npy.append(new Float64Array([4]));
    npy.close();
    assert.deepEqual([...readNpySync(faulty.memory).data as Float64Array], [
      1,
      2,
      3,
      4,
    ]);
  });

  test("bad values are refused", () => {
    const file = new MemoryFile();
    assert.throws(
      () => NpyAppendArraySync.open(file, { bufferBytes: 1024 }),
      {
        name: "RangeError",
        message:
          "Cannot open the file object: bufferBytes needs rewriteHeaderOnAppend: false, since a header rewritten on every append must cover data in the file",
      },
    );
    assert.throws(
      () =>
        NpyAppendArraySync.open(file, {
          rewriteHeaderOnAppend: false,
          bufferBytes: -1,
        }),
      {
        name: "RangeError",
        message:
          "Cannot open the file object: bufferBytes must be a non-negative integer, not -1",
      },
    );
  });
});

describe("input fast path", () => {
  test("a row array reused and changed between appends", () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file);
    const row = new Float64Array(3);
    const u8 = new Uint8Array(2);
    const bytes = NpyAppendArraySync.open(new MemoryFile(), { dtype: "u1" });
    for (let i = 0; i < 5; i++) {
      row.fill(i);
      npy.append({ data: row, shape: [1, 3] });
      u8.fill(i);
      bytes.append(u8);
    }
    npy.close();
    assert.deepEqual(
      [...readNpySync(file).data as Float64Array],
      [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    );
    assert.deepEqual(bytes.shape, [10]);
  });

  test("a typed array of another dtype still goes through conversion", () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, { dtype: "<f4" });
    const row = new Float64Array([1.5, 2.5]);
    npy.append(row);
    npy.append({ data: new Int16Array([3, 4]), shape: [2] });
    npy.close();
    assert.deepEqual([...readNpySync(file).data as Float32Array], [
      1.5,
      2.5,
      3,
      4,
    ]);
  });
});

describe("path files", () => {
  test("headers and data on a path equal the in-memory file", () => {
    const path = join(tempDir(), "fast.npy");
    const file = new MemoryFile();
    const a = NpyAppendArraySync.open(path);
    const b = NpyAppendArraySync.open(file);
    for (let i = 0; i < 300; i++) {
      const row = { data: new Float64Array([i, 2 * i]), shape: [1, 2] };
      a.append(row);
      b.append(row);
    }
    assert.deepEqual(new Uint8Array(readFileSync(path)), file.bytes());
    a.close();
    b.close();
    assert.deepEqual(new Uint8Array(readFileSync(path)), file.bytes());
  });
});
