/**
 * Stop 20 (h1): the CLI's `concat` and `split` take a source of `|S0`
 * items, as `np.load` reads it and `np.concatenate` joins it. They passed
 * the source's dtype as the writer's `dtype` option, which refuses a
 * size-0 `S`/`U` (a user's `"S"` needs its size), so both failed with
 * "a bytes type needs its size". Now a size-0 source dtype is left for the
 * writer to take from the first append, which names it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyStackWriterSync,
  parseDType,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

/** Writes a header-only `.npy` of `descr` and `shape` (NumPy's writer). */
function s0File(path: string, descr: string, shape: number[]): void {
  runPython(
    `import sys, json, numpy as np
from numpy.lib import format as F
with open(sys.argv[1], 'wb') as f:
    F._write_array_header(f, {'descr': sys.argv[2], 'fortran_order': False, 'shape': tuple(json.loads(sys.argv[3]))}, (1, 0))`,
    [path, descr, JSON.stringify(shape)],
  );
}

describe("CLI concat and split of |S0 sources", () => {
  const opts = { ...numpyTestOptions(), timeout: 120_000 };

  test(
    "concat of two |S0 files is np.save(np.concatenate(...)) byte for byte",
    opts,
    () => {
      const dir = tempDir();
      const a = join(dir, "a.npy");
      const b = join(dir, "b.npy");
      const out = join(dir, "out.npy");
      const want = join(dir, "want.npy");
      s0File(a, "|S0", [4, 2]);
      s0File(b, "|S0", [3, 2]);
      const r = cli(["concat", "--no-progress", out, a, b]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      runPython(
        `import sys, numpy as np
np.save(sys.argv[3], np.concatenate([np.load(sys.argv[1]), np.load(sys.argv[2])]))`,
        [a, b, want],
      );
      assert.deepEqual(readFileSync(out), readFileSync(want));
      // And appended to an existing |S0 file.
      const r2 = cli(["concat", "--no-progress", out, a]);
      assert.equal(r2.code, 0, r2.stdout + r2.stderr);
      const shape = runPython(
        `import sys, numpy as np
a = np.load(sys.argv[1]); print(a.dtype.str, a.shape)`,
        [out],
      ).trim();
      assert.equal(shape, "|S0 (11, 2)");
    },
  );

  test(
    "split of a |S0 file makes shards np.load reads as the source",
    opts,
    () => {
      const dir = tempDir();
      const src = join(dir, "s.npy");
      const stack = join(dir, "stack");
      s0File(src, "|S0", [5, 3]);
      const r = cli(["split", "--no-progress", src, stack, "--rows", "2"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const shards = readdirSync(stack).filter((n) => n.endsWith(".npy"))
        .sort();
      assert.deepEqual(shards, ["0.npy", "1.npy", "2.npy"]);
      const got = runPython(
        `import sys, os, numpy as np
d = sys.argv[1]
print([(a.dtype.str, a.shape) for a in (np.load(os.path.join(d, f"{i}.npy")) for i in range(3))])`,
        [stack],
      ).trim();
      assert.equal(got, "[('|S0', (2, 3)), ('|S0', (2, 3)), ('|S0', (1, 3))]");
    },
  );

  test(
    "a parsed |S0 DType is taken as it stands (a stack's later shards)",
    opts,
    () => {
      const s0 = parseDType("|S0");
      const f = new MemoryFile();
      const w = NpyAppendArraySync.open(f, { dtype: s0 });
      w.append({ data: new Uint8Array(0), shape: [3], dtype: "|S0" });
      w.close();
      // np.save of the array np.load reads from a |S0 header: the same bytes.
      const path = join(tempDir(), "s0.npy");
      s0File(path, "|S0", [3]);
      assert.deepEqual(
        f.bytes(),
        npSaveBytes(`np.load(${JSON.stringify(path)})`),
      );
      const dir = join(tempDir(), "st");
      const st = NpyStackWriterSync.open(dir, { shardRows: 2 });
      st.append({ data: new Uint8Array(0), shape: [5, 2], dtype: "|S0" });
      st.close();
      const got = runPython(
        `import sys, os, numpy as np
print([(a.dtype.str, a.shape) for a in (np.load(os.path.join(sys.argv[1], f"{i}.npy")) for i in range(3))])`,
        [dir],
      ).trim();
      assert.equal(got, "[('|S0', (2, 2)), ('|S0', (2, 2)), ('|S0', (1, 2))]");
    },
  );
});
