/**
 * Stop 23 (h1): integers named by their dtype are integers, cast as
 * `np.can_cast` says, not a datetime file's ticks or a bool file's bytes.
 *
 * Found before the fix (the rows of 25 NumPy-made files appended to each
 * other under `same_kind`): rows of an `int64` file (`readNpy` gives a
 * `BigInt64Array` with `dtype: "<i8"`) were taken by a dated `M8` file as
 * its ticks, and rows of a `uint8` file (`dtype: "|u1"`) by a `bool` file
 * as 0/1 bytes, where `np.can_cast` says no under `same_kind` and
 * `np.concatenate` refuses both. Now refused below `"unsafe"` naming both
 * dtypes, nothing written; `"unsafe"` writes what `astype` writes. A bare
 * `BigInt64Array` or `Uint8Array` (no `dtype`) stays the file's ticks or
 * 0/1 bytes (stop 19), and `int64` into `m8` stays a `same_kind` cast.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

function write(
  dtype: string,
  input: unknown,
  casting: "same_kind" | "unsafe" = "same_kind",
): number[] {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, { dtype, casting });
  npy.append(input as never);
  npy.close();
  return [...mem.bytes()];
}

test(
  "named integers into M8 and bool follow np.can_cast",
  numpyTestOptions(),
  () => {
    const want = JSON.parse(runPython(
      `import io, json
import numpy as np
out = [[np.can_cast("i8", "M8[s]", "same_kind"), np.can_cast("u1", "b1", "same_kind")]]
for a in (np.array([5, -1]).astype("<M8[s]", casting="unsafe"),
          np.array([0, 1, 255], "u1").astype("?"),
          np.array([5, -1]).astype("<m8[s]"),
          np.array([5, -1]).astype("<M8[s]", casting="unsafe")):
    b = io.BytesIO(); np.save(b, a); out.append(list(b.getvalue()))
print(json.dumps(out))`,
    )) as [boolean[], ...number[][]];
    assert.deepEqual(want[0], [false, false]);
    const i8 = { data: new BigInt64Array([5n, -1n]), shape: [2], dtype: "<i8" };
    const u1 = { data: new Uint8Array([0, 1, 255]), shape: [3], dtype: "|u1" };
    for (const [dtype, input] of [["<M8[s]", i8], ["|b1", u1]] as const) {
      const mem = new MemoryFile();
      const npy = NpyAppendArraySync.open(mem, { dtype });
      assert.throws(
        () => npy.append(input as never),
        (e: Error) =>
          e instanceof TypeError && e.message.includes(input.dtype) &&
          e.message.includes(dtype) && e.message.includes("the file object"),
        dtype,
      );
      npy.close();
      const empty = new MemoryFile();
      NpyAppendArraySync.open(empty, { dtype }).close();
      assert.deepEqual(mem.bytes(), empty.bytes(), "nothing written");
    }
    assert.deepEqual(write("<M8[s]", i8, "unsafe"), want[1]);
    assert.deepEqual(write("|b1", u1, "unsafe"), want[2]);
    assert.deepEqual(write("<m8[s]", i8), want[3]);
    // Bare typed arrays: the file's ticks and 0/1 bytes, as before.
    assert.deepEqual(write("<M8[s]", new BigInt64Array([5n, -1n])), want[4]);
    assert.deepEqual(
      write("|b1", new Uint8Array([0, 1, 1])),
      write("|b1", [false, true, true]),
    );
  },
);
