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
import {
  MemoryFile,
  NpyAppendArray,
  NpyReader,
  NpyStackWriter,
  NpyStackWriterSync,
} from "../mod.ts";
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

describe("a shape entry past 2**53 - 1 is refused naming the limit", () => {
  // README Limits: "Shapes above 2**53 - 1 items are refused". An append's
  // shape entry of 2**60 (with a zero axis, so no data) was refused as not
  // "non-negative integers", which it is: the message now names the limit,
  // as a header's does.
  for (const shape of [[0, 2 ** 60], [2 ** 53, 0], [0, Number.MAX_VALUE]]) {
    test(`shape (${shape.join(", ")})`, async () => {
      const file = new MemoryFile();
      const npy = await NpyAppendArray.open(file, { dtype: "<i4" });
      await assert.rejects(
        npy.append({ data: new Int32Array(0), shape }),
        (e: Error) =>
          e instanceof RangeError &&
          /non-negative integers/.test(e.message) &&
          e.message.includes("2**53 - 1"),
      );
      await npy.append({ data: new Int32Array(2), shape: [1, 2] });
      await npy.close();
      assert.equal(file.bytes().length, 128 + 8);
    });
  }
});

describe("seal() on a closed stack writer says seal", () => {
  // README Errors: "Messages name the file and the fix". A closed stack
  // writer's seal() said "Cannot append to the stack".
  test("NpyStackWriterSync and NpyStackWriter", async () => {
    const dir = tempDir();
    const sync = NpyStackWriterSync.open(join(dir, "a"), { shardRows: 2 });
    sync.append(new Int16Array([1]));
    sync.close();
    assert.throws(() => sync.seal(), {
      name: "TypeError",
      message: /^Cannot seal the stack ".*a": the writer is closed/,
    });
    const stack = await NpyStackWriter.open(join(dir, "b"), { shardRows: 2 });
    await stack.close();
    await assert.rejects(stack.seal(), {
      name: "TypeError",
      message: /^Cannot seal the stack ".*b": the writer is closed/,
    });
    await assert.rejects(stack.append(new Int16Array([1])), {
      name: "TypeError",
      message: /^Cannot append to the stack ".*b": the writer is closed/,
    });
  });
});

describe("nested typed-array rows keep their type", withNumpy, () => {
  // README Usage: without a dtype option "a typed array [gets] its own type
  // (Float32Array: <f4)". Rows given as typed arrays in a plain array
  // ([f32, f32], as np.array([f32, f32]) reads float32) became "<f8".
  const cases: [string, unknown[], string][] = [
    [
      "Float32Array rows",
      [new Float32Array([1, 2]), new Float32Array([3, 4])],
      "float32",
    ],
    ["Int16Array rows, 3-d", [[new Int16Array([1, 2])], [
      new Int16Array([3, 4]),
    ]], "int16"],
    ["BigUint64Array rows", [
      new BigUint64Array([1n]),
      new BigUint64Array([2n]),
    ], "uint64"],
  ];
  for (const [name, input, numpyName] of cases) {
    test(name, async () => {
      const dir = tempDir();
      const path = join(dir, "x.npy");
      const npy = await NpyAppendArray.open(path);
      await npy.append(input as never);
      await npy.close();
      const got = runPython(
        `import sys, numpy as np\na = np.load(sys.argv[1])\nprint(a.dtype, a.shape)`,
        [path],
      ).trim();
      const shape = runPython(
        `import sys, numpy as np\nprint(np.load(sys.argv[1]).shape)`,
        [path],
      ).trim();
      assert.equal(got, `${numpyName} ${shape}`);
    });
  }

  test("mixed row types take np.array's promoted dtype (h6)", async () => {
    const npy = await NpyAppendArray.open(new MemoryFile());
    await npy.append([new Float32Array([1]), new Int8Array([2])] as never);
    // np.array([np.float32([1]), np.int8([2])]).dtype.str
    assert.equal(npy.dtype, "<f4");
    await npy.close();
  });
});
