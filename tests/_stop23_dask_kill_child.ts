/**
 * Child process of `stop23_stack_dask_kill_test.ts`, run by `runKilledAt`
 * as `<runtime> _stop23_dask_kill_child.ts N append DIR`: opens the
 * Dask-written stack DIR (rows `0 .. 3`, int32) with `shardRows: 2`,
 * appends rows 4 .. 9 (row `i` = `i`) one, then two at a time, printing
 * `ack K` (rows acknowledged) after each, closes, and dies after its `N`th
 * file-changing call.
 *
 * @module
 */

import { NpyStackWriterSync } from "../mod.ts";
import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";

const { path } = startKillChild();
const w = NpyStackWriterSync.open(path, { shardRows: 2 });
for (const [start, count] of [[4, 1], [5, 2], [7, 1], [8, 2]] as const) {
  w.append(ints(start, count));
  say(`ack ${start + count}`);
}
w.close();
childThrough();
