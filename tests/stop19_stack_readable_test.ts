/**
 * Stop 19 (h6): a stack reader's `readable()` of an empty range streams
 * one zero-row batch, as a file reader's does (h4), so piping it into a
 * writer writes an empty copy with the stack's shape; it streamed nothing
 * and the writer, never learning the shape, left no file.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyStackReader, NpyStackWriterSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

describe("a stack reader's empty range piped", numpyTestOptions(), () => {
  for (const fortran of [false, true]) {
    test(`into a file writer (fortranOrder: ${fortran})`, async () => {
      const dir = tempDir();
      const stack = join(dir, "s");
      const w = NpyStackWriterSync.open(stack, {
        shardRows: 2,
        fortranOrder: fortran,
      });
      w.append({ data: new Int16Array(15), shape: fortran ? [3, 5] : [5, 3] });
      w.close();
      const r = await NpyStackReader.open(stack);
      const out = join(dir, "out.npy");
      const npy = await NpyAppendArray.open(out, {
        dtype: r.dtype,
        fortranOrder: fortran,
      });
      await r.readable({ start: 2, end: 2 }).pipeTo(npy.writable);
      r.close();
      assert.ok(existsSync(out), "the copy was not written");
      const got = runPython(
        `import sys, numpy as np\na = np.load(sys.argv[1])\nprint(a.shape, a.dtype.str)`,
        [out],
      ).trim();
      assert.equal(got, fortran ? "(3, 0) <i2" : "(0, 3) <i2");
    });
  }
});
