/**
 * Files past 4 GiB: offsets above 2**32 (and 2**31) must reach the
 * runtime's positioned calls whole, in appends, reads, `readInto`,
 * `inspectNpy` and `recover`. The files are sparse (a header, then a hole
 * made by `truncate`, as `np.lib.format.open_memmap` makes them), so the
 * test writes a few KiB; NumPy checks the rows where it is installed.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  fstatSync,
  openSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  inspectNpy,
  needsRecovery,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  parseDType,
  recover,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";

/** Rows of the sparse file: 600,000 x 1024 f8, 4.58 GiB of data. */
const ROWS = 600_000;
const COLS = 1024;
const ROW_BYTES = COLS * 8;

/**
 * A `(ROWS, COLS)` `<f8` file as `open_memmap` makes it: the header as
 * NumPy writes it, then a hole to the data's end; row 0 and the last row
 * hold 1 and 7.
 */
function sparseFile(path: string): number {
  const header = encodeHeader({
    dtype: parseDType("<f8"),
    fortranOrder: false,
    shape: [ROWS, COLS],
  });
  writeFileSync(path, header);
  truncateSync(path, header.length + ROWS * ROW_BYTES);
  const fd = openSync(path, "r+");
  try {
    const one = new Float64Array(COLS).fill(1);
    const seven = new Float64Array(COLS).fill(7);
    writeSync(fd, new Uint8Array(one.buffer), 0, ROW_BYTES, header.length);
    writeSync(
      fd,
      new Uint8Array(seven.buffer),
      0,
      ROW_BYTES,
      header.length + (ROWS - 1) * ROW_BYTES,
    );
  } finally {
    closeSync(fd);
  }
  return header.length;
}

/** `np.load(path, mmap_mode="r")`'s shape and the first item of `rows`. */
function numpyLooks(path: string, rows: number[]): unknown {
  return JSON.parse(runPython(
    `import sys, json, numpy as np
a = np.load(sys.argv[1], mmap_mode="r")
print(json.dumps([list(a.shape), [float(a[r, 0]) for r in json.loads(sys.argv[2])]]))`,
    [path, JSON.stringify(rows)],
  ));
}

test("appends, reads and readInto past 4 GiB (a sparse 4.6 GiB file)", async () => {
  const path = join(tempDir(), "big.npy");
  const offset = sparseFile(path);
  const sync = NpyAppendArraySync.open(path);
  sync.append({ data: new Float64Array(COLS * 3).fill(5), shape: [3, COLS] });
  sync.close();
  const npy = await NpyAppendArray.open(path);
  await npy.append({ data: new Float64Array(COLS).fill(9), shape: [1, COLS] });
  assert.deepEqual(npy.shape, [ROWS + 4, COLS]);
  await npy.close();
  assert.ok(offset + (ROWS + 4) * ROW_BYTES > 2 ** 32);

  const reader = await NpyReader.open(path);
  try {
    assert.equal(reader.length, ROWS + 4);
    const last = await reader.read(-5);
    assert.deepEqual(last.shape, [5, COLS]);
    const items = last.data as Float64Array;
    assert.deepEqual(
      [0, 1, 3, 4].map((r) => items[r * COLS]),
      [7, 5, 5, 9],
    );
    const buffer = new Uint8Array(2 * ROW_BYTES);
    reader.readIntoSync(buffer, ROWS - 1, ROWS + 1);
    const rows = new Float64Array(buffer.buffer);
    assert.deepEqual([rows[0], rows[COLS]], [7, 5]);
  } finally {
    await reader.close();
  }
  const info = await inspectNpy(path);
  assert.deepEqual(info.shape, [ROWS + 4, COLS]);
  if (hasNumpy()) {
    assert.deepEqual(numpyLooks(path, [0, ROWS - 1, ROWS, ROWS + 3]), [
      [ROWS + 4, COLS],
      [1, 7, 5, 9],
    ]);
  }
});

test("recover past 4 GiB counts whole rows and cuts a partial one", async () => {
  const path = join(tempDir(), "big.npy");
  const offset = sparseFile(path);
  // A killed writer's data: two whole rows of 3 and half a row after them.
  const fd = openSync(path, "r+");
  try {
    const end = fstatSync(fd).size;
    const rows = new Float64Array(COLS * 2 + COLS / 2).fill(3);
    writeSync(fd, new Uint8Array(rows.buffer), 0, rows.byteLength, end);
  } finally {
    closeSync(fd);
  }
  assert.equal(await needsRecovery(path), true);
  await recover(path);
  assert.equal(await needsRecovery(path), false);
  assert.equal(statSync(path).size, offset + (ROWS + 2) * ROW_BYTES);
  const reader = await NpyReader.open(path);
  try {
    assert.equal(reader.length, ROWS + 2);
    const tail = await reader.read(-2);
    assert.deepEqual([...(tail.data as Float64Array).slice(0, 2)], [3, 3]);
  } finally {
    await reader.close();
  }
  if (hasNumpy()) {
    assert.deepEqual(numpyLooks(path, [ROWS - 1, ROWS + 1]), [
      [ROWS + 2, COLS],
      [7, 3],
    ]);
  }
});
