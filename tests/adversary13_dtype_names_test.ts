/**
 * Adversary round 13, dtype strings as NumPy users write them. Found:
 * - `"c"`, NumPy's character code, is `np.dtype("c")`, a one-byte string
 *   (`|S1`); it was refused as a complex type with a "missing item size";
 * - the sized types named without a size (`"U"`, `"S"`, `"V"`, `"str"`,
 *   `"bytes"`, `"void"`, `"unicode_"`, `"string_"`: NumPy sizes them from
 *   the data) were an "unknown type". Now each says what it is and what
 *   to pass instead. (Long double names are refused as such since round
 *   13's exactness pass.)
 * Held (not changed): spaces around a `dtype` option are forgiven
 * (NumPy refuses them), mixed case (`"Float32"`) and `"np.float32"` are an
 * unknown type, as in NumPy.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  MemoryFile,
  NpyAppendArraySync,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions } from "./_numpy.ts";

function refused(spec: string, why: string): void {
  assert.throws(
    () => NpyAppendArraySync.open(new MemoryFile(), { dtype: spec }),
    {
      name: "TypeError",
      message:
        `Cannot open the file object: Cannot use dtype "${spec}": ${why}`,
    },
  );
}

describe("adversary 13: NumPy's dtype names", () => {
  test(
    '"c" is NumPy\'s one-byte string: the bytes of np.save',
    numpyTestOptions(),
    () => {
      for (const spec of ["c", "<c", "|c"]) {
        assert.equal(parseDType(spec).str, "|S1", spec);
        const file = new MemoryFile();
        const w = NpyAppendArraySync.open(file, { dtype: spec });
        w.append({ data: ["a", "b"], shape: [2] });
        w.close();
        assert.deepEqual(
          file.bytes(),
          npSaveBytes(`np.array([b"a", b"b"], dtype="${spec}")`),
          spec,
        );
        assert.deepEqual(readNpySync(file).shape, [2]);
      }
    },
  );

  test("a sized type without its size says so and what to pass", () => {
    const tail =
      " (NumPy sizes it from the data: leave the dtype out, and a new file takes it from the first append)";
    for (const spec of ["U", "<U", "str", "str_", "unicode"]) {
      refused(spec, `a string type needs its size, such as "<U8"${tail}`);
    }
    for (const spec of ["S", "|S", "a", "bytes", "bytes_"]) {
      refused(spec, `a bytes type needs its size, such as "|S8"${tail}`);
    }
    // "V" is "V0" (stop 19), a void of no bytes as np.zeros(3, "V").
    for (const spec of ["V", "void"]) {
      const w = NpyAppendArraySync.open(new MemoryFile(), { dtype: spec });
      assert.equal(w.dtype, "|V0");
      w.close();
    }
    // Leaving it out sizes the strings from the first append.
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file);
    w.append(["ab", "cde"]);
    w.close();
    assert.equal(readNpySync(file).dtype, "<U3");
  });

  test("long double names keep their own refusal (long double, with the astype fix)", () => {
    for (const spec of ["g", "longdouble", "float128", "<f16"]) {
      assert.throws(
        () => NpyAppendArraySync.open(new MemoryFile(), { dtype: spec }),
        { name: "TypeError", message: /long double types are not supported/ },
      );
    }
  });

  test("names NumPy does not know stay unknown (stop 25: naming the one meant)", () => {
    for (const spec of ["Float32", "FLOAT32", "np.float32", "numpy.float32"]) {
      refused(
        spec,
        'unknown type; did you mean "float32"? Or use a type string such as "<f8" or a name such as "float64"',
      );
    }
  });
});
