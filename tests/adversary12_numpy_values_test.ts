/**
 * Adversary round 12, values: JS values appended into each dtype against
 * NumPy 1.24's casts of the same values, members that earlier rounds did
 * not try.
 *
 * Found before the fix:
 * - a bigint beyond a double's range (`2n ** 1024n`) went into `f8`,
 *   `c16`, `f4`, `c8` and `f2` files as infinity under the default
 *   `"same_kind"` casting (NumPy: "int too large to convert to float"),
 *   while `2n ** 128n` into `f4` was refused;
 * - NaN into a datetime or timedelta dtype under `"unsafe"` was tick 0
 *   (1970-01-01, 0 seconds): NumPy makes it NaT on every platform (since
 *   1.18), plain numbers and `Float64Array`/`Float32Array` alike;
 * - float16 data given as its raw bits (`{ data: Uint16Array, dtype:
 *   "<f2" }`, the form `readNpy` returns without `Float16Array`, as on
 *   Node 20) went into integer, bool and timedelta dtypes as the bit
 *   patterns: 1.0 became 15360, -0.0 became `True`;
 * - a complex part out of range named the part's dtype ("<f4") in the
 *   message, not the file's ("<c8").
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

/** The data bytes of a new `dtype` file holding `input`. */
function ours(dtype: string, input: unknown, casting = "unsafe"): number[] {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, {
    dtype,
    casting: casting as "unsafe",
  });
  npy.append(input as never);
  npy.close();
  const bytes = mem.bytes();
  return [...bytes.subarray(parseHeader(bytes).headerLength)];
}

/**
 * NumPy's bytes of `np.array(eval(expr), src).astype(dtype, casting=...)`
 * for each item, or the name of the exception NumPy raises.
 */
function numpy(
  items: [string, string | null, string, string][],
): (number[] | string)[] {
  return JSON.parse(runPython(
    `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
nan, inf = float("nan"), float("inf")
out = []
for expr, src, dtype, casting in json.loads(sys.argv[1]):
    try:
        a = np.array(eval(expr), dtype=src)
        out.append(list(a.astype(dtype, casting=casting).tobytes()))
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))`,
    [JSON.stringify(items)],
  ));
}

/** A `dtype` file holding one 1, and its bytes. */
function oneRow(dtype: string): [MemoryFile, NpyAppendArraySync, Uint8Array] {
  const file = new MemoryFile();
  const npy = NpyAppendArraySync.open(file, { dtype });
  npy.append([1]);
  return [file, npy, file.bytes().slice()];
}

describe("bigints beyond a float's range", () => {
  const opts = numpyTestOptions();
  const HUGE: [string, bigint][] = [
    ["2**1024", 2n ** 1024n],
    ["-(2**1024)", -(2n ** 1024n)],
    ["2**1024 - 2**970", 2n ** 1024n - 2n ** 970n],
    ["10**400", 10n ** 400n],
  ];

  test("NumPy refuses them (the oracle)", opts, () => {
    const got = numpy(
      HUGE.map(([expr]) => [`[${expr}]`, "f8", "<f8", "same_kind"]),
    );
    assert.deepEqual(got, HUGE.map(() => "OverflowError"));
  });

  for (const dtype of ["<f8", "<c16", "<f4", "<c8", "<f2", ">f8"]) {
    test(`into ${dtype}: a RangeError naming the file and the fix, no byte changed`, () => {
      for (const [expr, v] of HUGE) {
        const [file, npy, before] = oneRow(dtype);
        assert.throws(
          () => npy.append([v]),
          (e: unknown) => {
            assert.ok(e instanceof RangeError, `${expr}: ${e}`);
            assert.match(
              e.message,
              new RegExp(
                `^Cannot append value -?\\d+n at index 0 to the file object: it does not fit dtype "${dtype}" \\(use casting "unsafe" to convert anyway\\)$`,
              ),
            );
            return true;
          },
        );
        npy.close();
        assert.deepEqual(file.bytes(), before, `${dtype} ${expr}`);
      }
    });
  }

  test(
    "the largest bigint that rounds to a finite double still fits, as Python's float()",
    opts,
    () => {
      const edge = 2n ** 1024n - 2n ** 970n - 1n;
      const [want] = numpy([[`[${edge}]`, "f8", "<f8", "same_kind"]]);
      assert.deepEqual(ours("<f8", [edge], "same_kind"), want);
      assert.deepEqual(
        ours("<f8", [edge], "same_kind"),
        [...new Uint8Array(new Float64Array([Number.MAX_VALUE]).buffer)],
      );
    },
  );

  test("under unsafe they are infinities, with the sign", () => {
    assert.deepEqual(ours("<f8", [2n ** 1024n, -(2n ** 1024n)]), [
      ...new Uint8Array(new Float64Array([Infinity, -Infinity]).buffer),
    ]);
    assert.deepEqual(ours("<f4", [10n ** 400n]), [
      ...new Uint8Array(new Float32Array([Infinity]).buffer),
    ]);
  });
});

describe("NaN into datetimes and timedeltas under unsafe is NaT, as NumPy", () => {
  const opts = numpyTestOptions();
  const UNITS = ["<M8[s]", "<m8[s]", "<M8[D]", ">m8[ms]", "<M8[10us]", "<m8"];
  const VALUES = "[nan, 1.5, -0.0, -2.75, nan]";
  const DATA = [NaN, 1.5, -0, -2.75, NaN];

  test("plain numbers, Float64Array and Float32Array, each unit", opts, () => {
    const want = numpy(
      UNITS.flatMap((dtype) => [
        [VALUES, "f8", dtype, "unsafe"] as [string, string, string, string],
        [VALUES, "f4", dtype, "unsafe"] as [string, string, string, string],
      ]),
    );
    for (const [i, dtype] of UNITS.entries()) {
      assert.deepEqual(ours(dtype, DATA), want[2 * i], `${dtype} plain`);
      assert.deepEqual(
        ours(dtype, new Float64Array(DATA)),
        want[2 * i],
        `${dtype} Float64Array`,
      );
      assert.deepEqual(
        ours(dtype, new Float32Array(DATA)),
        want[2 * i + 1],
        `${dtype} Float32Array`,
      );
    }
  });

  test("below unsafe NaN is still refused", () => {
    for (const dtype of UNITS) {
      assert.throws(() => ours(dtype, [NaN], "same_kind"), RangeError);
      assert.throws(
        () => ours(dtype, new Float64Array([NaN]), "same_kind"),
        TypeError,
      );
    }
  });
});

describe("float16 given as its raw bits goes into other kinds by value", () => {
  const opts = numpyTestOptions();
  // Values every target holds (NaN and out-of-range values into integers
  // are undefined behaviour in NumPy, so the bool and time targets test
  // them).
  const CASES: [string, string][] = [
    ["[1.0, 2.5, -3.75, 0.5, -0.0, 65504.0, -65504.0]", "<i4"],
    ["[1.0, 2.5, -3.75, 0.5, -0.0, 100.0, -128.0]", "|i1"],
    ["[1.0, 2.5, 3.75, 0.5, -0.0, 255.0]", "|u1"],
    ["[1.0, 2.5, 3.75, 0.5, -0.0, 65504.0]", "<u8"],
    ["[1.0, 2.5, -3.75, 0.5, -0.0, 65504.0]", ">i8"],
    ["[1.0, 0.5, -0.0, 0.0, nan, inf, -1.0, 6e-08]", "|b1"],
    ["[1.0, 2.5, -3.75, nan, -0.0]", "<m8[s]"],
  ];

  test("into integers, bools and timedeltas, as NumPy's astype", opts, () => {
    const bits: number[][] = JSON.parse(runPython(
      `import json, sys
import numpy as np
nan, inf = float("nan"), float("inf")
print(json.dumps([np.array(eval(v), "<f2").view("<u2").tolist() for v in json.loads(sys.argv[1])]))`,
      [JSON.stringify(CASES.map(([values]) => values))],
    ));
    const want = numpy(
      CASES.map(([values, dtype]) => [values, "<f2", dtype, "unsafe"]),
    );
    for (const [i, [values, dtype]] of CASES.entries()) {
      const data = new Uint16Array(bits[i]!);
      const input = { data, shape: [data.length], dtype: "<f2" };
      assert.deepEqual(ours(dtype, input), want[i], `${values} -> ${dtype}`);
    }
  });

  test("below unsafe the cast is refused by type, as NumPy's same_kind", () => {
    const input = () => ({
      data: new Uint16Array([0x3c00]),
      shape: [1],
      dtype: "<f2",
    });
    for (const dtype of ["<i4", "|b1", "<m8[s]"]) {
      assert.throws(() => ours(dtype, input(), "same_kind"), TypeError);
    }
  });
});

describe("a complex part that does not fit names the file's dtype", () => {
  for (
    const [dtype, value] of [
      ["<c8", { re: 1e39, im: 0 }],
      ["<c8", { re: 0, im: -1e39 }],
      [">c16", [1, 2n ** 1024n]],
    ] as const
  ) {
    test(`${dtype} ${JSON.stringify(value, (_k, v) => typeof v === "bigint" ? "big" : v)}`, () => {
      const [file, npy, before] = oneRow(dtype);
      assert.throws(
        () => npy.append([value]),
        (e: unknown) => {
          assert.ok(e instanceof RangeError, String(e));
          assert.match(e.message, new RegExp(`does not fit dtype "${dtype}"`));
          return true;
        },
      );
      npy.close();
      assert.deepEqual(file.bytes(), before);
    });
  }
});
