/**
 * Adversary round 3: the folder of a file being written is renamed (log
 * rotation, a user tidying up) while an `atomic: true` writer holds it.
 * The writer keeps writing through its open file; its change record moved
 * with the folder. `close()` must still commit (every acknowledged row
 * stays, also after the next open at the new place), and `abort()` must
 * still roll back.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

function made(path: string, values: number[]): void {
  const w = NpyAppendArraySync.open(path);
  w.append(new Int32Array(values));
  w.close();
}

/**
 * The lock file a writer whose folder moved leaves at the new place (its
 * release empties it: busy for the grace time, then stale; lock_test.ts)
 * is removed here so that the next open runs at once.
 */
function dropMovedLock(path: string): void {
  rmSync(`${path}.lock`, { force: true });
}

for (const fsync of [false, true]) {
  test(`atomic writer (fsync ${fsync}), folder renamed before close: the appends stay committed`, () => {
    const root = tempDir();
    try {
      const d1 = join(root, "d1");
      const d2 = join(root, "d2");
      mkdirSync(d1);
      made(join(d1, "x.npy"), [1, 2]);
      const w = NpyAppendArraySync.open(join(d1, "x.npy"), {
        atomic: true,
        fsync,
      });
      w.append(new Int32Array([3]));
      renameSync(d1, d2);
      w.append(new Int32Array([4, 5]));
      w.close();
      const p = join(d2, "x.npy");
      // Readers see the committed rows at once (no record refuses them).
      assert.deepEqual([...readNpySync(p).data as Int32Array], [
        1,
        2,
        3,
        4,
        5,
      ]);
      // The next writer at the new place keeps them (nothing rolled back).
      dropMovedLock(p);
      const again = NpyAppendArraySync.open(p);
      assert.deepEqual(again.shape, [5]);
      again.append(new Int32Array([6]));
      again.close();
      assert.deepEqual([...readNpySync(p).data as Int32Array], [
        1,
        2,
        3,
        4,
        5,
        6,
      ]);
      assert.deepEqual(readdirSync(d2).sort(), ["x.npy"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test(
  "atomic writer of a new file, folder renamed before close: committed, NumPy loads it",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    try {
      const d1 = join(root, "d1");
      const d2 = join(root, "d2");
      mkdirSync(d1);
      const w = NpyAppendArraySync.open(join(d1, "n.npy"), { atomic: true });
      w.append(new Float64Array([0.5, 1.5]));
      renameSync(d1, d2);
      w.append(new Float64Array([2.5]));
      w.close();
      const p = join(d2, "n.npy");
      assert.deepEqual(npLoadJson(p).values, [0.5, 1.5, 2.5]);
      dropMovedLock(p);
      const again = NpyAppendArraySync.open(p);
      assert.deepEqual(again.shape, [3]);
      again.close();
      assert.deepEqual(npLoadJson(p).values, [0.5, 1.5, 2.5]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test("atomic writer, folder renamed before abort(): rolled back at once, no record left", () => {
  const root = tempDir();
  try {
    const d1 = join(root, "d1");
    const d2 = join(root, "d2");
    mkdirSync(d1);
    made(join(d1, "x.npy"), [1, 2]);
    const w = NpyAppendArraySync.open(join(d1, "x.npy"), { atomic: true });
    w.append(new Int32Array([3, 4]));
    renameSync(d1, d2);
    w.abort();
    const p = join(d2, "x.npy");
    assert.deepEqual([...readNpySync(p).data as Int32Array], [1, 2]);
    // The record moved with the folder, out of the writer's reach by
    // name: voided through its descriptor (no change), removed by the
    // next open.
    assert.equal(statSync(`${p}.journal`).size, 0);
    dropMovedLock(p);
    const again = NpyAppendArraySync.open(p);
    assert.deepEqual(again.shape, [2]);
    again.close();
    assert.equal(existsSync(`${p}.journal`), false);
    assert.deepEqual([...readNpySync(p).data as Int32Array], [1, 2]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
