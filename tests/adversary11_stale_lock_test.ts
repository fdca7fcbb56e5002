/**
 * Adversary round 11, today's merges: a lock whose holder was killed is
 * taken over by removing it, but some locks may not be removed by the
 * next taker. A hard-linked file's lock by identity lives in `/tmp`,
 * whose sticky bit lets only its owner remove it: after a writer of one
 * user was killed, another user's writer of the file (a shared folder, a
 * team's DVC cache of hard links) was refused with a `TypeError` telling
 * it to give Deno leave to use `/tmp` (on Node too), which nothing could
 * fix. The same for a lock beside a file in any folder with the sticky
 * bit. Now: an `NpyLockedError` naming the lock file, its ended holder,
 * and the fix (its owner or root removes it); no byte changed.
 *
 * The tests make the lock impossible to remove with the immutable flag
 * (`chattr +i`, which stops root too) rather than another user (whose
 * runtime may not be able to run this file); the sticky `/tmp` case was
 * checked by hand with `setpriv` as `nobody` on Node.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackWriterSync,
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
  const probe = join(tempDir(), "probe");
  writeFileSync(probe, "");
  const r = spawnSync("chattr", ["+i", probe]);
  if (r.status !== 0) return "chattr +i not supported here";
  spawnSync("chattr", ["-i", probe]);
  return null;
}

/** Runs the child's `hold PATH` until it is ready, then SIGKILLs it. */
async function killedHolder(path: string): Promise<void> {
  await (await holdInChild(scriptCommand(LOCK_CHILD), path)).kill();
  // A SIGKILLed process may still be ending when its pipes close.
  await new Promise((r) => setTimeout(r, 300));
}

/** Runs `body` with `file` immutable (`chattr +i`), made mutable after. */
function immutable(file: string, body: () => void): void {
  assert.equal(spawnSync("chattr", ["+i", file]).status, 0);
  try {
    body();
  } finally {
    spawnSync("chattr", ["-i", file]);
  }
}

/** The lock by device and inode of the file at `path` (in `/tmp`). */
function linksLock(path: string): string {
  const s = statSync(path);
  return `/tmp/npy-append-array-links-${s.dev}-${s.ino}.lock`;
}

/** A refusal naming `path`, the lock file, its ended holder and the fix. */
function refusal(path: string, lock: string) {
  return (e: unknown) => {
    assert.ok(e instanceof NpyLockedError, String(e));
    assert.equal(e.path, path);
    assert.equal(e.lockPath, lock);
    assert.match(
      e.message,
      new RegExp(
        `^Cannot [\\w ]+ ${
          JSON.stringify(path).replace(/[.]/g, "\\.")
        }: its lock ${
          JSON.stringify(lock).replace(/[.]/g, "\\.")
        } was left by pid \\d+ .*, which has ended, and this process may not remove it .*; its owner or root must remove it$`,
      ),
    );
    return true;
  };
}

describe("adversary 11: a stale lock this process may not remove", () => {
  const skip = cannot();

  test("a file's lock beside it: a typed refusal naming the lock and the fix; nothing written", async (t) => {
    if (skip !== null) return t.skip(skip);
    const x = join(tempDir(), "x.npy");
    await killedHolder(x);
    const lock = `${x}.lock`;
    assert.ok(existsSync(lock));
    const before = readFileSync(x);
    immutable(lock, () => {
      assert.throws(() => NpyAppendArraySync.open(x), refusal(x, lock));
      assert.throws(() => recoverSync(x), refusal(x, lock));
    });
    assert.deepEqual(readFileSync(x), before);
    // Removable again: taken over as usual.
    const npy = NpyAppendArraySync.open(x);
    npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
    npy.close();
    assert.deepEqual([...readNpySync(x).data as Float64Array], [7, 7, 8, 8]);
  });

  test("a hard-linked file's lock by identity in /tmp (another name of it)", async (t) => {
    if (skip !== null) return t.skip(skip);
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const y = join(dir, "y.npy");
    const w = NpyAppendArraySync.open(x);
    w.append({ data: new Float64Array([1, 1]), shape: [1, 2] });
    w.close();
    linkSync(x, y);
    await killedHolder(x);
    const lock = linksLock(x);
    assert.ok(existsSync(lock));
    // The lock by name of x.npy goes; the one by identity stays.
    const before = readFileSync(x);
    try {
      immutable(lock, () => {
        assert.throws(() => NpyAppendArraySync.open(y), refusal(y, lock));
      });
      assert.deepEqual(readFileSync(x), before);
      const npy = NpyAppendArraySync.open(y);
      npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
      npy.close();
      assert.deepEqual(
        [...readNpySync(x).data as Float64Array],
        [1, 1, 7, 7, 8, 8],
      );
    } finally {
      spawnSync("chattr", ["-i", lock]);
    }
    assert.equal(existsSync(lock), false);
  });

  test("a stack folder's lock", async (t) => {
    if (skip !== null) return t.skip(skip);
    const dir = tempDir();
    const s = join(dir, "s");
    const w = NpyStackWriterSync.open(s, { shardRows: 2 });
    w.append([[1, 1], [2, 2], [3, 3]]);
    w.close();
    // A lock naming a killed process (taken from a killed file writer's).
    const x = join(dir, "x.npy");
    await killedHolder(x);
    const lock = `${s}.lock`;
    renameSync(`${x}.lock`, lock);
    immutable(lock, () => {
      assert.throws(() => NpyStackWriterSync.open(s), refusal(s, lock));
    });
    const again = NpyStackWriterSync.open(s);
    assert.deepEqual(again.shape, [3, 2]);
    again.close();
  });
});
