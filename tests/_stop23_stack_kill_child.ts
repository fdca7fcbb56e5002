/**
 * Child process of `stop23_stack_attack_test.ts`: a stack writer with
 * `shardRows: 2` appends rows START .. START+ROWS-1 (row `i` = `i`) one at a
 * time, prints `ready` and waits to be killed (its live shard
 * `{n}.npy.part` stays); with `close`, it closes and exits instead.
 *
 * Usage: `deno run -A tests/_stop23_stack_kill_child.ts DIR ROWS [START [close]]`.
 *
 * @module
 */

import process from "node:process";
import { NpyStackWriterSync } from "../mod.ts";

const [dir, rowsText, startText, end] = process.argv.slice(2);
const w = NpyStackWriterSync.open(dir!, { shardRows: 2, dtype: "<i4" });
const start = Number(startText ?? 0);
for (let i = start; i < start + Number(rowsText); i++) {
  w.append(Int32Array.of(i));
}
if (end === "close") {
  w.close();
} else {
  process.stdout.write("ready\n");
  setInterval(() => {}, 1000);
}
