/**
 * Adversary round 10: SIGKILL after every file call of a new path's first
 * appends (the open no longer stats before its `O_EXCL` create, and takes
 * a new path's lock without realpath), on a file name and a folder that
 * are not ASCII. After each kill the next writer (which takes the dead
 * holder's lock over) must open the file, every acknowledged row must be
 * there, NumPy must read what it reads, and nothing but the file may be
 * left beside it.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { sweepKills } from "./_kill_at.ts";

const CHILD = scriptCommand(
  new URL("./_adversary10_child.ts", import.meta.url),
);
const NAME = "données-é 日本.npy";

for (const op of ["new", "new-async", "new-fsync"]) {
  test(
    `adversary 10: a first append to a new non-ASCII path (${op}) killed after every file call keeps every acknowledged row`,
    { timeout: 600_000 },
    () => {
      const numpy = numpyTestOptions().skip === undefined;
      sweepKills(CHILD, op, NAME, (path, acked, n) => {
        const what = `${op}, killed after call ${n} (${acked} acknowledged)`;
        if (!existsSync(path)) {
          assert.equal(acked, 0, `${what}: the file is gone`);
          // The next writer takes the dead holder's lock over, and leaves
          // nothing when it closes without an append.
          NpyAppendArraySync.open(path, { dtype: "<i4" }).close();
        } else {
          // The README's recipe: recover, then the next writer takes the
          // dead holder's lock over.
          if (needsRecoverySync(path)) recoverSync(path);
          // (A kill before the header leaves an empty file, which the next
          // writer takes for new: it needs the dtype then.)
          const w = NpyAppendArraySync.open(path, { dtype: "<i4" });
          const rows = w.shape[0] ?? 0;
          if (rows === 0) w.append(new Int32Array(0));
          w.close();
          assert.ok(rows >= acked, `${what}: ${rows} rows`);
          const got = Array.from(readNpySync(path).data as Int32Array);
          assert.deepEqual(got, got.map((_, i) => i), what);
          if (numpy) assert.deepEqual(npLoadJson(path).values, got, what);
        }
        assert.deepEqual(
          readdirSync(dirname(path)).filter((f) => f !== NAME),
          [],
          `${what}: left beside the file`,
        );
      }, { stride: op === "new" ? 1 : 2 });
    },
  );
}
