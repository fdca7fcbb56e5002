/**
 * Child process for the folder-sync test: writes a stack of 2 rows per
 * shard (5 one-row appends, then close), with `fsync` as asked.
 *
 * Usage: `deno run -A tests/_stack_fsync_child.ts DIR FSYNC` (FSYNC is
 * `true` or `false`).
 *
 * @module
 */

import process from "node:process";
import { NpyStackWriterSync } from "../mod.ts";

const [dir, fsync] = process.argv.slice(2);
const stack = NpyStackWriterSync.open(dir!, {
  shardRows: 2,
  fsync: fsync === "true",
});
for (let i = 0; i < 5; i++) stack.append([i]);
stack.close();
