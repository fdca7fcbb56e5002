/**
 * Stop 21 (h1): the value of a sub-array field in a record (`('a', '<i2',
 * (2, 3))`) is taken as NumPy takes it in `np.array(rows, dtype)`.
 *
 * Found before the fix:
 * - Nested arrays were flattened one level without looking at their
 *   shape: `[[1, 2], [3, 4], [5, 6]]` (shape (3, 2)) and the ragged
 *   `[[1], [2, 3, 4, 5, 6]]` were written into a `(2, 3)` field as the
 *   six values 1 to 6, where NumPy refuses both ("could not broadcast").
 * - What NumPy broadcasts was refused: a single value for the whole field
 *   (`{ a: 7 }`, NumPy's `(7,)`, every item 7), a row repeated (`[1, 2,
 *   3]` into `(2, 3)`), a column (`[[1], [2]]`), a record into a sub-array
 *   of records, and rows given as typed arrays (`[Float32Array,
 *   Float32Array]`).
 *
 * A flat list or typed array of exactly the field's item count stays
 * accepted (the JS spelling of a sub-array, as `readNpy` gives it).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

/** The bytes of a new file of `dtype` holding `rows`. */
function ours(dtype: string, rows: unknown[]): number[] {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, { dtype });
  npy.append(rows as never);
  npy.close();
  return [...mem.bytes()];
}

/** The bytes of `np.save(np.array(eval(rows), eval(dtype)))` per case. */
function numpy(cases: [string, string][]): number[][] {
  return JSON.parse(runPython(
    `import io, json, sys
import numpy as np
out = []
for dt, rows in json.loads(sys.argv[1]):
    b = io.BytesIO()
    np.save(b, np.array(eval(rows), np.dtype(eval(dt))))
    out.append(list(b.getvalue()))
print(json.dumps(out))`,
    [JSON.stringify(cases)],
  ));
}

const BROADCAST: [string, string, unknown[], string][] = [
  // [label, descr, JS rows, Python rows]
  [
    "a value for all",
    "[('a', '<i4', (3,)), ('b', '<f8')]",
    [{ a: 5, b: 1 }],
    "[(5, 1.0)]",
  ],
  [
    "a value for 2-d",
    "[('a', '>i2', (2, 3))]",
    [{ a: 7 }, { a: -1 }],
    "[(7,), (-1,)]",
  ],
  [
    "a row repeated",
    "[('a', '<i2', (2, 3))]",
    [{ a: [1, 2, 3] }],
    "[([1, 2, 3],)]",
  ],
  [
    "a column",
    "[('a', '<i2', (2, 3))]",
    [{ a: [[1], [2]] }],
    "[([[1], [2]],)]",
  ],
  ["a length-1 row", "[('a', '<u1', (2, 3))]", [{ a: [9] }], "[([9],)]"],
  [
    "nested exact",
    "[('a', '<i2', (2, 3))]",
    [{ a: [[1, 2, 3], [4, 5, 6]] }],
    "[([[1, 2, 3], [4, 5, 6]],)]",
  ],
  ["typed rows", "[('a', '<f4', (2, 3))]", [{
    a: [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])],
  }], "[([[1, 2, 3], [4, 5, 6]],)]"],
  ["a record for all", "[('a', [('x', '<i4'), ('y', 'u1')], (2,))]", [{
    a: { x: 1, y: 2 },
  }], "[((1, 2),)]"],
  ["a string for all", "[('a', '<U2', (3,))]", [{ a: "hi" }], "[('hi',)]"],
  [
    "bytes for all",
    "[('a', '|V2', (2,))]",
    [{ a: new Uint8Array([1, 2]) }],
    "[(b'\\x01\\x02',)]",
  ],
  [
    "a complex for all",
    "[('a', '<c8', (2,))]",
    [{ a: { re: 1, im: -2 } }],
    "[(1-2j,)]",
  ],
  [
    "a value into size 0",
    "[('a', '<i4', (0,)), ('b', 'u1')]",
    [{ a: 3, b: 4 }],
    "[(3, 4)]",
  ],
  [
    "levels: a value for all",
    "[('c', ('<f8', (3,)), (2,))]",
    [{ c: 1 }],
    "[(1,)]",
  ],
  [
    "levels: a column",
    "[('c', ('<f8', (3,)), (2,))]",
    [{ c: [[1], [2]] }],
    "[([[1], [2]],)]",
  ],
  [
    "flat list kept",
    "[('a', '<i2', (2, 3))]",
    [{ a: [1, 2, 3, 4, 5, 6] }],
    "[([[1, 2, 3], [4, 5, 6]],)]",
  ],
  ["flat typed kept", "[('a', '<f4', (2, 2))]", [{
    a: new Float32Array([1, 2, 3, 4]),
  }], "[([[1, 2], [3, 4]],)]"],
];

test(
  "sub-array fields take values as NumPy broadcasts them",
  numpyTestOptions(),
  () => {
    const want = numpy(BROADCAST.map(([, dt, , py]) => [dt, py]));
    for (const [i, [label, dt, rows]] of BROADCAST.entries()) {
      assert.deepEqual(ours(dt, rows), want[i], label);
    }
  },
);

const REFUSED: [string, string, unknown[]][] = [
  ["transposed", "[('a', '<i2', (2, 3))]", [{ a: [[1, 2], [3, 4], [5, 6]] }]],
  ["ragged", "[('a', '<i2', (2, 3))]", [{ a: [[1], [2, 3, 4, 5, 6]] }]],
  ["ragged deeper", "[('a', '<i2', (2, 3))]", [{
    a: [[1, 2, 3], [[4], 5, 6]],
  }]],
  ["too deep", "[('a', '<i2', (2,))]", [{ a: [[1], [2]] }]],
  ["wrong length", "[('a', '<i2', (2, 3))]", [{ a: [1, 2] }]],
  ["3 typed rows", "[('a', '<f4', (2, 3))]", [{
    a: [new Float32Array(3), new Float32Array(3), new Float32Array(3)],
  }]],
];

test(
  "sub-array values NumPy cannot broadcast are refused",
  numpyTestOptions(),
  () => {
    const fails = JSON.parse(runPython(
      `import json, sys
import numpy as np
out = []
for dt, rows in json.loads(sys.argv[1]):
    try:
        np.array(eval(rows), np.dtype(eval(dt)))
        out.append(False)
    except (ValueError, TypeError):
        out.append(True)
print(json.dumps(out))`,
      [JSON.stringify([
        ["[('a', '<i2', (2, 3))]", "[([[1, 2], [3, 4], [5, 6]],)]"],
        ["[('a', '<i2', (2, 3))]", "[([[1], [2, 3, 4, 5, 6]],)]"],
        ["[('a', '<i2', (2, 3))]", "[([[1, 2, 3], [[4], 5, 6]],)]"],
        ["[('a', '<i2', (2,))]", "[([[1], [2]],)]"],
        ["[('a', '<i2', (2, 3))]", "[([1, 2],)]"],
        ["[('a', '<f4', (2, 3))]", "[([[0] * 3] * 3,)]"],
      ])],
    )) as boolean[];
    assert.deepEqual(fails, REFUSED.map(() => true), "NumPy refuses each");
    for (const [label, dt, rows] of REFUSED) {
      const mem = new MemoryFile();
      const npy = NpyAppendArraySync.open(mem, { dtype: dt });
      npy.append([{
        a: label === "3 typed rows"
          ? [new Float32Array(3), new Float32Array(3)]
          : label === "too deep"
          ? [1, 2]
          : [[1, 2, 3], [4, 5, 6]],
      }] as never);
      const before = [...mem.bytes()];
      assert.throws(
        () => npy.append(rows as never),
        (e: Error) =>
          (e instanceof RangeError || e instanceof TypeError) &&
          e.message.includes('field "a"'),
        label,
      );
      assert.deepEqual([...mem.bytes()], before, `${label}: nothing written`);
      npy.close();
    }
  },
);
