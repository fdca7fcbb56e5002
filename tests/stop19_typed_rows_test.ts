/**
 * Stop 19 (h6): nested arrays of typed-array rows take the path a bare
 * typed array takes, so appending them into an existing file does what
 * appending the same rows as one typed array does, and what NumPy does.
 *
 * - `[Float32Array]` into a `U`/`S` file under `unsafe` wrote "0", "1":
 *   NumPy's `astype` of float32 gives "0.0", "1.0" (as the bare typed
 *   array writes).
 * - `[Uint8Array]` of 0/1 into a bool file was refused under `same_kind`
 *   (a bare `Uint8Array` is taken as 0/1 bytes, checked by value).
 * - `[BigInt64Array]` into an `m8` file under `no`/`equiv` was refused (a
 *   bare `BigInt64Array` is the file's own ticks).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const withNumpy = numpyTestOptions();

/** `np.load(path).tolist()` as Python prints it. */
function loaded(path: string): string {
  return runPython(
    `import sys, numpy as np\nprint(np.load(sys.argv[1]).tolist())`,
    [path],
  ).trim();
}

/** Appends `input` to a new empty file of `dtype` under `casting`. */
function appendTo(
  path: string,
  dtype: string,
  casting: string,
  input: unknown,
): void {
  const w0 = NpyAppendArraySync.open(path, { dtype });
  w0.append({ shape: [0, 2], data: [] });
  w0.close();
  const w = NpyAppendArraySync.open(path, { casting } as never);
  try {
    w.append(input as never);
  } finally {
    w.close();
  }
}

describe("nested typed-array rows into an existing file", withNumpy, () => {
  const cases: [string, string, () => unknown, () => unknown, string][] = [
    [
      "Float32Array rows into <U5, unsafe",
      "<U5",
      () => [new Float32Array([0, 1.5])],
      () => ({ data: new Float32Array([0, 1.5]), shape: [1, 2] }),
      "unsafe",
    ],
    [
      "Float64Array rows into |S5, unsafe",
      "|S5",
      () => [new Float64Array([0, 1])],
      () => ({ data: new Float64Array([0, 1]), shape: [1, 2] }),
      "unsafe",
    ],
    [
      "Uint8Array rows of 0/1 into |b1, same_kind",
      "|b1",
      () => [new Uint8Array([0, 1]), new Uint8Array([1, 1])],
      () => ({ data: new Uint8Array([0, 1, 1, 1]), shape: [2, 2] }),
      "same_kind",
    ],
    [
      "BigInt64Array rows into <m8[s], no",
      "<m8[s]",
      () => [new BigInt64Array([0n, 7n])],
      () => ({ data: new BigInt64Array([0n, 7n]), shape: [1, 2] }),
      "no",
    ],
    [
      "BigInt64Array rows into <M8[s], same_kind",
      "<M8[s]",
      () => [new BigInt64Array([0n, 7n])],
      () => ({ data: new BigInt64Array([0n, 7n]), shape: [1, 2] }),
      "same_kind",
    ],
  ];
  for (const [name, dtype, nested, bare, casting] of cases) {
    test(`${name}: as the same rows in one typed array`, () => {
      const dir = tempDir();
      const a = join(dir, "nested.npy");
      const b = join(dir, "bare.npy");
      appendTo(b, dtype, casting, bare());
      appendTo(a, dtype, casting, nested());
      assert.equal(loaded(a), loaded(b));
    });
  }

  test("Float32Array rows into <U8 as NumPy's astype", () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    appendTo(
      a,
      "<U8",
      "unsafe",
      [new Float32Array([0, 1.5, -2])].map((r) => r.subarray(0, 2)),
    );
    const want = runPython(
      `import numpy as np\nprint(np.array([np.float32([0, 1.5])]).astype("<U8").tolist())`,
      [],
    ).trim();
    assert.equal(loaded(a), want);
  });

  test("a NaN's bits in Float32Array rows are kept", () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    const row = new Float32Array(2);
    new Uint32Array(row.buffer).set([0x7fc00001, 0xffc12345]);
    const w = NpyAppendArraySync.open(a);
    w.append([row, row]);
    w.close();
    const got = runPython(
      `import sys, numpy as np\na = np.load(sys.argv[1])\nprint(a.dtype.str, [hex(x) for x in a.view("<u4").ravel()])`,
      [a],
    ).trim();
    assert.equal(
      got,
      "<f4 ['0x7fc00001', '0xffc12345', '0x7fc00001', '0xffc12345']",
    );
  });

  test("rows of several typed array types take np.array's promoted dtype", () => {
    const dir = tempDir();
    const cases: [string, unknown[], string][] = [
      [
        "i1_u1",
        [new Int8Array([-1, 2]), new Uint8Array([3, 255])],
        "np.int8([-1, 2]), np.uint8([3, 255])",
      ],
      [
        "u1_u2",
        [new Uint8Array([1, 2]), new Uint16Array([3, 65535])],
        "np.uint8([1, 2]), np.uint16([3, 65535])",
      ],
      [
        "i2_u2",
        [new Int16Array([-1, 2]), new Uint16Array([3, 65535])],
        "np.int16([-1, 2]), np.uint16([3, 65535])",
      ],
      [
        "i4_u4",
        [new Int32Array([-1, 2]), new Uint32Array([3, 2 ** 32 - 1])],
        "np.int32([-1, 2]), np.uint32([3, 2**32 - 1])",
      ],
      [
        "i2_i4",
        [new Int16Array([-1, 2]), new Int32Array([3, 4])],
        "np.int16([-1, 2]), np.int32([3, 4])",
      ],
      [
        "u1_f4",
        [new Uint8Array([1, 2]), new Float32Array([0.5, 4])],
        "np.uint8([1, 2]), np.float32([0.5, 4])",
      ],
      [
        "i2_f4",
        [new Int16Array([1, 2]), new Float32Array([0.5, 4])],
        "np.int16([1, 2]), np.float32([0.5, 4])",
      ],
      [
        "i4_f4",
        [new Int32Array([1, 2]), new Float32Array([0.5, 4])],
        "np.int32([1, 2]), np.float32([0.5, 4])",
      ],
      [
        "clamped_i1",
        [new Uint8ClampedArray([1, 200]), new Int8Array([-3, 4])],
        "np.uint8([1, 200]), np.int8([-3, 4])",
      ],
      [
        "i8_i4",
        [new BigInt64Array([-1n, 2n ** 62n]), new Int32Array([3, 4])],
        "np.int64([-1, 2**62]), np.int32([3, 4])",
      ],
      ["u8_u1", [
        new BigUint64Array([1n, 2n ** 64n - 1n]),
        new Uint8Array([3, 4]),
      ], "np.uint64([1, 2**64 - 1]), np.uint8([3, 4])"],
      [
        "i8_u8",
        [new BigInt64Array([-1n, 2n]), new BigUint64Array([3n, 4n])],
        "np.int64([-1, 2]), np.uint64([3, 4])",
      ],
      [
        "u8_f4",
        [new BigUint64Array([1n, 2n]), new Float32Array([0.5, 4])],
        "np.uint64([1, 2]), np.float32([0.5, 4])",
      ],
      [
        "3_levels",
        [[new Int8Array([1, 2])], [new Int16Array([3, 4])]],
        "[np.int8([1, 2])], [np.int16([3, 4])]",
      ],
    ];
    for (const [name, rows, py] of cases) {
      const path = join(dir, `${name}.npy`);
      const w = NpyAppendArraySync.open(path);
      w.append(rows as never);
      w.close();
      const got = runPython(
        `import sys, numpy as np\na = np.load(sys.argv[1])\nb = np.array([${py}])\nprint(a.dtype == b.dtype, a.shape == b.shape, np.array_equal(a, b), a.dtype.str, b.dtype.str)`,
        [path],
      ).trim();
      assert.equal(
        got.split(" ").slice(0, 3).join(" "),
        "True True True",
        `${name}: ${got}`,
      );
    }
  });
});
