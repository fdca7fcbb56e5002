/**
 * Stop 20 (h1): numbers into `U` and `S` files follow `np.can_cast` under
 * `"safe"` and `"same_kind"`, as every other pair does. They were refused
 * below `"unsafe"` (`canCast(i1, U4, "safe")` said no where NumPy says
 * yes: `int8` needs 4 characters, bool 5, `int64` 21, floats 32, complex
 * 64; `same_kind` takes any size). The text written is NumPy's, checked
 * byte for byte against `astype`; a value whose text does not fit is a
 * `RangeError` below `"unsafe"`, as for strings; `"no"` and `"equiv"`
 * still refuse numbers, as `np.can_cast` does.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  canCast,
  type Casting,
  MemoryFile,
  NpyAppendArraySync,
  parseDType,
  parseHeader,
} from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

/** The data bytes of a new file of `dtype` holding `input`. */
function ours(dtype: string, input: unknown, casting: Casting): number[] {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, { dtype, casting });
  npy.append(input as never);
  npy.close();
  const bytes = mem.bytes();
  return [...bytes.subarray(parseHeader(bytes).headerLength)];
}

/**
 * NumPy's bytes of `np.array(eval(expr), src).astype(dtype, casting=...)`
 * for each item, with whether `np.can_cast(src, dtype, casting)`.
 */
function numpy(
  items: [string, string | null, string, Casting][],
): [number[], boolean][] {
  return JSON.parse(runPython(
    `import json, sys
import numpy as np
out = []
for expr, src, dtype, casting in json.loads(sys.argv[1]):
    a = np.array(eval(expr), dtype=src)
    ok = bool(np.can_cast(a.dtype, dtype, casting)) if src else True
    b = a.astype(dtype, casting=casting if ok else "unsafe")
    out.append([list(b.tobytes()), ok])
print(json.dumps(out))`,
    [JSON.stringify(items)],
  ));
}

describe("numbers into text below unsafe, as np.can_cast and astype", () => {
  const opts = numpyTestOptions();
  const TYPED: [string, () => unknown, string, string, string][] = [
    [
      "Int8Array",
      () => new Int8Array([5, -128, 127]),
      "[5, -128, 127]",
      "i1",
      "<U4",
    ],
    [
      "Int8Array",
      () => new Int8Array([5, -128, 127]),
      "[5, -128, 127]",
      "i1",
      "|S4",
    ],
    [
      "Int16Array",
      () => new Int16Array([-32768, 7]),
      "[-32768, 7]",
      "i2",
      ">U6",
    ],
    [
      "Uint32Array",
      () => new Uint32Array([4294967295]),
      "[4294967295]",
      "u4",
      "<U10",
    ],
    [
      "BigInt64Array",
      () => new BigInt64Array([-(2n ** 63n), 0n]),
      "[-2**63, 0]",
      "i8",
      "<U21",
    ],
    [
      "Float32Array",
      () => new Float32Array([0.1, -0, 1e20]),
      "[0.1, -0.0, 1e20]",
      "f4",
      "<U32",
    ],
    [
      "Float64Array",
      () => new Float64Array([1 / 3, 1e-5]),
      "[1/3, 1e-5]",
      "f8",
      "|S32",
    ],
  ];
  for (const casting of ["safe", "same_kind"] as const) {
    test(
      `typed arrays into text that holds every value (${casting})`,
      opts,
      () => {
        const want = numpy(
          TYPED.map(([, , e, src, to]) => [e, src, to, casting]),
        );
        for (const [i, [name, make, , src, to]] of TYPED.entries()) {
          assert.equal(want[i]![1], true, `np.can_cast(${src}, ${to})`);
          assert.equal(canCast(parseDType(src), parseDType(to), casting), true);
          assert.deepEqual(
            ours(to, make(), casting),
            want[i]![0],
            `${name} -> ${to}`,
          );
        }
      },
    );
  }

  test("plain values whose text fits, under safe and same_kind", opts, () => {
    const values = [5, -128, 2.5, 1e16, NaN, true, false, 10n ** 20n];
    const expr = "[5, -128, 2.5, 1e16, float('nan'), True, False, 10**20]";
    for (const casting of ["safe", "same_kind"] as const) {
      for (const to of ["<U25", "|S25"]) {
        const want = numpy([[expr, "O", to, "unsafe"]])[0]![0];
        assert.deepEqual(ours(to, values, casting), want, `${to} ${casting}`);
      }
    }
  });

  test(
    "a cast np.can_cast refuses stays a TypeError; text too long a RangeError",
    opts,
    () => {
      const ok = numpy([["[5]", "i1", "<U3", "safe"]])[0]![1];
      assert.equal(ok, false);
      assert.throws(
        () => ours("<U3", new Int8Array([5]), "safe"),
        (e) =>
          e instanceof TypeError && /"\|i1" to "<U3".*"safe"/.test(e.message),
      );
      // same_kind allows it; a value whose text does not fit is refused (NumPy
      // would cut "-128" to "-12"), and one that fits is written.
      assert.throws(
        () => ours("<U3", new Int8Array([-128]), "same_kind"),
        RangeError,
      );
      assert.throws(() => ours("<U4", [12345], "safe"), RangeError);
      assert.deepEqual(
        ours("<U3", new Int8Array([-12]), "same_kind"),
        numpy([["[-12]", "i1", "<U3", "same_kind"]])[0]![0],
      );
      for (const casting of ["no", "equiv"] as const) {
        assert.throws(() => ours("<U25", [5], casting), TypeError);
        assert.throws(
          () => ours("<U25", new Int8Array([5]), casting),
          TypeError,
        );
      }
    },
  );
});
