/**
 * Stop 26 (h5): races of new kinds on one file.
 *
 * - A hard link made while `ensureAppendable` copied the file (`ln x.npy
 *   h.npy` after its look at the link count, before its rename): the copy
 *   was renamed over `x.npy` and `h.npy` kept the old file, so the two
 *   names were two files from then on, and rows appended through one never
 *   reached the other. The copy now looks at the link count again before
 *   its rename and rewrites in place when the file gained a name.
 * - A holder paused by SIGSTOP (alive, not running) keeps its lock
 *   against every taker, and goes on once continued.
 * - Writers reaching one file by six names (the path, a relative path
 *   after `chdir`, a symlinked folder, a hard link, `/proc/self/fd/N`, a
 *   bind mount of the file), paused and continued at random, two of them
 *   killed: every acknowledged row is in the file exactly once.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  isAppendableSync,
  NpyAppendArraySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { atStat } from "./_remove_at_stat.ts";
import { oldNpyBytes } from "./_journal_files.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop26_race_child.ts", import.meta.url);

test("a hard link made while ensureAppendable copies the file: both names stay one file", async () => {
  let fired = 0;
  for (let n = 1; n < 40; n++) {
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const h = join(dir, "h.npy");
    writeFileSync(x, oldNpyBytes(new Int32Array([1, 2, 3])));
    assert.equal(isAppendableSync(x), false);
    const did = await atStat(x, n, "after", () => linkSync(x, h), () => {
      ensureAppendableSync(x);
      return Promise.resolve();
    });
    if (!did) break;
    fired++;
    assert.equal(
      statSync(x).ino,
      statSync(h).ino,
      `link made after stat ${n}: the names are two files`,
    );
    assert.equal(isAppendableSync(h), true);
    const w = NpyAppendArraySync.open(h);
    w.append(new Int32Array([4]));
    w.close();
    assert.deepEqual(npLoadJson(x).values, [1, 2, 3, 4]);
    assert.deepEqual(readdirSync(dir).sort(), ["h.npy", "x.npy"]);
  }
  assert.ok(fired > 0);
});
