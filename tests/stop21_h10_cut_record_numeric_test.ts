/**
 * Stop 21 (h10): h4 made a record whose header the file's end cuts off
 * "needs recovery" for every dtype, so `np.save` called twice on one
 * `<f8` (or `<i2`, a record dtype) file and killed inside its second
 * header was "repaired" by `recover` into the first array followed by
 * rows made of the second header's text (`1.17e+171`, `5.2e-37`, ...):
 * garbage appended to the user's floats where it had been refused. Only
 * a dtype of raw bytes (one-byte integers, `S`, unstructured `V`) can
 * hold an `.npy` file's bytes as data (h4's log); for any other the tail
 * is a second record cut off, refused as several arrays, nothing changed.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, tempDir } from "./_numpy.ts";

test(
  "stop 21 (h10): np.save twice killed in the second header is not recovered into garbage rows",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    for (
      const [expr, cut] of [
        ["np.arange(4, dtype='<f8')", 64],
        ["np.arange(4, dtype='>f4')", 40],
        ["np.arange(3, dtype='<i2')", 70],
        ["np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')])", 96],
        ["np.arange(4, dtype='<u2')", 12],
      ] as const
    ) {
      const first = npSaveBytes(expr);
      const second = npSaveBytes("np.arange(40, dtype='<f8')");
      const p = join(dir, `f${cut}.npy`);
      appendFileSync(p, first);
      appendFileSync(p, second.subarray(0, cut));
      const before = readFileSync(p);
      assert.equal(needsRecoverySync(p), false, expr);
      for (
        const run of [() => recoverSync(p), () => NpyAppendArraySync.open(p)]
      ) {
        assert.throws(
          run,
          (e) => e instanceof NpyFormatError && e.code === "several-arrays",
          expr,
        );
      }
      assert.deepEqual(readFileSync(p), before, expr);
      // Readers read the first array, as np.load does.
      assert.equal(
        readNpySync(p).shape[0],
        expr.includes("arange(3") ? 3 : expr.includes("zeros(2") ? 2 : 4,
      );
    }
  },
);
