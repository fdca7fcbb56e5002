/**
 * Stop 23 (h2): a member stack of a group rewritten by Dask's
 * `to_npy_stack`. The group's readers refused its leftover shards (stop
 * 22), but the group writer's open and `recoverGroup` took them in as rows
 * (they take in a member's shards past `info`, which their own cut, killed,
 * leaves): the member then held Dask's rows followed by the old ones, the
 * group went on with that mix, and the refusal was gone. Beside an `info`
 * Dask wrote they are now refused there too, naming the member's folder and
 * the fix, nothing changed; the group's own leftovers (beside our `info`)
 * are still taken in.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";
import { daskRewrite, isDamagedStack, SLOW, stackInts } from "./_stack_dask.ts";

function group(g: string): void {
  using w = NpyGroupWriterSync.open(g, {
    members: { a: "<i4", b: "<i4" },
    shardRows: 2,
  });
  const v = Int32Array.from({ length: 10 }, (_, i) => i);
  w.append({ a: v, b: v });
}

function leftOver(e: unknown, member: string): boolean {
  return isDamagedStack(e, member, /2\.npy \.\. 4\.npy/, /recoverStack/);
}

test(
  "a member stack Dask rewrote with fewer shards: the group writer's open and recoverGroup refuse its old shards, nothing changed",
  SLOW,
  () => {
    const g = join(tempDir(), "g");
    group(g);
    const a = join(g, "a");
    daskRewrite(a, 4, "2");
    const before = folderSnapshot(g);
    assert.throws(() => NpyGroupReader.openSync(g), (e) => leftOver(e, a));
    assert.throws(() => NpyGroupWriterSync.open(g), (e) => leftOver(e, a));
    assert.throws(() => recoverGroupSync(g), (e) => leftOver(e, a));
    assert.equal(folderSnapshot(g), before, "nothing changed");
    // The fixes the message names: recoverStack on the member (its rows
    // taken in), or the old shards removed.
    const copy = join(tempDir(), "copy");
    assert.equal(spawnSync("cp", ["-a", g, copy]).status, 0);
    recoverStackSync(join(copy, "a"));
    assert.deepEqual(
      stackInts(join(copy, "a")),
      [0, 10, 20, 30, 4, 5, 6, 7, 8, 9],
    );
    for (const k of [2, 3, 4]) rmSync(join(a, `${k}.npy`));
    {
      using w = NpyGroupWriterSync.open(g);
      assert.equal(w.length, 4); // the group is as long as its shortest
    }
    using r = NpyGroupReader.openSync(g);
    assert.equal(r.length, 4);
  },
);
