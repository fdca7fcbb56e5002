/**
 * Child process of `stop23_stack_race_test.ts`: COUNT times, opens the
 * stack (or, with `group`, the group of stacks `a`, `b`) at DIR with
 * `shardRows: 3`, appends two rows `TAG * 1000 + 2i`, `+ 1`, closes, and
 * prints `ack V` (the last value acknowledged); another writer holding
 * the folder (`NpyLockedError`) is waited out.
 *
 * Usage: `deno run -A tests/_stop23_race_child.ts DIR TAG COUNT stack|group`.
 *
 * @module
 */

import process from "node:process";
import {
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const [dir, tagText, countText, kind] = process.argv.slice(2);
const tag = Number(tagText);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < Number(countText); i++) {
  const v = Int32Array.of(tag * 1000 + 2 * i, tag * 1000 + 2 * i + 1);
  for (;;) {
    try {
      if (kind === "group") {
        using w = NpyGroupWriterSync.open(dir!, {
          members: { a: "<i4", b: "<i4" },
          shardRows: 3,
        });
        w.append({ a: v, b: v });
      } else {
        using w = NpyStackWriterSync.open(dir!, { shardRows: 3, dtype: "<i4" });
        w.append(v);
      }
      break;
    } catch (e) {
      if (!(e instanceof NpyLockedError)) throw e;
      Atomics.wait(pause, 0, 0, 2 + Math.random() * 5);
    }
  }
  say(`ack ${v[1]}`);
}
