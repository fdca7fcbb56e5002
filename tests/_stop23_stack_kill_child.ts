/**
 * Child process of `stop23_stack_attack_test.ts`: a stack writer with
 * `shardRows: 2` appends rows 0 .. ROWS-1 one at a time, prints `ready`
 * and waits to be killed (its live shard `{n}.npy.part` stays).
 *
 * Usage: `deno run -A tests/_stop23_stack_kill_child.ts DIR ROWS`.
 *
 * @module
 */

import process from "node:process";
import { NpyStackWriterSync } from "../mod.ts";

const [dir, rowsText] = process.argv.slice(2);
const w = NpyStackWriterSync.open(dir!, { shardRows: 2, dtype: "<i4" });
for (let i = 0; i < Number(rowsText); i++) w.append(Int32Array.of(i));
process.stdout.write("ready\n");
setInterval(() => {}, 1000);
