/**
 * Adversary round 11: stacks and groups on a disk out of inodes (a tmpfs
 * with `nr_inodes`, root only), the free inodes swept one by one. On
 * tmpfs a hard link takes an inode too, so a lock file (a temporary, then
 * `link`) needs two.
 *
 * Found: an append that failed there could not be undone, and every later
 * append was refused ("an earlier write failed and could not be undone")
 * even once inodes were free again. A stack's undo cut its live shard and
 * reopened it through a new lock file each time (after an append that
 * sealed a shard and could not start the next one); a group's undo reopened
 * every member, each through its lock file. Now a stack cuts the live
 * shard under the stack's own lock and opens it at the next append, and a
 * group that could not undo tries again at the next append.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { hasNumpy, runPython } from "./_numpy.ts";
import { tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(120_000);
const ROWS = 60;

/** Takes every free inode of the tmpfs at `mnt` but `leave`; returns a freer. */
function fillInodes(mnt: string, leave: number): () => void {
  const made: string[] = [];
  try {
    for (let i = 0; i < 10_000; i++) {
      const p = join(mnt, `i${i}`);
      writeFileSync(p, "");
      made.push(p);
    }
  } catch {
    // out of inodes
  }
  for (let i = 0; i < leave; i++) rmSync(made.pop()!);
  return () => {
    for (const p of made) rmSync(p, { force: true });
    made.length = 0;
  };
}

interface Writer {
  append(a: unknown): unknown;
  close(): unknown;
}

type Kind = "stack" | "stack async" | "group" | "group of stacks async";

async function open(kind: Kind, dir: string): Promise<Writer> {
  const members = { a: "<i4", b: "<f8" };
  switch (kind) {
    case "stack":
      return NpyStackWriterSync.open(dir, { dtype: "<f8", shardRows: 7 });
    case "stack async":
      return await NpyStackWriter.open(dir, { dtype: "<f8", shardRows: 7 });
    case "group":
      return NpyGroupWriterSync.open(dir, { members });
    case "group of stacks async":
      return await NpyGroupWriter.open(dir, { members, shardRows: 7 });
  }
}

/** Appends ROWS rows 5 at a time; one failure (ENOSPC) is allowed, then `freeUp()`. */
async function appendAll(w: Writer, group: boolean, freeUp: () => void) {
  let acked = 0;
  let failed = false;
  while (acked < ROWS) {
    const n = Math.min(5, ROWS - acked);
    const b = Float64Array.from({ length: n }, (_, i) => acked + i);
    try {
      await w.append(group ? { a: Int32Array.from(b), b } : b);
    } catch (e) {
      assert.equal(code(e), "ENOSPC", String(e));
      assert.equal(failed, false, `failed again after freeing: ${e}`);
      failed = true;
      freeUp();
      continue;
    }
    acked += n;
  }
}

function code(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

for (
  const kind of [
    "stack",
    "stack async",
    "group",
    "group of stacks async",
  ] as const
) {
  for (let free = 0; free <= 10; free++) {
    test(
      `adversary 11: a ${kind} on a disk with ${free} free inodes: a failed append is undone, its retry lands once after inodes are freed`,
      OPTS,
      withTmpfs("size=8m,nr_inodes=40", async (mnt) => {
        const dir = join(mnt, "d");
        const freeUp = fillInodes(mnt, free);
        let w: Writer;
        try {
          w = await open(kind, dir);
        } catch (e) {
          assert.equal(code(e), "ENOSPC", String(e));
          freeUp();
          w = await open(kind, dir);
        }
        const group = kind.startsWith("group");
        try {
          await appendAll(w, group, freeUp);
        } finally {
          await w.close(); // also when it failed: the tmpfs must unmount
        }
        freeUp();
        assert.deepEqual(readdirSync(mnt), ["d"]);
        let got: number[];
        if (group) {
          await using reader = await NpyGroupReader.open(dir);
          const rows = reader.readSync();
          got = [...rows.b!.data as Float64Array];
          assert.deepEqual([...rows.a!.data as Int32Array], got);
        } else got = [...readNpyStackSync(dir).data as Float64Array];
        assert.deepEqual(got, Array.from({ length: ROWS }, (_, i) => i));
        if (kind === "stack" && free === 4 && hasNumpy()) {
          const out = runPython(
            `
import sys, numpy as np, dask.array as da
a = da.from_npy_stack(sys.argv[1]).compute()
print("ok" if (a == np.arange(int(sys.argv[2]))).all() else "BAD")
`,
            [dir, String(ROWS)],
          );
          assert.equal(out.trim(), "ok");
        }
      }),
    );
  }
}
