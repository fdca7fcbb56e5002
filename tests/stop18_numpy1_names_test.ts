/**
 * Stop 18: NumPy 1.x dtype names that NumPy 2 removed. NumPy 1.24 reads
 * every one; they were an "unknown type" here. Accepted where NumPy 1.24's
 * meaning is the only one (`int0`, `uint0`, `singlecomplex`, `object0`,
 * with `float_`, `complex_`, `bool8` as before): the bytes of `np.save`
 * under NumPy 1.24. Refused naming the NumPy 2 spelling: `cfloat`
 * (complex128 in NumPy, pairs of float32 to a C reader), the long double
 * names and the sized types without a size.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseDType } from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython } from "./_numpy.ts";

function refusal(spec: string): string {
  try {
    parseDType(spec);
  } catch (e) {
    assert.equal((e as Error).name, "TypeError", spec);
    return (e as Error).message;
  }
  throw new Error(`${spec} was accepted`);
}

describe("stop 18: NumPy 1.x dtype names", () => {
  test(
    "int0, uint0, singlecomplex are NumPy 1.24's types: the bytes of np.save",
    numpyTestOptions(),
    () => {
      const specs = ["int0", "uint0", "singlecomplex", "float_", "complex_"];
      const strs = JSON.parse(runPython(
        "import sys, json, numpy as np; print(json.dumps([np.dtype(s).str for s in sys.argv[1:]]))",
        specs,
      )) as string[];
      specs.forEach((spec, i) => {
        assert.equal(parseDType(spec).str, strs[i], spec);
        const file = new MemoryFile();
        const w = NpyAppendArraySync.open(file, { dtype: spec });
        w.append({ data: [1, 2, 3], shape: [3] });
        w.close();
        assert.deepEqual(
          file.bytes(),
          npSaveBytes(`np.array([1, 2, 3], dtype="${spec}")`),
          spec,
        );
      });
    },
  );

  test("object0 is NumPy's object type, refused as objects are", () => {
    assert.equal(parseDType("object0").str, "|O");
    assert.throws(
      () => NpyAppendArraySync.open(new MemoryFile(), { dtype: "object0" }),
      (e: Error) =>
        e.message === (() => {
          try {
            NpyAppendArraySync.open(new MemoryFile(), { dtype: "object" });
          } catch (f) {
            return (f as Error).message.replace('"object"', '"object0"');
          }
        })(),
    );
  });

  test("cfloat is refused, naming complex128 and complex64", () => {
    assert.equal(
      refusal("cfloat"),
      `Cannot use dtype "cfloat": "cfloat" is NumPy 1.x's name of "complex128" (NumPy 2 removed it); use "complex128" ("<c16"), which NumPy 1.x meant, or "complex64" ("<c8") for pairs of float32 (C's float)`,
    );
  });

  test("other refused NumPy 1.x names say their NumPy 2 spelling", () => {
    for (
      const [spec, now] of [
        ["longfloat", "longdouble"],
        ["clongfloat", "clongdouble"],
        ["longcomplex", "clongdouble"],
        ["string_", "bytes_"],
        ["unicode_", "str_"],
      ]
    ) {
      assert.match(
        refusal(spec!),
        new RegExp(
          `^Cannot use dtype "${spec}": "${spec}" is NumPy 1\\.x's name of "${now}" \\(NumPy 2 removed it\\); `,
        ),
      );
    }
  });
});
