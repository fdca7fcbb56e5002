/**
 * Child process for the folder-sync test: writes a stack of 2 rows per
 * shard (5 one-row appends, then close), with `fsync` as asked; with a
 * third argument `group`, a group of two such stacks `x` and `y` instead.
 *
 * Usage: `deno run -A tests/_stack_fsync_child.ts DIR FSYNC [group]`
 * (FSYNC is `true` or `false`).
 *
 * @module
 */

import process from "node:process";
import { NpyGroupWriterSync, NpyStackWriterSync } from "../mod.ts";

const [dir, fsync, kind] = process.argv.slice(2);
if (kind === "group") {
  const g = NpyGroupWriterSync.open(dir!, {
    members: { x: "<f8", y: "<i4" },
    shardRows: 2,
    fsync: fsync === "true",
  });
  for (let i = 0; i < 5; i++) g.append({ x: [i], y: [i] });
  g.close();
  process.exit(0);
}
const stack = NpyStackWriterSync.open(dir!, {
  shardRows: 2,
  fsync: fsync === "true",
});
for (let i = 0; i < 5; i++) stack.append([i]);
stack.close();
