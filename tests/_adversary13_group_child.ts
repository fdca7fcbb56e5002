/**
 * Child process for the adversary round 13 kill sweeps: runs one
 * operation and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `ack ROWS` once rows are acknowledged and
 * `exit 0` if it got through. Row `i` holds the value `i` everywhere.
 * Usage: `<runtime> tests/_adversary13_group_child.ts N OP PATH`, OP one of
 * - `grows`: a group of stacks (`shardRows: 4`) of members `t` int64,
 *   `x` float64 rows of 3, `f` int32 in Fortran order (2 x n); appends of
 *   3 rows until 15, ack after each, then `close()`.
 * @module
 */

import { childThrough, say, startKillChild } from "./_kill_at.ts";
import { NpyGroupWriterSync } from "../mod.ts";

const { op, path } = startKillChild();

/** Rows `at .. at + 3` of each kind. */
const rows = (at: number) => ({
  t: BigInt64Array.from({ length: 3 }, (_, i) => BigInt(at + i)),
  x: {
    data: Float64Array.from({ length: 9 }, (_, i) => at + Math.floor(i / 3)),
    shape: [3, 3],
  },
  f: {
    // 2 x 3 in column order: column j holds row at + j twice.
    data: Int32Array.from({ length: 6 }, (_, i) => at + Math.floor(i / 2)),
    shape: [2, 3],
    fortranOrder: true,
  },
});

if (op === "grows") {
  const w = NpyGroupWriterSync.open(path, {
    members: {
      t: "<i8",
      x: "<f8",
      f: { dtype: "<i4", fortranOrder: true },
    },
    shardRows: 4,
  });
  for (let at = 0; at < 15; at += 3) {
    w.append(rows(at));
    say(`ack ${at + 3}`);
  }
  w.close();
} else {
  throw new Error(`unknown op ${op}`);
}
childThrough();
