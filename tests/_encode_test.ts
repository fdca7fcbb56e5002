/**
 * Encoding: items moved between C and Fortran order as NumPy lays them
 * out, byte-swapped for the other byte order, for several shapes and item
 * sizes; NumPy writes the expected bytes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDType } from "../mod.ts";
import { encodeTyped, reorder } from "../src/_encode.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const SHAPES = [[2, 3], [3, 1, 4], [2, 3, 4, 5], [1, 7], [4, 0, 2]];
const DESCRS = ["|u1", "<i2", "<f8", ">i2", ">f8"];

test(
  "C <-> Fortran order and byte order, as NumPy lays out the items",
  numpyTestOptions(),
  () => {
    const code = `
import sys, json
import numpy as np
out = []
for shape in json.loads(sys.argv[1]):
    for d in json.loads(sys.argv[2]):
        a = np.arange(int(np.prod(shape)), dtype=d.replace('>', '<')).reshape(shape)
        out.append([a.astype(d).tobytes(order='F').hex(), a.astype(d).tobytes(order='C').hex()])
print(json.dumps(out))
`;
    const want = JSON.parse(
      runPython(code, [JSON.stringify(SHAPES), JSON.stringify(DESCRS)]),
    ) as [string, string][];
    const hex = (b: Uint8Array) =>
      Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    let k = 0;
    for (const shape of SHAPES) {
      const count = shape.reduce((a, b) => a * b, 1);
      for (const descr of DESCRS) {
        const dtype = parseDType(descr);
        const native = parseDType(descr.replace(">", "<"));
        const size = dtype.itemsize;
        const data = size === 1
          ? Uint8Array.from({ length: count }, (_, i) => i)
          : size === 2
          ? Int16Array.from({ length: count }, (_, i) => i)
          : Float64Array.from({ length: count }, (_, i) => i);
        const bytes = encodeTyped(data, native, dtype, "same_kind", "x.npy");
        const [f, c] = want[k++]!;
        assert.equal(hex(bytes), c, `${descr} ${shape} C`);
        assert.equal(
          hex(reorder(bytes, shape, size, "C")),
          f,
          `${descr} ${shape} C->F`,
        );
        const fBytes = reorder(bytes, shape, size, "C");
        assert.equal(
          hex(reorder(fBytes, shape, size, "F")),
          c,
          `${descr} ${shape} F->C`,
        );
      }
    }
  },
);
