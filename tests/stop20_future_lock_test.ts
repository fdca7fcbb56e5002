/**
 * Stop 20 (h2): an unreadable lock file (garbage, or empty: a writer
 * killed between creating and writing it where there are no hard links)
 * whose time is in the future (the clock was set back after the kill, or
 * it was copied or touched so) counted as being written right now until
 * the clock caught up with it: every writer was refused for that long
 * ("another process is creating its lock right now; try again", hours or
 * years). A lock is written within microseconds of its creation, so one
 * whose time is more than the grace time away, on either side, is stale.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyLockedError } from "../mod.ts";
import { readFileSync } from "node:fs";
import { npSaveBytes, tempDir } from "./_numpy.ts";

for (const text of ["", "garbage", '{"pid":'] as const) {
  test(`a lock file ${JSON.stringify(text)} dated an hour ahead is taken over`, () => {
    const path = join(tempDir(), "f.npy");
    const lock = `${path}.lock`;
    writeFileSync(lock, text);
    assert.throws(() => NpyAppendArraySync.open(path), NpyLockedError); // fresh
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(lock, ahead, ahead);
    const w = NpyAppendArraySync.open(path);
    w.append(new Int16Array([7, 8]));
    w.close();
    assert.equal(existsSync(lock), false);
    assert.deepEqual(
      new Uint8Array(readFileSync(path)),
      npSaveBytes("np.array([7, 8], dtype='<i2')"),
    );
  });
}
