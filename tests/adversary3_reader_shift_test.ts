/**
 * Adversary round 3: a reader open on a file from NumPy < 1.23 (no room
 * in its header to grow) while `ensureAppendable({ inplace: true })` (or
 * the CLI's `ensure-appendable --inplace`) moves its data to make room.
 * The reader kept reading rows at the old offsets and returned the new
 * header's padding and shifted rows as values, silently (a dashboard
 * following a log showed 538976288, four spaces, as data). Such a reader
 * now checks after each read that the header kept its length and that no
 * in-place rewrite is under way, and throws `NpyFormatError` (`changed`)
 * otherwise; `refresh()` adopts the new layout and reads go on. Readers of
 * files with room to grow (never shifted) are unchanged.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  recoverSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

function changed(e: unknown): boolean {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "changed");
  assert.match(e.message, /open it again or call refresh/);
  return true;
}

test("a reader across an in-place ensureAppendable: an error, never shifted bytes as rows; refresh() goes on", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "old.npy");
    writeFileSync(path, oldNpyBytes(ramp(100)));
    using reader = NpyReader.openSync(path);
    assert.deepEqual(reader.readSync(0, 3).data, ramp(100).subarray(0, 3));
    ensureAppendableSync(path, { inplace: true });
    assert.throws(() => reader.readSync(0, 3), changed);
    await assert.rejects(reader.read(10, 12), changed);
    assert.throws(() => reader.readIntoSync(new Int32Array(2), 0, 2), changed);
    assert.equal(reader.refreshSync(), 100);
    assert.deepEqual(reader.readSync(0, 3).data, ramp(100).subarray(0, 3));
    assert.deepEqual(reader.readSync(-2).data, ramp(100).subarray(98));
    // Appendable now: a writer appends, the reader follows.
    const w = NpyAppendArraySync.open(path);
    w.append(ramp(5, 100));
    w.close();
    assert.equal(reader.refreshSync(), 105);
    assert.deepEqual(reader.readSync(100).data, ramp(5, 100));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a reader of an old file while an in-place move is under way (killed part-way): an error until refresh()", () => {
  const root = tempDir();
  try {
    let tried = 0;
    for (let n = 1; n < 100; n++) {
      const path = join(root, `${n}.npy`);
      writeFileSync(path, oldNpyBytes(ramp(5000)));
      using reader = NpyReader.openSync(path);
      spawnSync(CHILD[0], [...CHILD[1], "killat", String(n), "shift", path]);
      if (!existsSync(`${path}.journal`)) continue;
      // The move began (a record, maybe moved chunks): rows at the old
      // offsets may be another row's bytes.
      tried++;
      assert.throws(() => reader.readSync(0, 3), changed, `kill ${n}`);
      // The next writer (or recover) finishes the move; refresh goes on.
      recoverSync(path);
      assert.equal(reader.refreshSync(), 5000);
      assert.deepEqual(reader.readSync(4990).data, ramp(5000).subarray(4990));
      if (tried === 3) break;
    }
    assert.ok(tried > 0, "no kill left a move under way");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
