/**
 * Stop 27 (h4): a group reader beside a live writer of a group of stacks
 * refused the group as damaged: "member "a" ... is missing, empty or not a
 * stack folder, but group.json records its dtype and member "b" holds 3
 * rows; restore ..., or recover the other members by hand". Found by
 * `stop27_races_test.ts` (writers of two runtimes, no kill): a member's
 * emptiness was looked at as `info`, then `0.npy`, then `0.npy.part`,
 * while the writer seals its first shard by renaming `0.npy.part` to
 * `0.npy` and writes `info` after: a seal between the looks at `0.npy`
 * and `0.npy.part` found none of the three. The looks now follow the
 * writer's order (`0.npy.part`, `0.npy`, `info`): each one that is gone
 * by the time it is looked at has become the next. Here the seal is made
 * right before the look at `0.npy.part` (`atStat`).
 *
 * The same kind, across members: a reader found member `a` missing (not
 * made yet), then the writer's first append made both, and member `b`
 * counted rows: "a" lost while "b" holds rows. A member found lost is now
 * looked at again before the refusal; there now, the rows counted are a
 * prefix (0 here) and the next refresh reads on.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";
import { NpyGroupReader, NpyGroupWriterSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { atStat } from "./_remove_at_stat.ts";

{
  const lookAt = "0.npy.part";
  test("a group reader beside the first seal of a member's stack reads the rows", async () => {
    const g = join(tempDir(), "g");
    const w = NpyGroupWriterSync.open(g, {
      members: { a: "<i4", b: "<i4" },
      shardRows: 3,
    });
    try {
      w.append({ a: Int32Array.of(1, 2), b: Int32Array.of(1, 2) });
      const a = join(g, "a");
      let rows: number[] | undefined;
      // The writer's seal of a's first shard, as a reader looks: its part
      // renamed to 0.npy (info comes after).
      const fired = await atStat(
        join(a, lookAt),
        1,
        "before",
        () => renameSync(join(a, "0.npy.part"), join(a, "0.npy")),
        () => {
          const r = NpyGroupReader.openSync(g);
          try {
            rows = [...r.readSync().a!.data as Int32Array];
          } finally {
            r.closeSync();
          }
          return Promise.resolve();
        },
      );
      assert.ok(fired, "the seal was made");
      assert.deepEqual(rows, [1, 2]);
    } finally {
      try {
        w.close();
      } catch {
        // The shard moved under it by the test.
      }
    }
  });
}

test("a group reader whose look at a member came before a live writer's first append: a prefix, then the rows", () => {
  const g = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(g, {
    members: { a: "<i4", b: "<i4" },
    shardRows: 3,
  });
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (p: string, ...rest: unknown[]) => unknown
  >;
  const real = fs.statSync!;
  let fired = false;
  fs.statSync = function (this: unknown, p: string, ...rest: unknown[]) {
    if (!fired && String(p) === join(g, "b")) {
      fired = true; // the writer's first append, between the two looks
      w.append({ a: Int32Array.of(1, 2), b: Int32Array.of(1, 2) });
    }
    return real.call(this, p, ...rest);
  };
  let r: NpyGroupReader;
  try {
    r = NpyGroupReader.openSync(g);
  } finally {
    fs.statSync = real;
  }
  try {
    assert.ok(fired, "the append was made between the looks");
    assert.ok(r.length === 0 || r.length === 2, String(r.length));
    assert.equal(r.refreshSync(), 2);
    assert.deepEqual([...r.readSync().a!.data as Int32Array], [1, 2]);
  } finally {
    r.closeSync();
    w.close();
  }
});
