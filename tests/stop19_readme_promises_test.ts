/**
 * Stop 19: README promises checked as a newcomer, each failing before its
 * fix.
 *
 * - "`await reader.readable().pipeTo(writer.writable)` copies a file (byte
 *   for byte with the reader's `dtype` and `fortranOrder` as options)": a
 *   file with no rows gave a stream of no batches, so the writer never
 *   learned the shape and left no file at all.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyReader } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const withNumpy = numpyTestOptions();

describe(
  "readable().pipeTo(writable) copies a file with no rows",
  withNumpy,
  () => {
    const cases: [string, string][] = [
      ["a (0, 3) float64 file", `np.zeros((0, 3), "<f8")`],
      ["a (0,) int16 file", `np.zeros((0,), "<i2")`],
      [
        "a Fortran-order (2, 0) big-endian file",
        `np.asfortranarray(np.zeros((2, 0), ">i4"))`,
      ],
      [
        "a (0, 2) structured file",
        `np.zeros((0, 2), [("a", ">i4"), ("b", "S3")])`,
      ],
    ];
    for (const [name, make] of cases) {
      test(name, async () => {
        const dir = tempDir();
        const src = join(dir, "in.npy");
        const dst = join(dir, "out.npy");
        runPython(
          `import sys, numpy as np\nnp.save(sys.argv[1], ${make})`,
          [src],
        );
        await using reader = await NpyReader.open(src);
        const writer = await NpyAppendArray.open(dst, {
          dtype: reader.dtype,
          fortranOrder: reader.fortranOrder,
        });
        await reader.readable().pipeTo(writer.writable);
        assert.equal(writer.closed, true);
        assert.ok(existsSync(dst), "the copy was not written");
        assert.ok(readFileSync(dst).equals(readFileSync(src)));
      });
    }

    test("an empty range of a file with rows copies as its 0 rows", async () => {
      const dir = tempDir();
      const src = join(dir, "in.npy");
      const dst = join(dir, "out.npy");
      runPython(
        `import sys, numpy as np\nnp.save(sys.argv[1], np.arange(12.).reshape(4, 3))`,
        [src],
      );
      await using reader = await NpyReader.open(src);
      const writer = await NpyAppendArray.open(dst, { dtype: reader.dtype });
      await reader.readable({ start: 2, end: 2 }).pipeTo(writer.writable);
      const want = runPython(
        `import sys, numpy as np\nprint(np.load(sys.argv[1])[2:2].shape)`,
        [src],
      );
      const got = runPython(
        `import sys, numpy as np\nprint(np.load(sys.argv[1]).shape)`,
        [dst],
      );
      assert.equal(got, want);
    });
  },
);
