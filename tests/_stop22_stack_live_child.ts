/**
 * Child process of `stop22_stack_stale_shards_test.ts`: a live stack
 * writer sealing a shard every 2 rows, appending row `i` = `i` one at a
 * time (a seal, `info` rewritten, every other append), `ROWS` rows, then
 * closes. Prints `ready` once the first shard is sealed.
 *
 * Usage: `deno run -A tests/_stop22_stack_live_child.ts DIR ROWS`.
 *
 * @module
 */

import process from "node:process";
import { NpyStackWriterSync } from "../mod.ts";

const [dir, rowsText] = process.argv.slice(2);
const w = NpyStackWriterSync.open(dir!, { shardRows: 2, dtype: "<i4" });
for (let i = 0; i < Number(rowsText); i++) {
  w.append(Int32Array.of(i));
  if (i === 2) process.stdout.write("ready\n");
}
w.close();
