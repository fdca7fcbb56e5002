/**
 * Stop 21 (h10): a group of stacks whose `group.json` was lost. The
 * reader's and the writer's refusals said "recoverGroup("DIR") rebuilds
 * it from the member files, keeping every row", and `recoverGroup` then
 * refused it (a stack member's `shardRows` is in no file: write
 * `group.json` by hand). A folder holding a stack member now names that
 * way (by hand, then `recoverGroup`) where it names one; a group of plain
 * members still names the rebuild.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  recoverGroupSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("not refused");
}

test("stop 21 (h10): a group of stacks without group.json is not promised a rebuild", () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { a: "<i4", s: "<f8" },
    shardRows: 2,
  });
  w.append({ a: new Int32Array([1, 2, 3]), s: new Float64Array([4, 5, 6]) });
  w.close();
  rmSync(join(dir, "group.json"));
  const rebuild = messageOf(() => recoverGroupSync(dir));
  assert.match(rebuild, /by hand/);
  for (
    const run of [
      () => NpyGroupReader.openSync(dir),
      () => NpyGroupWriterSync.open(dir),
      () =>
        NpyGroupWriterSync.open(dir, {
          members: { a: "<i4", s: "<f8" },
          shardRows: 2,
        }),
    ]
  ) {
    const m = messageOf(run);
    assert.doesNotMatch(m, /rebuilds it/, m);
    assert.match(m, /group\.json by hand .*recoverGroup/, m);
  }
});
