/**
 * Stop 19 (h6): a stack's replacing open on a full disk fails at its first
 * step (`info` rewritten with the clearing mark, through `info.tmp`) and
 * leaves the folder as it was: the old stack, read by Dask and by us, and
 * no `info.tmp` (it was left, empty, beside the stack).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStack } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = { ...tmpfsTestOptions(120_000), ...numpyTestOptions() };

describe("a stack's replacing open on a full disk", OPTS, () => {
  for (const fsync of [false, true]) {
    test(
      `changes nothing (fsync: ${fsync})`,
      withTmpfs("size=2m", async (mnt) => {
        const dir = join(mnt, "s");
        const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
        w.append(new Float64Array([1, 2, 3, 4, 5]));
        w.close();
        const before = readdirSync(dir).sort();
        const filler = fillDisk(mnt, 4096);
        assert.throws(
          () =>
            NpyStackWriterSync.open(dir, {
              shardRows: 2,
              deleteIfExists: true,
              fsync,
            }),
          (e: Error & { code?: string }) => e.code === "ENOSPC",
        );
        assert.deepEqual(readdirSync(dir).sort(), before);
        assert.deepEqual(
          [...(await readNpyStack(dir)).data as Float64Array],
          [1, 2, 3, 4, 5],
        );
        assert.equal(
          runPython(
            `import sys, dask.array as da\nprint(da.from_npy_stack(sys.argv[1]).compute().tolist())`,
            [dir],
          ).trim(),
          "[1.0, 2.0, 3.0, 4.0, 5.0]",
        );
        rmSync(filler);
        const w2 = NpyStackWriterSync.open(dir, {
          shardRows: 2,
          deleteIfExists: true,
          fsync,
        });
        w2.append(new Float64Array([9]));
        w2.close();
        assert.deepEqual(readdirSync(dir).sort(), ["0.npy", "info"]);
      }),
    );
  }
});
