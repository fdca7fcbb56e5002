/**
 * Stop 21 (h6): Dask stacks of one shard joined along an axis this
 * library does not grow (`to_npy_stack(x, axis=-1)` of a C-order array
 * writes one shard with `axis: -1`; `axis=1` of an array in one chunk
 * along axis 1; `axis=0` of a Fortran-order array in one chunk). With
 * one shard the join axis changes nothing: the stack is its shard. They
 * were refused ("joins the shards along axis 1 but ... is in C order").
 * Now read as the shard, and continued along the shard's own growth axis
 * (axis 0 in C order, the last in Fortran order), `info` rewritten so
 * that Dask joins the new shards along that axis.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStackSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const MAKE = `
import sys, numpy as np, dask.array as da
d, shape, fortran, chunks, axis = sys.argv[1], eval(sys.argv[2]), sys.argv[3] == 'F', eval(sys.argv[4]), int(sys.argv[5])
x = np.arange(int(np.prod(shape)), dtype='<i4').reshape(shape)
if fortran: x = np.asfortranarray(x)
da.to_npy_stack(d, da.from_array(x, chunks=chunks), axis=axis)
print(np.load(d + '/0.npy').flags['F_CONTIGUOUS'] and not np.load(d + '/0.npy').flags['C_CONTIGUOUS'])
`;
const DASK =
  "import sys, dask.array as da; print(da.from_npy_stack(sys.argv[1]).compute().tolist())";

for (
  const [shape, order, chunks, axis, add] of [
    ["(4, 6)", "C", "(4, 6)", -1, [1, 6]],
    ["(4, 6)", "C", "(2, 6)", -1, [2, 6]],
    ["(2, 3, 4)", "C", "(2, 3, 4)", 1, [1, 3, 4]],
    ["(4, 6)", "F", "(4, 6)", 0, [4, 2]],
  ] as [string, string, string, number, number[]][]
) {
  test(
    `Dask's one-shard stack of a ${order}-order ${shape} along axis ${axis} is read and continued`,
    numpyTestOptions(),
    () => {
      const dir = join(tempDir(), "s");
      runPython(MAKE, [dir, shape, order, chunks, String(axis)]);
      const want = JSON.parse(runPython(DASK, [dir]));
      const got = readNpyStackSync(dir);
      const n = got.shape.reduce((a, b) => a * b, 1);
      const nested = JSON.parse(runPython(
        "import sys, json, numpy as np; print(json.dumps(np.array(json.loads(sys.argv[1])).reshape(json.loads(sys.argv[2]), order=sys.argv[3]).tolist()))",
        [
          JSON.stringify([...got.data as Int32Array]),
          JSON.stringify(got.shape),
          got.fortranOrder ? "F" : "C",
        ],
      ));
      assert.deepEqual(nested, want);
      assert.equal(n, want.flat(3).length);
      const k = add.reduce((a, b) => a * b, 1);
      {
        using w = NpyStackWriterSync.open(dir);
        w.append({
          data: Int32Array.from({ length: k }, (_, i) => 1000 + i),
          shape: add,
          fortranOrder: order === "F",
        });
      }
      const after = JSON.parse(runPython(
        "import sys, numpy as np, dask.array as da; print(np.asarray(da.from_npy_stack(sys.argv[1]).compute()).shape)"
          .replace(
            "print(np.asarray(da.from_npy_stack(sys.argv[1]).compute()).shape)",
            "print(list(da.from_npy_stack(sys.argv[1]).compute().shape))",
          ),
        [dir],
      ));
      const g = order === "F" ? add.length - 1 : 0;
      const total = [...got.shape];
      total[g] = total[g]! + add[g]!;
      assert.deepEqual(after, total);
      assert.deepEqual(readNpyStackSync(dir).shape, total);
    },
  );
}
