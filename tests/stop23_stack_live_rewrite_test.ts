/**
 * Stop 23 (h2): Dask's `to_npy_stack` writing over a stack while our
 * writer holds it (Dask knows no lock). The writer's next seal renamed its
 * live shard over Dask's shard of that number and wrote its own `info`
 * over Dask's: Dask's new array came back mixed with our old rows, read
 * by us and by Dask with no error. Now a seal first looks: a shard of its
 * number already there, or an `info` it did not write, refuses the seal
 * naming the files and the fix; Dask's files are left as they are, and the
 * writer's acknowledged rows stay in its live shard (a `.npy` file).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync, readNpySync } from "../mod.ts";
import { runPython, tempDir } from "./_numpy.ts";
import { daskReads, isDamagedStack, SLOW, stackInts } from "./_stack_dask.ts";

const DASK_WRITE =
  "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array(10 * np.arange(int(sys.argv[2]), dtype='<i4'), chunks=2))";

function refused(e: unknown, dir: string): boolean {
  return isDamagedStack(e, dir, /to_npy_stack/, /1\.npy\.part/);
}

for (const rows of [6, 2]) {
  test(
    `Dask writes ${rows} rows, 2 a shard, over a stack our writer holds: its next seal refuses, Dask's files stay, our rows stay in the live shard`,
    SLOW,
    () => {
      const dir = join(tempDir(), "s");
      const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.of(0, 1, 2)); // 0.npy sealed, 1.npy.part [2]
      runPython(DASK_WRITE, [dir, String(rows)]);
      const dask = Array.from({ length: rows }, (_, i) => 10 * i);
      assert.throws(() => w.append(Int32Array.of(3)), (e) => refused(e, dir));
      assert.deepEqual(daskReads(dir), dask);
      assert.throws(() => w.close(), (e) => refused(e, dir));
      assert.deepEqual(daskReads(dir), dask);
      // The acknowledged row 2 is in the live shard, whole.
      const part = readNpySync(join(dir, "1.npy.part"));
      assert.deepEqual([...part.data as Int32Array], [2]);
    },
  );
}

test(
  "an info of zeros (a power cut kept its name, not its bytes) is no other program's: the seal goes on",
  () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append(Int32Array.of(0));
    writeFileSync(join(dir, "info"), new Uint8Array(120));
    w.append(Int32Array.of(1)); // seals 0.npy
    w.close();
    assert.deepEqual(stackInts(dir), [0, 1]);
  },
);
