/**
 * Child process for `tests/adversary12f_live_reader_close_test.ts`: opens
 * the `(0, 512)` float64 file at PATH, appends one row (row `i` all `i`)
 * and closes it, ROWS times: the pattern of a `with NpyAppendArray(f)`
 * block per batch.
 *
 * Usage: `deno run -A tests/_adversary12f_close_loop_child.ts PATH ROWS`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";

const [path, rowsText] = process.argv.slice(2);
for (let i = 0; i < Number(rowsText); i++) {
  const w = NpyAppendArraySync.open(path!);
  w.append({ data: new Float64Array(512).fill(i), shape: [1, 512] });
  w.close();
}
