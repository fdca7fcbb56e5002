/**
 * Adversary round 11: file-system calls that fail with `EIO`, injected
 * by `strace` into a child writer (`straceFailing`; Linux): a folder sync
 * (`fsync` of the folder, as writers with `fsync: true` do after creating
 * or renaming a file), a write to a group member. Each call in turn fails
 * once, until a run gets through; after each, the folder holds only what
 * the acknowledged rows need, readers read them without `recover`, and
 * appends continue.
 *
 * Found:
 * - An `atomic` open whose change record was written but whose folder
 *   sync failed left the record: readers then refused the untouched file
 *   ("it has an unfinished atomic append recorded ... run recover").
 * - A first append whose folder sync after creating the file failed left
 *   that file, empty (`np.load` refuses it), `atomic` or not.
 * - A stack whose folder sync after sealing a shard failed kept the sealed
 *   shard with the failed append's row, no `info` (Dask could not read the
 *   stack) and refused every later append: the seal counted the shard
 *   only after the sync, so the undo did not revive it.
 * - A group whose append failed after every member had its rows (a write
 *   of a header failing) kept them: the undo cut the members to the rows
 *   all of them held, not to the acknowledged length, so the group grew
 *   by the failed append and a retry wrote its rows twice.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 300_000, ...straceOptions };

const CHILD = new URL("./_adversary11_disk_child.ts", import.meta.url);

/**
 * Runs the child's `op` on `path` with the `k`th call of `calls` on one
 * of `names` failing with EIO.
 *
 * @returns Rows acknowledged, whether a call failed, and whether it closed.
 */
function runFailing(
  names: string[],
  calls: string,
  path: string,
  op: string,
  k: number,
): { acked: number; failed: boolean; closed: boolean } {
  const stdout = straceFailing(CHILD, [path, op], {
    paths: names,
    calls: calls.split(","),
    error: "EIO",
    when: k,
  });
  const lines = stdout.split("\n");
  assert.ok(lines.includes("done"), `child: ${stdout}`);
  for (const l of lines) {
    if (l.startsWith("err ") || l.startsWith("close-err ")) {
      assert.equal(l.split(" ")[1], "EIO", l);
    }
  }
  const acks = lines.filter((l) => l.startsWith("ack "));
  return {
    acked: acks.length === 0 ? -1 : Number(acks.at(-1)!.slice(4)),
    failed: lines.some((l) => l.startsWith("err ") || l.startsWith("close-")),
    closed: lines.includes("closed"),
  };
}

function rowsOf(file: string): number[] {
  return [...readNpySync(file).data as Float64Array];
}

const SYNCS = "fsync,fdatasync";

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

// (A writer without atomic syncs no folder when its file exists.)
for (const op of ["atomic-fsync", "fsync"]) {
  for (const existing of op === "fsync" ? [false] : [true, false]) {
    test(
      `adversary 11: ${op} writer of ${
        existing ? "an existing file" : "a new path"
      }, each folder sync failing in turn: no change record or empty file left, the rows read without recover`,
      OPTS,
      () => {
        for (let k = 1;; k++) {
          const dir = tempDir();
          const file = join(dir, "x.npy");
          const base = existing ? 3 : 0;
          if (existing) {
            const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
            w.append(new Float64Array(upTo(base)));
            w.close();
          }
          const run = runFailing([dir], SYNCS, file, op, k);
          const label = `${op}, folder sync ${k} failing`;
          const names = readdirSync(dir);
          const acked = run.acked === -1 ? base : run.acked;
          if (acked === 0) assert.deepEqual(names, [], label);
          else {
            assert.deepEqual(names, ["x.npy"], label);
            const rows = rowsOf(file);
            // An atomic change whose close failed may be either side.
            assert.ok(
              String(rows) === String(upTo(acked)) ||
                (op === "atomic-fsync" && !run.closed &&
                  String(rows) === String(upTo(base))),
              `${label}: rows ${rows}, acknowledged ${acked}`,
            );
            const w = NpyAppendArraySync.open(file);
            w.append(new Float64Array([rows.length]));
            w.close();
            assert.deepEqual(rowsOf(file), upTo(rows.length + 1), label);
          }
          if (!run.failed) break;
          assert.ok(k < 40, "the sweep does not end");
        }
      },
    );
  }
}

test(
  "adversary 11: a stack writer with fsync, each folder sync failing in turn: the failed append undone, the acknowledged rows read by the reader and Dask",
  OPTS,
  () => {
    for (let k = 1;; k++) {
      const dir = join(tempDir(), "s");
      const run = runFailing([dir], SYNCS, dir, "stack-fsync", k);
      const label = `stack, folder sync ${k} failing`;
      const acked = Math.max(run.acked, 0);
      if (acked > 0) {
        assert.deepEqual(
          [...readNpyStackSync(dir).data as Float64Array],
          upTo(acked),
          label,
        );
        if (hasNumpy() && k === 2) {
          const out = runPython(
            `
import sys, numpy as np, dask.array as da
a = da.from_npy_stack(sys.argv[1]).compute()
print("ok" if (a == np.arange(int(sys.argv[2]))).all() else "BAD")
`,
            [dir, String(acked)],
          );
          assert.equal(out.trim(), "ok", label);
        }
      }
      const w = NpyStackWriterSync.open(dir, { dtype: "<f8", shardRows: 2 });
      w.append(new Float64Array([acked]));
      w.close();
      assert.deepEqual(
        [...readNpyStackSync(dir).data as Float64Array],
        upTo(acked + 1),
        label,
      );
      if (!run.failed) break;
      assert.ok(k < 60, "the sweep does not end");
    }
  },
);

test(
  "adversary 11: a group writer, each write to a member failing in turn: the failed append undone, its retry lands once",
  OPTS,
  async () => {
    for (let k = 1;; k++) {
      const dir = join(tempDir(), "g");
      const members = [join(dir, "a.npy"), join(dir, "b.npy")];
      const run = runFailing(members, "write,pwrite64", dir, "group", k);
      const label = `group, write ${k} failing`;
      const acked = Math.max(run.acked, 0);
      {
        await using reader = await NpyGroupReader.open(dir);
        assert.equal(reader.length, acked, label);
      }
      const w = NpyGroupWriterSync.open(dir);
      w.append({ a: new Float64Array([acked]), b: new Int32Array([acked]) });
      w.close();
      await using reader = await NpyGroupReader.open(dir);
      const rows = reader.readSync();
      assert.deepEqual([...rows.a!.data as Float64Array], upTo(acked + 1));
      assert.deepEqual([...rows.b!.data as Int32Array], upTo(acked + 1));
      if (!run.failed) break;
      assert.ok(k < 60, "the sweep does not end");
    }
  },
);
