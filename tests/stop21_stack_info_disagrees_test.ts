/**
 * Stop 21 (h6): an `info` whose dtype or shape disagrees with every shard
 * (rewritten by hand or by another tool; Dask's `from_npy_stack` reads
 * the shards' values whatever `info` says about the dtype). The readers,
 * the writer's open and `recoverStack` refused it blaming the first shard:
 * "restore the shard or write a new stack", when the shards were whole
 * and only `info` was wrong. Now the error names `info` and its fix
 * (remove it and run recoverStack), which gives back every row; a shard
 * that disagrees with the others keeps the shard's advice. Nothing is
 * changed by the refusal.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import {
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { NpyFormatError } from "../src/errors.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const MAKE = `
import sys, pickle, numpy as np, dask.array as da
d, shape, chunks, dtype, info_edit = sys.argv[1], eval(sys.argv[2]), eval(sys.argv[3]), sys.argv[4], sys.argv[5]
x = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
da.to_npy_stack(d, da.from_array(x, chunks=chunks))
info = pickle.load(open(d + '/info', 'rb'))
exec(info_edit)
pickle.dump(info, open(d + '/info', 'wb'), 2)
`;

const DASK =
  "import sys, dask.array as da; print(da.from_npy_stack(sys.argv[1]).compute().tolist())";

function files(dir: string): string {
  return readdirSync(dir).sort().map((n) =>
    `${n}:${Buffer.from(readFileSync(join(dir, n))).toString("hex")}`
  ).join(" ");
}

const CASES: [string, string, string, string, string][] = [
  [
    "other dtype",
    "(8,)",
    "((3, 5),)",
    "<f8",
    "info['dtype'] = np.dtype('<f4')",
  ],
  [
    "other itemsize",
    "(8,)",
    "((3, 5),)",
    "<i4",
    "info['dtype'] = np.dtype('<i8')",
  ],
  [
    "other unit",
    "(6,)",
    "((2, 4),)",
    "<M8[ns]",
    "info['dtype'] = np.dtype('<M8[s]')",
  ],
  [
    "other width",
    "(6, 2)",
    "((2, 4), 2)",
    "<f8",
    "info['chunks'] = ((2, 4), (3,))",
  ],
  ["other rank", "(6,)", "((2, 4),)", "<f8", "info['chunks'] = ((2, 4), (1,))"],
  [
    "one shard",
    "(5, 3)",
    "((5,), 3)",
    "<i2",
    "info['dtype'] = np.dtype('>i2')",
  ],
];

for (const [name, shape, chunks, dtype, edit] of CASES) {
  test(
    `an info of ${name} than its shards is blamed, and its fix gives every row back`,
    numpyTestOptions(),
    async () => {
      const dir = join(tempDir(), "s");
      runPython(MAKE, [dir, shape, chunks, dtype, edit]);
      const before = files(dir);
      const blamesInfo = (e: unknown) =>
        e instanceof NpyFormatError && e.code === "damaged-stack" &&
        e.message.includes(join(dir, "info")) &&
        /remove info and run recoverStack/.test(e.message) &&
        !/write a new stack/.test(e.message);
      assert.throws(() => readNpyStackSync(dir), blamesInfo);
      await assert.rejects(() => NpyStackReader.open(dir), blamesInfo);
      assert.throws(() => NpyStackWriterSync.open(dir), blamesInfo);
      assert.throws(() => recoverStackSync(dir), blamesInfo);
      assert.equal(files(dir), before, "nothing changed");
      // The advice works: every row back, read alike by Dask and by us.
      rmSync(join(dir, "info"));
      recoverStackSync(dir);
      const want = runPython(
        "import sys, numpy as np; print(np.arange(int(np.prod(eval(sys.argv[1])))).reshape(eval(sys.argv[1])).astype(sys.argv[2]).tolist())",
        [shape, dtype],
      );
      assert.equal(runPython(DASK, [dir]), want);
      assert.deepEqual(
        readNpyStackSync(dir).shape,
        JSON.parse(
          shape.replace(/,\)/, ")").replace("(", "[").replace(")", "]"),
        ),
      );
    },
  );
}

test(
  "a shard that disagrees with info and the other shards keeps the shard's advice",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "s");
    runPython(MAKE, [
      dir,
      "(9,)",
      "((3, 3, 3),)",
      "<f8",
      "np.save(d + '/1.npy', np.arange(3, dtype='<f4'))",
    ]);
    assert.throws(
      () => readNpyStackSync(dir),
      (e) =>
        e instanceof NpyFormatError && e.message.includes(join(dir, "1.npy")) &&
        /restore the shard/.test(e.message),
    );
  },
);
