/**
 * Stop 21 (h9): a taker killed while it claims a dead taker's slot
 * (after renaming the slot aside, `<slot>.<pid>.<token>.stale`, before
 * removing it) left that aside for good: the listing tidy-up knew hold
 * temporaries and slots, not a slot's aside, so every such kill added a
 * name to the folder (found by an strace sweep killing a taker at each
 * unlink of a slot claim; the next opens appended, and the aside stayed
 * in a folder listed at every open). Now removed by the tidy-up, in the
 * file's folder and in /tmp's shared slots alike, when its claimer is
 * dead; a live claimer's stays.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const windows = process.platform === "win32";

test("a killed claimer's slot aside is removed by the next open of a small folder", (t) => {
  if (windows) return t.skip("symlinks: POSIX");
  const dead = spawnSync(process.execPath, ["--version"]).pid!;
  const dir = tempDir();
  const x = join(dir, "x.npy");
  const w = NpyAppendArraySync.open(x, { dtype: "<f8" });
  w.append(new Float64Array([1]));
  w.close();
  // What the kill leaves: the dead taker's temporary (its record) and the
  // slot naming it, renamed aside by a claimer killed then.
  const temp = `x.npy.lock.${dead}.0123456789abcdef.new`;
  writeFileSync(
    join(dir, temp),
    JSON.stringify({ pid: dead, host: hostname() }),
  );
  const aside = `x.npy.lock.0.new.${dead}.fedcba9876543210.stale`;
  symlinkSync(temp, join(dir, aside));
  // A live claimer's aside (this process's pid) stays.
  const live = `x.npy.lock.1.new.${process.pid}.0011223344556677.stale`;
  symlinkSync(temp, join(dir, live));
  const w2 = NpyAppendArraySync.open(x, { dtype: "<f8" });
  w2.append(new Float64Array([2]));
  w2.close();
  assert.deepEqual(readdirSync(dir).sort(), ["x.npy", live]);
  assert.deepEqual(Array.from(readNpySync(x).data as Float64Array), [1, 2]);
});
