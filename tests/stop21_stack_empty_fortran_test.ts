/**
 * Stop 21 (h6): Fortran-order stacks whose shards hold no element (a
 * 0-length chunk along the last axis, or a 0 in another axis). Such an
 * array is C- and Fortran-contiguous at once, so `np.save` (and Dask's
 * `to_npy_stack`) writes it with `fortran_order: False`, as it does for
 * shapes with at most one axis longer than 1. `ambiguousOrder` counted a
 * 0 as an axis longer than 1, so:
 *
 * - Dask's stack of a Fortran-order array along its last axis with a
 *   0-length chunk (`(2, (4, 0, 2))`) or with 0 rows (`(0, 6)`) was
 *   refused ("joins the shards along axis 1 but ... is in C order");
 * - our writer sealed such shards with a Fortran-order header, not the
 *   bytes `to_npy_stack` writes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import {
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const DASK_READ =
  "import sys, dask.array as da; x = da.from_npy_stack(sys.argv[1]); y = x.compute(); print(x.shape, y.shape, y.tolist())";

function hex(path: string): string {
  return Buffer.from(readFileSync(path)).toString("hex");
}

const MAKE = `
import sys, numpy as np, dask.array as da
d, shape, chunks = sys.argv[1], eval(sys.argv[2]), eval(sys.argv[3])
x = np.asfortranarray(np.arange(int(np.prod(shape)), dtype='<f4').reshape(shape))
da.to_npy_stack(d, da.from_array(x, chunks=chunks), axis=len(shape) - 1)
`;

for (
  const [shape, chunks, add] of [
    ["(2, 6)", "(2, (4, 0, 2))", [2, 1]],
    ["(0, 6)", "(0, (4, 2))", [0, 3]],
    ["(2, 0, 5)", "(2, 0, (3, 2))", [2, 0, 2]],
    ["(3, 4)", "(3, (0, 4, 0))", [3, 2]],
  ] as [string, string, number[]][]
) {
  test(
    `Dask's Fortran-order stack ${shape} in chunks ${chunks} is read, continued and read by Dask`,
    numpyTestOptions(),
    async () => {
      const dir = join(tempDir(), "s");
      runPython(MAKE, [dir, shape, chunks]);
      const want = runPython(DASK_READ, [dir]);
      const got = readNpyStackSync(dir);
      const flat = JSON.parse(runPython(
        "import sys, numpy as np; s = eval(sys.argv[1]); print(np.arange(int(np.prod(s))).reshape(s).ravel('F').tolist())",
        [shape],
      ));
      assert.deepEqual(
        [got.shape, got.fortranOrder, [...got.data as Float32Array]],
        [
          JSON.parse(`[${shape.slice(1, -1)}]`.replace(",]", "]")),
          true,
          flat,
        ],
      );
      {
        await using r = await NpyStackReader.open(dir);
        assert.equal(r.length, got.shape.at(-1));
      }
      recoverStackSync(dir);
      assert.equal(
        runPython(DASK_READ, [dir]),
        want,
        "recoverStack changed it",
      );
      const n = add.reduce((a, b) => a * b, 1);
      {
        using w = NpyStackWriterSync.open(dir);
        w.append({
          data: Float32Array.from({ length: n }, (_, i) => 100 + i),
          shape: [...add],
          fortranOrder: true,
        });
      }
      const after = runPython(DASK_READ, [dir]);
      const [dshape] = after.split(" (");
      const total = [...add];
      total[total.length - 1] = got.shape.at(-1)! + add.at(-1)!;
      assert.equal(
        dshape,
        `(${total.join(", ")}${total.length === 1 ? "," : ""})`,
      );
      // The appended rows, in Dask's last columns.
      const tailVals = runPython(
        "import sys, numpy as np, dask.array as da; y = da.from_npy_stack(sys.argv[1]).compute(); print(y[..., y.shape[-1] - int(sys.argv[2]):].ravel('F').tolist())",
        [dir, String(add.at(-1))],
      );
      assert.deepEqual(
        JSON.parse(tailVals),
        Array.from({ length: n }, (_, i) => 100 + i),
      );
    },
  );
}

test(
  "our Fortran-order shards holding no element are to_npy_stack's bytes",
  numpyTestOptions(),
  () => {
    for (const [tail, rows] of [[[0], 4], [[2, 0], 3], [[0, 3], 2]] as const) {
      const dir = join(tempDir(), "s");
      {
        using w = NpyStackWriterSync.open(dir, {
          shardRows: rows,
          dtype: "<f8",
          fortranOrder: true,
        });
        w.append({
          data: new Float64Array(0),
          shape: [...tail, rows + 1],
          fortranOrder: true,
        });
      }
      const theirs = join(tempDir(), "d");
      runPython(
        "import sys, numpy as np, dask.array as da; t, r = eval(sys.argv[2]), int(sys.argv[3]); x = np.asfortranarray(np.zeros(t + (r + 1,))); da.to_npy_stack(sys.argv[1], da.from_array(x, chunks=tuple(t) + ((r, 1),)), axis=len(t))",
        [theirs, `(${tail.join(",")},)`, String(rows)],
      );
      assert.deepEqual(readdirSync(dir).sort(), readdirSync(theirs).sort());
      for (const f of ["0.npy", "1.npy"]) {
        assert.equal(hex(join(dir, f)), hex(join(theirs, f)), `${tail} ${f}`);
      }
    }
  },
);
