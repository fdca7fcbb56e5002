/**
 * Adversary round 11: `deleteIfExists` on a stack killed part-way. It
 * removed `info`, then the shards from `0.npy` up, and stopped at the
 * first missing one: a kill after `0.npy` left `1.npy`, `2.npy` behind a
 * hole, and every later open, `deleteIfExists` included, failed with
 * "0.npy is missing but 2.npy follows it; restore the missing shard".
 * It now removes every shard it lists, the last first: a kill leaves a
 * shorter stack of whole old shards, and `deleteIfExists` again clears it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStack,
} from "../mod.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_adversary11_child.ts", import.meta.url),
);

/** `k` int32 rows `[100 + i, -(100 + i)]`: the old stack's. */
function old(k: number) {
  const data = new Int32Array(2 * k);
  for (let i = 0; i < k; i++) {
    data[2 * i] = 100 + i;
    data[2 * i + 1] = -(100 + i);
  }
  return { data, shape: [k, 2] };
}

/** The first column of a stack's rows. */
async function firsts(dir: string): Promise<number[]> {
  const v = (await readNpyStack(dir)).data as Int32Array;
  return [...v].filter((_, i) => i % 2 === 0);
}

/** An old stack of 5 rows in shards of 2 (`0.npy` to `2.npy`). */
function oldStack(dir: string): void {
  const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
  w.append(old(5));
  w.close();
}

const skip = process.platform === "win32" ? "POSIX signals" : undefined;

describe("adversary 11: deleteIfExists on a stack, killed", { skip }, () => {
  test("after a kill at each file call: the next open gets through; whole old shards or the new rows; deleteIfExists again clears it", async () => {
    const root = tempDir();
    for (const n of killPoints(1, 200)) {
      const dir = join(root, String(n), "s");
      mkdirSync(join(root, String(n)));
      oldStack(dir);
      const { acked, through } = runKilledAt(CHILD, n, "sdelete", dir);
      // An open without deleteIfExists continues what is there.
      NpyStackWriterSync.open(dir, { shardRows: 2 }).close();
      const names = readdirSync(dir);
      if (names.some((f) => /^\d+\.npy$/.test(f))) {
        const rows = await firsts(dir);
        const isNew = rows.every((x, i) => x === i) && rows.length >= acked;
        // Old shards 0 .. k whole: 2, 4 or all 5 rows.
        const isOld = acked === 0 && [2, 4, 5].includes(rows.length) &&
          rows.every((x, i) => x === 100 + i);
        assert.ok(isNew || isOld, `call ${n}: rows ${rows}, acked ${acked}`);
      } else assert.equal(acked, 0, `call ${n}: ${names}`);
      // The same call again gets through and leaves only the new rows.
      assert.ok(runKilledAt(CHILD, 0, "sdelete", dir).through, `call ${n}`);
      assert.deepEqual(await firsts(dir), [0, 1, 2], `call ${n}`);
      if (through) return;
    }
    assert.fail("never got through");
  });

  test("a stack with a hole (left so by an earlier version): deleteIfExists clears it, every shard", async () => {
    const dir = join(tempDir(), "s");
    oldStack(dir);
    rmSync(join(dir, "0.npy"));
    rmSync(join(dir, "info"));
    const w = NpyStackWriterSync.open(dir, {
      shardRows: 2,
      deleteIfExists: true,
    });
    w.append(old(3));
    w.close();
    assert.deepEqual(await firsts(dir), [100, 101, 102]);
    assert.deepEqual(readdirSync(dir).sort(), ["0.npy", "1.npy", "info"]);
  });

  test(
    "a group of stacks started afresh after a kill at each file call: every member cleared, Dask reads the new rows",
    numpyTestOptions(),
    async () => {
      const root = tempDir();
      let dir = "";
      for (const n of killPoints(1, 300, 3)) {
        dir = join(root, String(n), "g");
        mkdirSync(join(root, String(n)));
        const w = NpyGroupWriterSync.open(dir, {
          members: { a: "<i4", b: "<i4" },
          shardRows: 2,
        });
        w.append({ a: old(5), b: old(5) });
        w.close();
        const { through } = runKilledAt(CHILD, n, "gsdelete", dir);
        assert.ok(runKilledAt(CHILD, 0, "gsdelete", dir).through, `call ${n}`);
        const g = await NpyGroupReader.open(dir);
        const got = await g.read(0, g.length);
        for (const m of ["a", "b"]) {
          const v = [...got[m]!.data as Int32Array];
          assert.deepEqual(v, [0, 0, 1, -1, 2, -2], `call ${n}: ${m}`);
        }
        if (through) break;
      }
      const out = runPython(
        `import sys, dask.array as da
for m in "ab":
    x = da.from_npy_stack(sys.argv[1] + "/" + m).compute()
    print(m, x[:, 0].tolist(), x.shape)`,
        [dir],
      );
      assert.equal(out.trim(), "a [0, 1, 2] (3, 2)\nb [0, 1, 2] (3, 2)");
    },
  );
});
