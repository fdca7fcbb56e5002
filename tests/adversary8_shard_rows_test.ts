/**
 * Adversary round 8: a stack reopened with a `shardRows` smaller than the
 * rows its live shard already holds (a writer with a larger `shardRows`,
 * or none, killed with its live shard unsealed; or one whose live shard
 * `recoverStack` kept live). Every append failed with "shape (-6) must
 * hold non-negative integers", naming the live shard: the split took
 * `shardRows` minus the live rows. The live shard is now sealed as it is
 * (an uneven chunk, which Dask accepts) and the rows continue in shards
 * of `shardRows`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";

/** Values `start .. start + n` as `n` rows (columns when `fortran`) of `width`. */
function rows(start: number, n: number, width: number, fortran: boolean) {
  const data = new Int32Array(n * width);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < width; j++) data[r * width + j] = (start + r) * 10 + j;
  }
  if (width === 1) return { data, shape: [n] };
  return {
    data,
    shape: fortran ? [width, n] : [n, width],
    fortranOrder: fortran,
  };
}

for (
  const [name, width, fortran, sealed, live, shardRows, appends] of [
    ["no sealed shard, 10 live rows, shardRows 4", 1, false, 0, 10, 4, [3, 1]],
    ["2 sealed shards, 50 live rows, shardRows 20", 3, false, 8, 50, 20, [
      45,
      5,
    ]],
    ["Fortran order, 7 live columns, shardRows 3", 2, true, 3, 7, 3, [2, 4]],
  ] as const
) {
  test(`adversary 8: a stack reopened with a smaller shardRows than its live shard holds (${name})`, async () => {
    const dir = join(tempDir(), "s");
    let at = 0;
    if (sealed > 0) {
      const w = NpyStackWriterSync.open(dir, {
        shardRows: 4,
        dtype: "<i4",
        fortranOrder: fortran,
      });
      w.append(rows(0, sealed, width, fortran));
      w.close();
      at = sealed;
    }
    // The live shard a killed writer leaves: {n}.npy.part, never sealed.
    mkdirSync(dir, { recursive: true });
    const shards = readdirSync(dir).filter((f) => /^\d+\.npy$/.test(f)).length;
    const part = NpyAppendArraySync.open(join(dir, `${shards}.npy.part`), {
      dtype: "<i4",
      fortranOrder: fortran,
    });
    part.append(rows(at, live, width, fortran));
    part.close();
    at += live;
    const w = await NpyStackWriter.open(dir, { shardRows });
    for (const n of appends) {
      await w.append(rows(at, n, width, fortran));
      at += n;
      const s = w.shape;
      assert.equal(s[fortran ? s.length - 1 : 0], at);
    }
    await w.close();
    const got = readNpyStackSync(dir);
    assert.equal(got.fortranOrder, fortran);
    assert.deepEqual([...got.data as Int32Array], [
      ...rows(0, at, width, fortran).data,
    ]);
    await using reader = await NpyStackReader.open(dir);
    const chunks = reader.chunks;
    // The old live shard sealed whole, then shards of shardRows, the last
    // one shorter.
    assert.equal(chunks[shards], live);
    for (const c of chunks.slice(shards + 1, -1)) assert.equal(c, shardRows);
    if (hasNumpy()) {
      const out = runPython(
        `
import sys, json, numpy as np, dask.array as da
x = da.from_npy_stack(sys.argv[1])
print(json.dumps([list(x.chunks[-1 if sys.argv[2] == "1" else 0]), x.compute().flatten(order="F" if sys.argv[2] == "1" else "C").tolist()]))
`,
        [dir, fortran ? "1" : "0"],
      );
      const [daskChunks, values] = JSON.parse(out);
      assert.deepEqual(daskChunks, chunks);
      assert.deepEqual(values, [...rows(0, at, width, fortran).data]);
    }
  });
}
