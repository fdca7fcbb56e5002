/**
 * Adversary round 6, values: numbers appended into text dtypes (`U`, `S`)
 * under `casting: "unsafe"` are written as NumPy 1.24's casts write them
 * (each scalar's `str()`), NumPy the oracle. JS's `String()` wrote
 * `"0.10000000149011612"` for a float32 0.1 (NumPy `"0.1"`), `"1"` for a
 * float 1.0 (`"1.0"`), `"10000000000000000"` (`"1e+16"`), `"0.00001"`
 * (`"1e-05"`), `"NaN"`, `"Infinity"` and `"true"` (`"nan"`, `"inf"`,
 * `"True"`), and `S` refused numbers altogether although the README says
 * numbers are text under `"unsafe"`. Complex values became their real
 * part (`"1.0"` for NumPy's `"(1+2j)"`), datetimes their tick count (`"1"`
 * for `"1970-01-01T00:00:01"`), timedeltas too (`"1"` for `"1 seconds"`).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

/** The data bytes of a new file of `dtype` holding `input`, or the error. */
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

/** NumPy's bytes of `np.array(eval(expr), src).astype(dtype)` for each item. */
function numpy(items: [string, string | null, string][]): number[][] {
  return JSON.parse(runPython(
    `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
nan, inf = float("nan"), float("inf")
out = []
for expr, src, dtype in json.loads(sys.argv[1]):
    a = np.array(eval(expr), dtype=src)
    out.append(list(a.astype(dtype, casting="unsafe").tobytes()))
print(json.dumps(out))`,
    [JSON.stringify(items)],
  ));
}

const F8 = [
  0,
  1,
  -2.5,
  0.1,
  1 / 3,
  1e16,
  9999999999999998,
  1e-5,
  1e-4,
  5e-324,
  1.7976931348623157e308,
  123456789012345680,
  NaN,
  Infinity,
  -Infinity,
];
const F4 = [0, 1, 0.1, 1e-4, 1e-5, 3.4e38, 1e-45, 16777216, 3587727.25];
const F2 = [0, 1, 0.1, 65504, 6e-8, 1e-4, 0.333, 32.125, 2048];
const py = (xs: readonly number[]) =>
  `[${
    xs.map((x) =>
      Number.isNaN(x)
        ? "nan"
        : x === Infinity
        ? "inf"
        : x === -Infinity
        ? "-inf"
        : Object.is(x, -0)
        ? "-0.0"
        : x.toExponential()
    ).join(", ")
  }]`;

describe("typed arrays into text dtypes are written as NumPy's str() of their type", () => {
  const opts = numpyTestOptions();
  const CASES: [string, () => unknown, string, string][] = [
    ["Float64Array", () => new Float64Array(F8), py(F8), "<f8"],
    ["Float32Array", () => new Float32Array(F4), py(F4), "<f4"],
    [
      "Int32Array",
      () => new Int32Array([0, -1, 2147483647, -2147483648]),
      "[0, -1, 2147483647, -2147483648]",
      "<i4",
    ],
    [
      "BigUint64Array",
      () => new BigUint64Array([0n, 2n ** 64n - 1n]),
      "[0, 2**64 - 1]",
      "<u8",
    ],
  ];
  for (const target of ["<U30", ">U24", "|S30"]) {
    test(`into ${target}`, opts, () => {
      const want = numpy(CASES.map(([, , e, src]) => [e, src, target]));
      for (const [i, [name, make]] of CASES.entries()) {
        assert.deepEqual(ours(target, make()), want[i], `${name} -> ${target}`);
      }
    });
  }

  test("float16 data keeps float16's shortest digits", opts, () => {
    // Without Float16Array a float16 array is its raw bits, declared "<f2".
    const bits = new Uint16Array(JSON.parse(runPython(
      `import json
import numpy as np
print(json.dumps(np.array(${py(F2)}, "f2").view("u2").tolist()))`,
    )));
    const [want] = numpy([[py(F2), "f2", "<U12"]]);
    const got = ours("<U12", { data: bits, shape: [F2.length], dtype: "<f2" });
    assert.deepEqual(got, want);
  });
});

describe("complex and time values into text dtypes are written as NumPy writes them", () => {
  const opts = numpyTestOptions();
  const PARTS = [1, 2, 0, 2, -0, 2, 0, -2, 1.5, -0.25, NaN, 1, 1, NaN];
  const MORE = [Infinity, -Infinity, 1e16, 1e-5, 0, 0, -0, -0, 0.1, 0.1];
  const C = [...PARTS, ...MORE];
  const TICKS = [0n, 1n, -1n, 59n, -86401n, 1000000007n, -123456789012n];
  const NAT = -(2n ** 63n);
  const ticks = [...TICKS, NAT];
  const tickExpr = `[${ticks.join(", ")}]`;
  const CASES: [string, () => unknown, string, string | null][] = [
    [
      "complex128",
      () => ({
        data: new Float64Array(C),
        shape: [C.length / 2],
        dtype: "<c16",
      }),
      `np.array(${py(C)}).view("c16")`,
      null,
    ],
    [
      "complex64",
      () => ({
        data: new Float32Array(C),
        shape: [C.length / 2],
        dtype: "<c8",
      }),
      `np.array(${py(C)}).astype("f4").view("c8")`,
      null,
    ],
    [
      "{re, im} objects",
      () => [{ re: 1, im: 2 }, { re: 0, im: -2 }, { re: -0.5 }],
      "[1+2j, complex(0, -2), -0.5+0j]",
      null,
    ],
  ];
  for (
    const unit of [
      "Y",
      "M",
      "W",
      "D",
      "h",
      "m",
      "s",
      "ms",
      "us",
      "as",
      "15s",
      "3M",
    ]
  ) {
    for (const kind of ["M8", "m8"]) {
      CASES.push([
        `${kind}[${unit}]`,
        () => ({
          data: new BigInt64Array(ticks),
          shape: [ticks.length],
          dtype: `<${kind}[${unit}]`,
        }),
        `np.array(${tickExpr}, "i8").view("<${kind}[${unit}]")`,
        null,
      ]);
    }
  }
  for (const target of ["<U40", "|S40"]) {
    test(`into ${target}`, opts, () => {
      const want = numpy(CASES.map(([, , e, src]) => [e, src, target]));
      for (const [i, [name, make]] of CASES.entries()) {
        assert.deepEqual(ours(target, make()), want[i], `${name} -> ${target}`);
      }
    });
  }

  test("a generic datetime has no text, as NumPy", () => {
    assert.throws(
      () =>
        ours("<U40", {
          data: new BigInt64Array([1n]),
          shape: [1],
          dtype: "<M8",
        }),
      /generic datetime/,
    );
  });
});

describe("plain values into text dtypes are written as NumPy writes the Python values", () => {
  const opts = numpyTestOptions();
  // Safe integers are Python ints, other numbers Python floats.
  const VALUES: unknown[] = [
    1,
    -0,
    2.5,
    1e16,
    1e-5,
    2 ** 53,
    NaN,
    -Infinity,
    true,
    false,
    10n ** 20n,
  ];
  const EXPR =
    "[1, 0, 2.5, 1e16, 1e-5, 2.0**53, nan, -inf, True, False, 10**20]";
  for (const target of ["<U25", "|S25"]) {
    test(`into ${target}`, opts, () => {
      const [want] = numpy([[EXPR, "O", target]]);
      assert.deepEqual(ours(target, VALUES), want);
    });
  }

  test("under no and equiv, numbers are not text (np.can_cast)", () => {
    // From "safe" on they are: tests/stop20_number_text_test.ts.
    for (const target of ["<U25", "|S25"]) {
      for (const casting of ["no", "equiv"]) {
        assert.throws(() => ours(target, [1.5], casting), TypeError);
        assert.throws(
          () => ours(target, new Float64Array([1.5]), casting),
          TypeError,
        );
      }
    }
  });
});
