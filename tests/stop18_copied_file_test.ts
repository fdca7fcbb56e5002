/**
 * Stop 18: another program copies a writer's file and renames the copy
 * over it (a backup tool, `rsync`, an editor's save) while the writer
 * holds it. `close()` said the rows were "in no file any more" though the
 * copy holds those written before it was made; for a stack's live shard
 * the same. Now `close()` compares the file at the path with the one it
 * wrote (same dtype, order and row shape, the same bytes): it says how
 * many rows the copy holds, that the later ones are lost and how to
 * append them again (for a shard: to its stack); a copy holding every
 * row closes as if nothing happened (a stack's shard is sealed). A
 * deleted file, or another file renamed over it, is reported as before.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

/** Copies `path` and renames the copy over it, as a backup tool does. */
function copyOver(path: string): void {
  copyFileSync(path, `${path}.copy`);
  renameSync(`${path}.copy`, path);
}

const COPY = (file: RegExp, held: number, all: number, fix: RegExp) => ({
  name: "Error",
  message: new RegExp(
    `^Cannot close "[^"]*${file.source}": another program replaced the file with a copy of it \\(it copied the file and renamed the copy over it\\) while this writer held it open; the copy holds the first ${held} of the ${all} rows written, the last ${
      all - held
    } are in no file any more: ${fix.source}$`,
  ),
});

test(
  "a plain writer's file replaced by a copy: close() says how many rows the copy holds, and the copy reads",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const path = join(dir, "x.npy");
      const w = NpyAppendArraySync.open(path);
      w.append(Float64Array.of(1, 2));
      copyOver(path);
      w.append(Float64Array.of(3, 4, 5));
      assert.throws(
        () => w.close(),
        COPY(
          /x\.npy/,
          2,
          5,
          /append them to it again with a new writer/,
        ),
      );
      assert.deepEqual(npLoadJson(path).values, [1, 2]);
      const again = NpyAppendArraySync.open(path);
      again.append(Float64Array.of(3, 4, 5));
      again.close();
      assert.deepEqual(npLoadJson(path).values, [1, 2, 3, 4, 5]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("an async writer's file replaced by a copy: close() rejects saying so", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "x.npy");
    const w = await NpyAppendArray.open(path, { dtype: "<i2" });
    await w.append(Int16Array.of(1));
    copyOver(path);
    await w.append(Int16Array.of(2));
    await assert.rejects(
      w.close(),
      COPY(/x\.npy/, 1, 2, /append them to it again with a new writer/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "a copy made after the last append holds every row: close() succeeds",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const path = join(dir, "x.npy");
      const w = NpyAppendArraySync.open(path);
      w.append(Float64Array.of(1, 2));
      copyOver(path);
      w.close();
      assert.deepEqual(npLoadJson(path).values, [1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a copy of another array (other values) is no copy: the rows are in no file, as before", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "x.npy");
    const w = NpyAppendArraySync.open(path);
    w.append(Float64Array.of(1, 2));
    const other = join(dir, "o.npy");
    const o = NpyAppendArraySync.open(other);
    o.append(Float64Array.of(1, 7));
    o.close();
    renameSync(other, path);
    assert.throws(() => w.close(), {
      message:
        /renamed another file over it, while this writer held it open; the 2 rows written to it are in no file any more/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stack's live shard replaced by a copy: close() says the copy holds the first rows, and the stack goes on from them", () => {
  const root = tempDir();
  try {
    const dir = join(root, "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 5 });
    w.append(Int32Array.of(1, 2));
    copyOver(join(dir, "0.npy.part"));
    w.append(Int32Array.of(3));
    assert.throws(
      () => w.close(),
      COPY(
        /s\/0\.npy\.part/,
        2,
        3,
        /open its stack again and append them there/,
      ),
    );
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [1, 2]);
    const again = NpyStackWriterSync.open(dir, { shardRows: 5 });
    assert.deepEqual(again.shape, [2]);
    again.append(Int32Array.of(3));
    again.close();
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [1, 2, 3]);
    assert.deepEqual(readdirSync(dir).sort(), ["0.npy", "info"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a stack's live shard copied after the last append: the async writer seals the copy", async () => {
  const root = tempDir();
  try {
    const dir = join(root, "s");
    const w = await NpyStackWriter.open(dir, { shardRows: 5 });
    await w.append(Int32Array.of(1, 2));
    copyOver(join(dir, "0.npy.part"));
    await w.close();
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [1, 2]);
    assert.deepEqual(readdirSync(dir).sort(), ["0.npy", "info"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
