/**
 * Stop 20 (h5): a stack `info` whose chunks or axis are NumPy integers
 * (`np.int64`, `np.uint8`, big-endian `>i4`: what `tuple(np.diff(bounds))`
 * gives), or whose axis is negative (`-1`). Dask's `from_npy_stack` reads
 * them (`pickle.load` rebuilds the scalars; `chunks[-1]` is the last
 * axis); the readers refused them as damaged ("it calls
 * numpy.core.multiarray.scalar", "its axis is not an axis of the
 * chunks"). Integer scalars are now read as their ints (their bytes, which
 * protocol 2 pickles as latin-1 text: `np.uint8(200)` is "\xc8", one
 * byte) and a negative axis counts from the end, as Python indexes. Other
 * scalars (floats) are still refused with the fix that works.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import {
  NpyFormatError,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { unpickleStackInfo } from "../src/_pickle.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const PICKLES = `
import json, pickle, numpy as np
infos = [
    {'chunks': ((np.int64(4), np.uint8(200), np.dtype('>i4').type(2)), (np.uint16(3),)), 'dtype': np.dtype('<f8'), 'axis': np.int32(0)},
    {'chunks': ((4, 200, 2), (3,)), 'dtype': np.dtype('<f8'), 'axis': -2},
    {'chunks': ((3,), (4, 200, 2)), 'dtype': np.dtype('<f8'), 'axis': np.int8(-1)},
]
print(json.dumps([[pickle.dumps(i, protocol=p).hex() for p in (0, 2, 4, 5)] for i in infos]))
`;

test(
  "an info with NumPy integer chunks or a negative axis reads as Dask reads it",
  numpyTestOptions(),
  () => {
    const all = JSON.parse(runPython(PICKLES)) as string[][];
    const want = [
      [[[4, 200, 2], [3]], 0],
      [[[4, 200, 2], [3]], 0],
      [[[3], [4, 200, 2]], 1],
      [[[1]], 0],
    ];
    all.forEach((hexes, k) => {
      for (const hex of hexes) {
        const info = unpickleStackInfo(
          Uint8Array.from(Buffer.from(hex, "hex")),
          "info",
        );
        assert.deepEqual([info.chunks, info.axis], want[k], `info ${k}`);
        assert.equal(info.dtype?.str, "<f8");
      }
    });
  },
);

test(
  "an info with float chunks is still refused, naming the file and the fix",
  numpyTestOptions(),
  () => {
    const hex = runPython(
      "import pickle, numpy as np; print(pickle.dumps({'chunks': ((np.float64(4),),), 'dtype': np.dtype('<f8'), 'axis': 0}, protocol=2).hex())",
    ).trim();
    assert.throws(
      () =>
        unpickleStackInfo(Uint8Array.from(Buffer.from(hex, "hex")), "x/info"),
      (e: unknown) =>
        e instanceof NpyFormatError && e.code === "damaged-stack" &&
        e.message.includes('"x/info"') &&
        /remove it and run recoverStack/.test(e.message),
    );
  },
);

test(
  "a stack whose info Python rewrote with np.int64 chunks is read and continued",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
    w.append(Int32Array.from({ length: 10 }, (_, i) => i));
    w.close();
    runPython(
      "import sys, pickle, numpy as np; p = sys.argv[1] + '/info'; i = pickle.load(open(p, 'rb')); i['chunks'] = tuple(tuple(np.int64(v) for v in c) for c in i['chunks']); i['axis'] = np.int64(0); pickle.dump(i, open(p, 'wb'))",
      [dir],
    );
    assert.deepEqual(
      [...readNpyStackSync(dir).data as Int32Array],
      Array.from({ length: 10 }, (_, i) => i),
    );
    {
      using s = NpyStackWriterSync.open(dir);
      s.append([10, 11]);
    }
    const out = runPython(
      "import sys, dask.array as da; print(da.from_npy_stack(sys.argv[1]).compute().tolist())",
      [dir],
    );
    assert.equal(out.trim(), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]");
  },
);
