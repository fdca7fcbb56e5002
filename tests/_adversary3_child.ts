/**
 * Child process for `tests/adversary3_kill_sweep_test.ts`: runs one
 * operation and SIGKILLs itself right after its Nth file call (open,
 * write, truncate, fsync, link, unlink, rename, close; see
 * `_kill_at.ts`), printing `ack ROWS` after each append returns and
 * `exit 0` if it got through.
 *
 * Usage: `<runtime> tests/_adversary3_child.ts N OP PATH`, OP one of
 * - `fsync`: a new file with `fsync: true`, appends of 3 rows of int32
 *   (row i holds i) until 12 rows;
 * - `big`: a first append of 20,000 float64 rows (more than one write),
 *   then 2 more rows; row i holds i;
 * - `stack`: a stack, `shardRows: 4`, appends of 3 int32 rows until 12;
 * - `group`: a group `a` (int32) and `b` (float64, 2 columns), appends of
 *   3 rows until 9; row i holds a = i, b = [i, -i];
 * - `gstack`: the same group as stacks of 4 rows per shard;
 * - `recover`: `recover` with `zerofillIncomplete: true` of the file the
 *   test prepared.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";

function pairs(start: number, n: number) {
  const data = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    data[2 * i] = start + i;
    data[2 * i + 1] = -(start + i);
  }
  return { data, shape: [n, 2] };
}

const { op, path } = startKillChild();

// A restart after a crash, as the README's recipe does it.
if (
  (op === "fsync" || op === "big") && existsSync(path) &&
  needsRecoverySync(path)
) {
  recoverSync(path);
}

if (op === "fsync") {
  const w = NpyAppendArraySync.open(path, { fsync: true });
  for (let at = w.shape?.[0] ?? 0; at < 12; at += 3) {
    w.append(ints(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "big") {
  const w = NpyAppendArraySync.open(path);
  w.append(Float64Array.from({ length: 20_000 }, (_, i) => i));
  say("ack 20000");
  w.append(new Float64Array([20_000, 20_001]));
  say("ack 20002");
  w.close();
} else if (op === "stack") {
  const w = NpyStackWriterSync.open(path, { shardRows: 4, dtype: "<i4" });
  for (let at = w.shape[0] ?? 0; at < 12; at += 3) {
    w.append(ints(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "group" || op === "gstack") {
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<f8" },
    ...(op === "gstack" ? { shardRows: 4 } : {}),
  });
  for (let at = w.length; at < 9; at += 3) {
    w.append({ a: ints(at, 3), b: pairs(at, 3) });
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "recover") {
  recoverSync(path, { zerofillIncomplete: true });
} else throw new Error(`unknown op ${op}`);
childThrough();
