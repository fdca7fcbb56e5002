/**
 * Stop 27 (h3): a stack or group writer opening a new folder on a full
 * disk made the folder, then failed to take its lock (the lock file needs
 * an inode and a block) or, for a group, a member's lock: the open threw
 * ENOSPC and left the empty folder it had made behind (and the CLI's
 * `split` into a new DIR too). Now a failed open removes the folder it
 * made when it is still empty (by device and inode; a folder someone
 * filled meanwhile stays), and a retry once there is room goes through.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackWriter,
  NpyStackWriterSync,
} from "../mod.ts";
import { fillDisk, fillInodes, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(300_000);

type Open = (dir: string) => Promise<{ close(): unknown }>;

const OPENS: Record<string, Open> = {
  "stack (sync)": (dir) =>
    Promise.resolve(
      NpyStackWriterSync.open(dir, { shardRows: 10, dtype: "<i4" }),
    ),
  "stack (async)": (dir) =>
    NpyStackWriter.open(dir, { shardRows: 10, dtype: "<i4" }),
  "group (sync)": (dir) =>
    Promise.resolve(
      NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<f8" } }),
    ),
  "group (async)": (dir) =>
    NpyGroupWriter.open(dir, { members: { a: "<i4", b: "<f8" } }),
  "group of stacks (sync)": (dir) =>
    Promise.resolve(
      NpyGroupWriterSync.open(dir, {
        shardRows: 10,
        members: { a: "<i4", b: "<f8" },
      }),
    ),
};

/** Blocks left free (pages) or `inodes` (none left). */
const FILLS = ["0", "1", "inodes"];

for (const [kind, open] of Object.entries(OPENS)) {
  for (const fill of FILLS) {
    test(
      `stop 27: a ${kind} writer of a new folder on a full disk (${fill} free): a failed open leaves no folder it made`,
      OPTS,
      withTmpfs("size=1m,nr_inodes=100", async (mnt) => {
        const parent = join(mnt, "p");
        mkdirSync(parent);
        const dir = join(parent, "new");
        const free = fill === "inodes"
          ? fillInodes(mnt)
          : ((f) => () => rmSync(f))(fillDisk(mnt, Number(fill) * 4096));
        let failed = false;
        try {
          (await open(dir)).close();
        } catch (e) {
          failed = true;
          const err = e as { code?: string; message?: string };
          assert.equal(err.code, "ENOSPC", String(e));
          assert.ok((err.message ?? "").includes(dir), String(e));
        }
        const left = readdirSync(parent);
        free();
        if (failed) {
          // An empty folder stays only when the open got through (an
          // empty stack, whose writer closed with no rows); a group's
          // group.json, once written, is a group with no rows.
          assert.ok(
            left.length === 0 || readdirSync(dir).length > 0,
            `left ${JSON.stringify(left)}`,
          );
        }
        (await open(dir)).close();
        assert.deepEqual(readdirSync(parent), ["new"]);
      }),
    );
  }
}
