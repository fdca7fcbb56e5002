/**
 * Child process for the adversary round 13 kill sweeps: runs one
 * operation and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `ack ROWS` once rows are acknowledged and
 * `exit 0` if it got through. Row `i` holds the value `i` everywhere.
 * Usage: `<runtime> tests/_adversary13_group_child.ts N OP PATH`, OP one of
 * - `grows`: a group of stacks (`shardRows: 4`) of members `t` int64,
 *   `x` float64 rows of 3, `f` int32 in Fortran order (2 x n); appends of
 *   3 rows until 15, ack after each, then `close()`;
 * - `gbytes`: the same group sealed by bytes (`shardBytes: 40`): its
 *   members seal at different rows (8, 24 and 8 bytes a row);
 * - `fstack`: a Fortran-order float64 stack of 2 x n (`shardBytes: 40`),
 *   the same appends;
 * - `rstack`: a stack of records `[('t', '<i8'), ('xy', '<f4', (2,))]`
 *   (`shardRows: 4`), the same appends.
 * @module
 */

import { childThrough, say, startKillChild } from "./_kill_at.ts";
import { NpyGroupWriterSync, NpyStackWriterSync } from "../mod.ts";

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

export const RECORD = "[('t', '<i8'), ('xy', '<f4', (2,))]";

if (op === "grows" || op === "gbytes") {
  const w = NpyGroupWriterSync.open(path, {
    members: {
      t: "<i8",
      x: "<f8",
      f: { dtype: "<i4", fortranOrder: true },
    },
    ...(op === "grows" ? { shardRows: 4 } : { shardBytes: 40 }),
  });
  for (let at = 0; at < 15; at += 3) {
    w.append(rows(at));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "fstack") {
  const w = NpyStackWriterSync.open(path, {
    fortranOrder: true,
    shardBytes: 40,
  });
  for (let at = 0; at < 15; at += 3) {
    const f = rows(at).f;
    w.append({ ...f, data: Float64Array.from(f.data) });
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "rstack") {
  const w = NpyStackWriterSync.open(path, { shardRows: 4, dtype: RECORD });
  for (let at = 0; at < 15; at += 3) {
    // 16 bytes a record: t (int64), then xy (2 x float32) = (i, -i).
    const bytes = new Uint8Array(48);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 3; i++) {
      view.setBigInt64(16 * i, BigInt(at + i), true);
      view.setFloat32(16 * i + 8, at + i, true);
      view.setFloat32(16 * i + 12, -(at + i), true);
    }
    w.append({ data: bytes, shape: [3], dtype: RECORD });
    say(`ack ${at + 3}`);
  }
  w.close();
} else {
  throw new Error(`unknown op ${op}`);
}
childThrough();
