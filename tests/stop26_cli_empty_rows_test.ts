/**
 * Stop 26 (h1): rows that hold no data bytes on the command line.
 *
 * - A 128-byte file of shape `(10**15, 0)` (dtype `u1`, or any dtype cast by
 *   `concat --dtype`) made `concat` and `split` loop over 10**15 / 4 Mi
 *   batches of nothing: they ran for hours (killed at the timeout, a
 *   `.journal` and `.lock` left). The header's number drove the loop, not
 *   the file's bytes (SPEC: "No number in a file drives ... a loop beyond
 *   what the file's bytes justify"). Such a source is now one batch.
 * - `split` of `np.save(np.zeros(5000, "V0"))` failed with the reader's
 *   "at most 4096 such items are read at once; read a smaller range",
 *   which a command line user cannot do. Now split as Dask splits it.
 * - `split --rows 2` of 10**15 rows of nothing would make 5 * 10**14
 *   files: refused, naming the `--rows` that stays under 65,536 shards.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeHeader } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const SHAPES = `
import sys, json, numpy as np, dask.array as da
out = []
for p in sys.argv[1:]:
    a = da.from_npy_stack(p) if not p.endswith(".npy") else np.load(p, mmap_mode="r")
    out.append([str(a.dtype), list(a.shape)])
print(json.dumps(out))
`;

const N = 10 ** 15;

for (const dtype of ["|u1", "<f8", "|b1"]) {
  test(
    `concat and split of a header-only ${dtype} file of shape (10**15, 0) end at once`,
    numpyTestOptions(),
    () => {
      const root = tempDir();
      const src = join(root, "e.npy");
      writeFileSync(
        src,
        encodeHeader({ dtype, fortranOrder: false, shape: [N, 0] }),
      );
      const t0 = Date.now();
      const same = join(root, "same.npy");
      const cast = join(root, "cast.npy");
      const dir = join(root, "st");
      for (
        const args of [
          ["concat", "--no-progress", same, src],
          ["concat", "--no-progress", same, src],
          [
            "concat",
            "--no-progress",
            "--dtype",
            "<i4",
            "--casting",
            "unsafe",
            cast,
            src,
          ],
          ["split", "--no-progress", src, dir, "--rows", String(N / 100)],
        ]
      ) {
        const run = cli(args, { timeout: 120_000 });
        assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      }
      assert.ok(Date.now() - t0 < 100_000, `took ${Date.now() - t0} ms`);
      assert.deepEqual(JSON.parse(runPython(SHAPES, [same, cast, dir])), [
        [dtype === "<f8" ? "float64" : dtype === "|u1" ? "uint8" : "bool", [
          2 * N,
          0,
        ]],
        ["int32", [N, 0]],
        [dtype === "<f8" ? "float64" : dtype === "|u1" ? "uint8" : "bool", [
          N,
          0,
        ]],
      ]);
      // 5 * 10**14 files of nothing: refused, naming the --rows that fits.
      const many = join(root, "many");
      const run = cli(["split", src, many, "--rows", "2"], { timeout: 60_000 });
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        /hold no data.*at most 65536.*pass --rows 15258789063 or more/,
      );
      assert.equal(existsSync(many), false);
    },
  );
}

test(
  "split of np.zeros(5000, 'V0') gives Dask's stack",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    const src = join(root, "v.npy");
    runPython(
      "import sys, numpy as np; np.save(sys.argv[1], np.zeros(5000, 'V0'))",
      [src],
    );
    const dir = join(root, "st");
    const run = cli(["split", "--no-progress", src, dir, "--rows", "1000"]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(root, "o.npy");
    const cat = cli(["concat", "--no-progress", out, dir, src]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.deepEqual(JSON.parse(runPython(SHAPES, [dir, out])), [
      ["|V0", [5000]],
      ["|V0", [10000]],
    ]);
    assert.deepEqual(
      JSON.parse(runPython(
        "import sys, json, dask.array as da; print(json.dumps(list(da.from_npy_stack(sys.argv[1]).chunks[0])))",
        [dir],
      )),
      [1000, 1000, 1000, 1000, 1000],
    );
  },
);
