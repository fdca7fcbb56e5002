/**
 * Stop 26 (h2): a sealed shard rewritten in the other order by another
 * program while a stack reader is open. The reader opens each shard again
 * at each read and refused another dtype or row count ("the stack was
 * replaced ... open it again"), but not another order: a (2, 2) shard of a
 * C-order stack saved again by `np.save(np.asfortranarray(...))` was read
 * with its items in the wrong places ([0, 200, 100, 300] for NumPy's
 * [[0, 100], [200, 300]]), no error; the same for a C-order shard in a
 * Fortran-order stack. Now refused as changed, naming the shard, both
 * orders and the fix; a shard whose order does not show (one that reads
 * the same in both) still reads.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** A stack of 6 rows of 2 float64 (`i`), shards of 2 rows, in `order`. */
function stack(fortran: boolean): string {
  const dir = tempDir();
  using w = NpyStackWriterSync.open(dir, {
    shardRows: 2,
    fortranOrder: fortran,
  });
  w.append({
    data: Float64Array.from({ length: 12 }, (_, i) => i),
    shape: fortran ? [2, 6] : [6, 2],
    fortranOrder: fortran,
  });
  return dir;
}

for (const fortran of [false, true]) {
  for (const how of ["in place", "renamed over it"]) {
    test(
      `a shard of a ${
        fortran ? "Fortran" : "C"
      }-order stack saved again in the other order (${how}) under an open reader is refused, not read shuffled`,
      numpyTestOptions(),
      () => {
        const dir = stack(fortran);
        using r = NpyStackReader.openSync(dir);
        const before = r.readSync(0, 6);
        // Another program saves shard 1 again, in the other order.
        const shard = join(dir, "1.npy");
        const tmp = join(dir, "other.tmp");
        runPython(
          `import sys, numpy as np; a = np.load(sys.argv[1]) * 100; np.save(sys.argv[2], np.ascontiguousarray(a) if a.flags.f_contiguous and not a.flags.c_contiguous else np.asfortranarray(a)); import os; os.rename(sys.argv[2] + '.npy', sys.argv[2])`,
          [shard, tmp],
        );
        if (how === "in place") writeFileSync(shard, readFileSync(tmp));
        else renameSync(tmp, shard);
        assert.throws(() => r.readSync(0, 6), (e) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.equal(e.code, "changed");
          assert.ok(e.message.includes(`"${shard}"`), e.message);
          assert.match(
            e.message,
            fortran
              ? /in C order \(the stack's is Fortran\)/
              : /in Fortran order \(the stack's is C\)/,
          );
          assert.match(e.message, /open it again/);
          return true;
        });
        // Rows of other shards still read as before (row 0: 0 and 1 in
        // both orders).
        assert.deepEqual([...r.readSync(0, 1).data as Float64Array], [0, 1]);
        assert.deepEqual(
          [...r.readSync(0, 2).data as Float64Array],
          [...before.data as Float64Array].slice(0, 4),
        );
        // Opened again: the stack is refused as damaged (the scan's check).
        assert.throws(() => readNpyStackSync(dir), NpyFormatError);
      },
    );
  }
}

test(
  "a shard whose order does not show, saved again in the other order, still reads as NumPy reads it",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append({ data: [1, 2, 3, 4, 5, 6], shape: [6, 1] });
    }
    using r = NpyStackReader.openSync(dir);
    runPython(
      "import sys, numpy as np; a = np.load(sys.argv[1]); np.save(sys.argv[1], np.asfortranarray(a * 10))",
      [join(dir, "1.npy")],
    );
    assert.deepEqual([...r.readSync(0, 6).data as Float64Array], [
      1,
      2,
      30,
      40,
      5,
      6,
    ]);
  },
);
