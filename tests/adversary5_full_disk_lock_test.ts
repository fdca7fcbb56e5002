/**
 * Adversary round 5: taking a lock on a real full disk (a tmpfs, root
 * only; out of data pages, or out of inodes) while another writer holds
 * it. The taker's record cannot be written, and it reported that
 * (`ENOSPC`) instead of who holds the file, for plain files, stacks,
 * groups and `recover`: a user freed space only to be told then that the
 * file was busy. Now: `NpyLockedError` naming the holder, as on a disk
 * with room; and a lock that is free still fails with `ENOSPC` naming the
 * file, changing nothing.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(120_000);

/** Leaves no data page (`pages`) or no inode free on the tmpfs at `mnt`. */
function fill(mnt: string, what: string): void {
  if (what === "pages") {
    fillDisk(mnt);
    return;
  }
  try {
    for (let i = 0; i < 10_000; i++) writeFileSync(join(mnt, `i${i}`), "");
  } catch {
    // out of inodes
  }
}

/** The refusal of a lock this process's other writer holds. */
function isHeld(e: unknown): boolean {
  return e instanceof NpyLockedError &&
    /this process holds it/.test(e.message);
}

for (
  const [what, options] of [["pages", "size=1m"], [
    "inodes",
    "size=1m,nr_inodes=16",
  ]]
) {
  test(
    `out of ${what}: a file, a stack, a group held by a writer refuse the next one with NpyLockedError, not ENOSPC`,
    OPTS,
    withTmpfs(options!, (mnt) => {
      const path = join(mnt, "x.npy");
      const stack = join(mnt, "s");
      const group = join(mnt, "g");
      mkdirSync(group);
      const w = NpyAppendArraySync.open(path);
      w.append(new Float64Array([1, 2]));
      const s = NpyStackWriterSync.open(stack, { shardRows: 4 });
      s.append(new Int32Array([1, 2]));
      const g = NpyGroupWriterSync.open(group, { members: { a: "<i4" } });
      g.append({ a: new Int32Array([1]) });
      fill(mnt, what!);
      const before = readdirSync(mnt).sort();
      for (
        const [name, again] of [
          ["file", () => NpyAppendArraySync.open(path)],
          ["recover", () => recoverSync(path)],
          ["stack", () => NpyStackWriterSync.open(stack)],
          ["group", () => NpyGroupWriterSync.open(group)],
        ] as const
      ) {
        assert.throws(again, (e) => {
          assert.ok(isHeld(e), `${name}: ${e}`);
          return true;
        });
      }
      assert.deepEqual(readdirSync(mnt).sort(), before);
      w.close();
      s.close();
      g.close();
    }),
  );

  test(
    `out of ${what}: a free lock still fails with ENOSPC naming the file, nothing left`,
    OPTS,
    withTmpfs(options!, (mnt) => {
      const path = join(mnt, "x.npy");
      const w = NpyAppendArraySync.open(path);
      w.append(new Float64Array([1, 2]));
      w.close();
      fill(mnt, what!);
      const before = readdirSync(mnt).sort();
      assert.throws(() => NpyAppendArraySync.open(path), (e) => {
        const err = e as { code?: string; message: string };
        assert.equal(err.code, "ENOSPC", String(e));
        assert.ok(err.message.includes(path), err.message);
        return true;
      });
      assert.deepEqual(readdirSync(mnt).sort(), before);
      assert.deepEqual([...readNpySync(path).data as Float64Array], [1, 2]);
    }),
  );
}
