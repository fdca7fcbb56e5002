/**
 * Stop 23 (h1): a stack's `info` pickle is Python's `pickle.dumps(...,
 * protocol=2)` byte for byte where the same object comes back.
 *
 * Found before the fix (by comparing the pickles of 3,000 random NumPy
 * dtypes):
 * - A time unit's bytes were remembered by their text, so a second field
 *   with the unit `ms`, `us`, `ns`, `ps`, `fs`, `as` or a generic one
 *   referred back to the first (BINGET). NumPy makes the bytes anew for
 *   each dtype; only one-byte units (`s`, `D`) are the same object again,
 *   Python keeping one object of each single byte.
 * - The unit's text was the same object as an equal field name (`('ms',
 *   '<m8[ms]')`): Python decodes it anew.
 * - `|S0`, `|V0` and `<U0` are NumPy singletons as the numbers are: a
 *   second such field is a BINGET of the first in Python; we wrote it out
 *   again.
 * Each pickle read back to the same dtype; only the bytes differed.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { NpyStackWriterSync, parseDType, readNpyStackSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const DTYPES = [
  "[('a', '<M8[ms]'), ('b', '<M8[ms]')]",
  "[('a', '<M8[ns]'), ('b', '>m8[ns]'), ('c', '<M8[as]', (2,))]",
  "[('a', '<M8'), ('b', '<m8'), ('c', [('d', '>M8')])]",
  "[('ms', '<m8[ms]')]",
  "[('s', '<M8[s]'), ('t', '<M8[s]'), ('u', '<m8[D]'), ('v', '<m8[D]')]",
  "[('a', '<M8[25us]'), ('b', '<M8[25us]')]",
  "[('a', '|S0'), ('b', '|S0'), ('c', [('d', '|S0')])]",
  "[('a', '|V0'), ('b', '|V0'), ('c', '<U0'), ('d', '<U0')]",
  "[('a', '>U0'), ('b', '>U0'), ('c', '|S1'), ('d', '|S1')]",
];

test(
  "info pickles equal pickle.dumps(protocol=2) where objects repeat",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    const dirs = DTYPES.map((dtype, k) => {
      const dir = join(root, `s${k}`);
      const w = NpyStackWriterSync.open(dir, { dtype, shardRows: 2 });
      const size = parseDType(dtype).itemsize;
      // Three zero records as their bytes: shards of 2 and 1 rows.
      w.append({ data: [0, 1, 2].map(() => new Uint8Array(size)), shape: [3] });
      w.close();
      assert.deepEqual(readNpyStackSync(dir).shape, [3]);
      return dir;
    });
    const want = JSON.parse(runPython(
      `import json, pickle, sys
from numpy.lib.format import descr_to_dtype
out = []
for d in sys.argv[1:]:
    info = {"chunks": ((2, 1),), "dtype": descr_to_dtype(eval(d)), "axis": 0}
    out.append(pickle.dumps(info, protocol=2).hex())
print(json.dumps(out))`,
      DTYPES,
    )) as string[];
    for (const [k, dir] of dirs.entries()) {
      const got = Buffer.from(readFileSync(join(dir, "info"))).toString("hex");
      assert.equal(got, want[k], DTYPES[k]);
    }
  },
);
