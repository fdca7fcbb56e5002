/**
 * The dtype a new file takes from its first append, checked against the
 * dtype NumPy's `np.array` gives the same values where the two agree by
 * design (strings, booleans), and the library's own rules
 * elsewhere (numbers are `<f8`, bigints `<i8`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { inferDType } from "../src/_dtype_infer.ts";
import { normalize } from "../src/_input_normalize.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

function infer(input: unknown): string {
  return inferDType(normalize(input, undefined, "x.npy"), "x.npy").str;
}

test(
  "strings: the longest item, counted as NumPy counts it",
  numpyTestOptions(),
  () => {
    const cases: Array<[unknown[], string]> = [
      [["a", "bcd"], "['a', 'bcd']"],
      [["\u{1f600}\u{1f600}", "x"], "['\\U0001F600\\U0001F600', 'x']"],
      [[String.fromCharCode(0xd800) + "ab"], "['\\ud800ab']"],
      [["", ""], "['', '']"],
      [[["é", "ß"], ["ü", "çç"]], "[['é', 'ß'], ['ü', 'çç']]"],
      [[true, false], "[True, False]"],
    ];
    const want = runPython(
      `import numpy as np\nfor e in [${
        cases.map((c) => c[1]).join(", ")
      }]: print(np.array(e).dtype.str)`,
    ).trim().split("\n");
    cases.forEach(([input], i) => {
      // NumPy gives '<U0' for empty strings; the library takes 1.
      const expected = want[i] === "<U0" ? "<U1" : want[i];
      assert.equal(infer(input), expected, String(cases[i]![1]));
    });
  },
);

test("numbers, bigints, typed arrays", () => {
  assert.equal(infer([1, 2]), "<f8");
  assert.equal(infer([[1n, 2n]]), "<i8");
  assert.equal(infer([1n, true]), "<f8");
  assert.equal(infer([]), "<f8");
  assert.equal(infer(new Int16Array(2)), "<i2");
  assert.equal(infer({ data: new Uint32Array(4), shape: [2, 2] }), "<u4");
  assert.equal(infer({ data: [1, 2], shape: [2], dtype: ">i4" }), "<i4");
});

test("values of mixed kinds are refused, naming the fix", () => {
  assert.throws(
    () => infer(["a", 1]),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "Cannot infer a dtype for x.npy: strings mixed with other values; pass the dtype option",
  );
  assert.throws(() => infer([true, "b"]), /strings mixed/);
  assert.throws(() => infer([{}, 1]), /found an object/);
});
