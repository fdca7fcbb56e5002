/**
 * Stop 23 (h6): a file a writer creates at its first append, removed or
 * moved away (`mv x.npy elsewhere`) right after the writer made it and
 * before it locked it by identity. Found racing Deno and Bun writers
 * against an `mv` loop: the append failed with `Cannot remove "x.npy":
 * ENOENT` (the clean-up of the file it made, which was no longer there,
 * hid the first error). As at any look of the open (h5's
 * `stop23_vanished_under_lock_test.ts`), the file is made afresh.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { appendOutcome, removedAtStat } from "./_remove_at_stat.ts";

for (const kind of ["sync", "async"] as const) {
  test(`a ${kind} first append never fails with ENOENT when the file it made vanishes`, async () => {
    const dir = tempDir();
    let fires = 0;
    for (let n = 1; n <= 16; n++) {
      const path = join(dir, `${kind}${n}.npy`);
      let outcome = "";
      const fired = await removedAtStat(path, n, "before", async () => {
        outcome = await appendOutcome(kind, path);
      });
      if (!fired) continue;
      fires++;
      if (outcome === "ok") {
        assert.equal(
          String(Array.from(readNpySync(path).data as Int32Array)),
          "5,6",
          `stat ${n}`,
        );
      } else {
        assert.match(outcome, /in no file any more/, `stat ${n}`);
      }
    }
    assert.ok(fires > 0, "the file was removed at some stat");
  });
}

test("a lock slot's text stays under 60 bytes for names of non-ASCII letters, and reads back", async () => {
  // h3's short form was chosen by UTF-16 length: a 15-letter Chinese name
  // gave 80 bytes of symlink text (a slow symlink on ext4).
  const { slotText, slotTemp } = await import("../src/_lock_slots.ts");
  for (
    const name of [
      "数据文件名字很长的数组数据文件.npy",
      "é.npy",
      "x.npy",
      "~y.npy",
    ]
  ) {
    const slot = `/d/${name}.lock.0.new`;
    const temp = `${name}.lock.1234567.0123456789abcdef.new`;
    const text = slotText(slot, temp);
    assert.ok(
      new TextEncoder().encode(text).length < 60,
      `${name}: ${text}`,
    );
    assert.equal(slotTemp(slot, text), temp, name);
  }
});
