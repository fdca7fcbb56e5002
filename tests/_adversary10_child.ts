/**
 * Child process for `tests/adversary10_first_append_kill_test.ts`: the
 * first appends of a writer of a new path, SIGKILLed right after its Nth
 * file call (see `_kill_at.ts`), printing `ack ROWS` after each append
 * returns and `exit 0` if it got through.
 *
 * Usage: `<runtime> tests/_adversary10_child.ts N OP PATH`, OP one of
 * - `new`: `NpyAppendArraySync.open(PATH)` (the path is new), 2 rows
 *   then 3 (row i holds i, int32);
 * - `new-async`: the same through `NpyAppendArray`;
 * - `new-fsync`: the same with `fsync: true`.
 *
 * @module
 */

import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";

const { op, path } = startKillChild();
if (op === "new-async") {
  const w = await NpyAppendArray.open(path, { dtype: "<i4" });
  await w.append(ints(0, 2));
  say("ack 2");
  await w.append(ints(2, 3));
  say("ack 5");
  await w.close();
} else {
  const w = NpyAppendArraySync.open(path, {
    dtype: "<i4",
    fsync: op === "new-fsync",
  });
  w.append(ints(0, 2));
  say("ack 2");
  w.append(ints(2, 3));
  say("ack 5");
  w.close();
}
childThrough();
