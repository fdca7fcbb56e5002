/**
 * Stop 27 (h4): a stale takeover guard this process may not remove.
 *
 * A writer killed leaves its lock; a taker killed while it held the
 * takeover guard leaves `<lock>.takeover` too. Where the guard may not be
 * removed (another user's in `/tmp`, whose sticky bit lets only its owner;
 * here: `chattr +i`, which stops root too, as in
 * `adversary11_stale_lock_test.ts`), the removal's `EPERM` came out bare.
 * Beside the file that was a system error with no fix; for a one-name
 * file's lock by device and inode in `/tmp` it was swallowed (such a lock
 * is skipped where it cannot be made) and the open went on WITHOUT it, so
 * a writer of another name of the file (`mv` while held) was not refused.
 * A stale lock that may not be removed was already refused with
 * `NpyLockedError` naming it and the fix; its guard (and its claim) now
 * are the same.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { holdInChild, LOCK_CHILD } from "./_lock_holder.ts";

/** Why these tests cannot run here, or `null`. */
function cannot(): string | null {
  if (process.platform !== "linux") return "chattr: Linux";
  if (process.getuid?.() !== 0) return "chattr +i: root";
  for (const dir of [tempDir(), "/tmp"]) {
    const probe = join(dir, `stop27-h4-probe-${process.pid}`);
    copyFileSync(new URL(import.meta.url).pathname, probe);
    const r = spawnSync("chattr", ["+i", probe]);
    spawnSync("chattr", ["-i", probe]);
    rmSync(probe, { force: true });
    if (r.status !== 0) return `chattr +i not supported in ${dir}`;
  }
  return null;
}

/** The lock by device and inode of the file at `path` (in `/tmp`). */
function linksLock(path: string): string {
  const s = statSync(path);
  return `/tmp/npy-append-array-links-${s.dev}-${s.ino}.lock`;
}

/** Runs `body` with `files` immutable (`chattr +i`), made mutable after. */
async function immutable(
  files: string[],
  body: () => void | Promise<void>,
): Promise<void> {
  try {
    for (const f of files) {
      assert.equal(spawnSync("chattr", ["+i", f]).status, 0, f);
    }
    await body();
  } finally {
    for (const f of files) spawnSync("chattr", ["-i", f]);
  }
}

/** A refusal naming `path`, the file that may not be removed and the fix. */
function refusal(path: string, file: string) {
  return (e: unknown) => {
    assert.ok(e instanceof NpyLockedError, String(e));
    assert.equal(e.path, path);
    assert.equal(e.lockPath, file);
    assert.ok(e.message.startsWith(`Cannot `), e.message);
    assert.ok(e.message.includes(JSON.stringify(path)), e.message);
    assert.ok(e.message.includes(JSON.stringify(file)), e.message);
    assert.match(
      e.message,
      /was left by pid \d+ .*, which has ended, and this process may not remove it .*; its owner or root must remove it$/,
    );
    return true;
  };
}

const rows = (x: string) => [...readNpySync(x).data as Float64Array];

describe("stop 27: a stale guard this process may not remove", () => {
  const skip = cannot();

  test("beside the file: a typed refusal naming the guard; nothing written", async (t) => {
    if (skip !== null) return t.skip(skip);
    const x = join(tempDir(), "x.npy");
    await (await holdInChild(scriptCommand(LOCK_CHILD), x)).kill();
    const lock = `${x}.lock`;
    const guard = `${lock}.takeover`;
    copyFileSync(lock, guard); // a killed taker's guard: the same dead pid
    const before = readFileSync(x);
    await immutable([guard], () => {
      assert.throws(() => NpyAppendArraySync.open(x), refusal(x, guard));
      assert.throws(() => recoverSync(x), refusal(x, guard));
    });
    assert.deepEqual(readFileSync(x), before);
    const npy = NpyAppendArraySync.open(x);
    npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
    npy.close();
    assert.deepEqual(rows(x), [7, 7, 8, 8]);
    assert.equal(existsSync(guard), false);
    assert.equal(existsSync(lock), false);
  });

  test("a one-name file's lock in /tmp: refused, never opened without it", async (t) => {
    if (skip !== null) return t.skip(skip);
    const x = join(tempDir(), "x.npy");
    await (await holdInChild(scriptCommand(LOCK_CHILD), x)).kill();
    const lock = linksLock(x);
    assert.ok(existsSync(lock), "the killed writer's lock in /tmp");
    const guard = `${lock}.takeover`;
    copyFileSync(lock, guard);
    const before = readFileSync(x);
    try {
      await immutable([guard], () => {
        // Before: opened (the lock in /tmp skipped), and a writer of
        // another name of the file would not have been refused.
        assert.throws(() => NpyAppendArraySync.open(x), refusal(x, guard));
        assert.throws(() => recoverSync(x), refusal(x, guard));
      });
      assert.deepEqual(readFileSync(x), before);
      const npy = NpyAppendArraySync.open(x);
      npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
      npy.close();
      assert.deepEqual(rows(x), [7, 7, 8, 8]);
      assert.equal(existsSync(guard), false);
      assert.equal(existsSync(lock), false);
    } finally {
      rmSync(guard, { force: true });
      rmSync(lock, { force: true });
    }
  });
});
