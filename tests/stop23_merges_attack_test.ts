/**
 * Stop 23 (h6): today's merges under attack.
 *
 * Plain values named a complex dtype (`{ data: [re, im, ...], shape,
 * dtype: "<c8" }`, or `{ re, im }` objects) were taken as the file's
 * dtype's values, not the named one's: into a `<c16` file 0.3 stayed
 * 0.3, where `np.asarray(data, "<c8")` joined to the file gives
 * 0.30000001192092896. h5's rule (plain values are the named dtype's
 * first) left complex dtypes out; they follow it now, as real and time
 * dtypes do.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";
import { npSaveBytes, numpyTestOptions, tempDir } from "./_numpy.ts";

/** [file dtype, input, the NumPy expression of the file's bytes] */
const NAMED_COMPLEX: Array<[string, () => unknown, string]> = [
  [
    "<c16",
    () => ({ data: [0.1, 0.2, 0.3, 0.7], shape: [2], dtype: "<c8" }),
    "np.asarray([0.1+0.2j, 0.3+0.7j], '<c8').astype('<c16')",
  ],
  [
    "<c16",
    () => ({
      data: [{ re: 0.1, im: 0.2 }, { re: 0.3, im: 0.7 }],
      shape: [2],
      dtype: "<c8",
    }),
    "np.asarray([0.1+0.2j, 0.3+0.7j], '<c8').astype('<c16')",
  ],
  [
    "<c16",
    () => ({ data: [0.1, 0.3], shape: [2], dtype: "<c8" }),
    "np.asarray([0.1, 0.3], '<c8').astype('<c16')",
  ],
  [
    ">c16",
    () => ({ data: [[0.1, 0.2], [0.3, 0.7]], shape: [2], dtype: ">c8" }),
    "np.asarray([0.1+0.2j, 0.3+0.7j], '>c8').astype('>c16')",
  ],
  [
    "<c8",
    () => ({ data: [1e300, 0.2], shape: [1], dtype: "<c16" }),
    "np.asarray([1e300+0.2j], '<c16').astype('<c8')",
  ],
  [
    "<f8",
    () => ({
      data: [{ re: 0.1, im: 0.2 }, { re: 0.3, im: 0.7 }],
      shape: [2],
      dtype: "<c8",
    }),
    "np.asarray([0.1+0.2j, 0.3+0.7j], '<c8').astype('<f8')",
  ],
  [
    "<c16",
    () => ({ data: [0.1, 0.2, 0.3, 0.7], shape: [2], dtype: "<c16" }),
    "np.asarray([0.1+0.2j, 0.3+0.7j], '<c16')",
  ],
];

test(
  "plain values named a complex dtype are that dtype's, as np.asarray(data, dtype)",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    for (const [i, [fileDt, input, expr]] of NAMED_COMPLEX.entries()) {
      const want = npSaveBytes(`${expr}`);
      const sync = join(dir, `c${i}.npy`);
      {
        using w = NpyAppendArraySync.open(sync, {
          dtype: fileDt,
          casting: "unsafe",
        });
        w.append(input() as never);
      }
      assert.deepEqual(
        new Uint8Array(readFileSync(sync)),
        want,
        `${i}: ${expr}`,
      );
      const async = join(dir, `a${i}.npy`);
      {
        await using w = await NpyAppendArray.open(async, {
          dtype: fileDt,
          casting: "unsafe",
        });
        await w.append(input() as never);
      }
      assert.deepEqual(new Uint8Array(readFileSync(async)), want, `${i} async`);
    }
  },
);

test("plain values named a complex dtype keep the casting rule", () => {
  const dir = tempDir();
  const path = join(dir, "rule.npy");
  using w = NpyAppendArraySync.open(path, { dtype: "<f8" });
  const before = w.shape;
  assert.throws(
    () => w.append({ data: [0.1, 0.2], shape: [1], dtype: "<c8" }),
    (e: unknown) => e instanceof TypeError && e.message.includes(path),
  );
  assert.deepEqual(w.shape, before);
});

test("plain values named a dtype, of the wrong count, are a length error", () => {
  const dir = tempDir();
  for (
    const [fileDt, dtype] of [["<f8", "<i4"], ["<c16", "<c8"]] as const
  ) {
    const path = join(dir, `count${dtype.slice(1)}.npy`);
    using w = NpyAppendArraySync.open(path, { dtype: fileDt });
    const before = w.shape;
    assert.throws(
      () => w.append({ data: [[1, 2], [3, 4]], shape: [2, 3], dtype }),
      (e: unknown) =>
        e instanceof RangeError && e.message.includes(path) &&
        /shape \(2, 3\) needs/.test(e.message),
      dtype,
    );
    assert.deepEqual(w.shape, before);
  }
});

test(
  "a strided array naming a NumPy dtype is read as that dtype, or refused as the flat form is",
  numpyTestOptions(),
  () => {
    // Its dtype was read only as a library name ("float16"): "<f2" was
    // passed over, and Uint16Array half-float bits went in as the numbers
    // 15360, and a Float32Array named "<i8" went in unrefused.
    const dir = tempDir();
    const path = join(dir, "strided.npy");
    {
      using w = NpyAppendArraySync.open(path, { dtype: "<f8" });
      w.append({
        data: new Uint16Array([0, 0x3c00, 0, 0x4000]),
        shape: [2],
        stride: [2],
        offset: 1,
        dtype: "<f2",
      });
      w.append({
        data: [9, 3, 9, 4],
        shape: [2],
        stride: [2],
        offset: 1,
        dtype: "<i2",
      });
      // scijs's own names that are no dtype are passed over, as before.
      for (const dtype of ["array", "generic"]) {
        w.append({ data: [5, 6], shape: [2], stride: [1], offset: 0, dtype });
      }
      // Gathered items stay bits (a library's "float16" too).
      w.append({
        data: new Uint16Array([0x4200, 0, 0x4400]),
        shape: [2],
        stride: [2],
        offset: 0,
        dtype: "float16",
      });
      const before = w.shape;
      assert.throws(
        () =>
          w.append({
            data: new Float32Array([1.5, 2]),
            shape: [2],
            stride: [1],
            offset: 0,
            dtype: "<i8",
          }),
        (e: unknown) =>
          e instanceof TypeError && e.message.includes(path) &&
          /leave dtype out/.test(e.message),
      );
      assert.deepEqual(w.shape, before);
    }
    assert.deepEqual(
      new Uint8Array(readFileSync(path)),
      npSaveBytes("np.array([1.0, 2.0, 3, 4, 5, 6, 5, 6, 3, 4], '<f8')"),
    );
  },
);
