/**
 * A lock by device and inode (`/tmp/npy-append-array-links-<dev>-<ino>.lock`,
 * taken for a file with several hard links and for a stack's live shard)
 * left for an earlier file whose inode number the system gave to a new
 * one: a killed writer's lock of another file blocked the new file (CI:
 * a CLI `split` on Deno without --allow-run refused its own new live
 * shard, "held by pid ... (bun)"). A lock written before the file was
 * created cannot be its holder's (an inode is reused only once no one has
 * it open), so it is taken over; one written after it still refuses.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyLockedError } from "../mod.ts";
import { LINKS_LOCK_DIR } from "../src/_lock_names.ts";
import { tempDir } from "./_numpy.ts";

/** The lock by device and inode of `path`. */
function linksLockOf(path: string): string {
  const s = statSync(path, { bigint: true });
  return join(LINKS_LOCK_DIR, `npy-append-array-links-${s.dev}-${s.ino}.lock`);
}

/**
 * The record of the lock `lock` as a version before stop 20 (h6) wrote it,
 * naming no creation time: judged by its modified time, as here (a record
 * naming another file's creation time is an earlier file's at once, see
 * stop20_lock_clock_step_test.ts).
 */
function olderRecord(lock: string): string {
  const record = JSON.parse(readFileSync(lock, "utf8"));
  delete record.born;
  return JSON.stringify(record);
}

/** A file `name` with a second hard link, as a new file would be. */
function linkedFile(dir: string, name: string): string {
  const path = join(dir, name);
  const w = NpyAppendArraySync.open(path);
  w.append(new Float64Array([1, 2]));
  w.close();
  linkSync(path, `${path}.link`);
  return path;
}

describe("a lock by device and inode written before its file was created", () => {
  // 100 ms: the killed writer's lock a second before a file created
  // within that second still blocked it (a CLI split under parallel runs).
  for (const earlier of [10_000, 100]) {
    test(`${earlier} ms before: an earlier file's, taken over, rows kept`, () => {
      takenOver(earlier);
    });
  }

  test("a whole-second time under a second before (a coarse file system): held", () => {
    const dir = tempDir();
    const held = linkedFile(dir, "held.npy");
    const other = linkedFile(dir, "other.npy");
    using first = NpyAppendArraySync.open(held);
    const lock = linksLockOf(other);
    writeFileSync(lock, olderRecord(linksLockOf(held)));
    try {
      const born = statSync(other).birthtimeMs;
      // The whole second at or before the birth, unless that is the birth.
      const second = Math.floor(born / 1000) * 1000;
      const at = new Date(second === born ? born - 1000 : second);
      utimesSync(lock, at, at);
      assert.throws(() => NpyAppendArraySync.open(other), NpyLockedError);
    } finally {
      rmSync(lock, { force: true });
    }
    first.append(new Float64Array([3]));
  });

  function takenOver(earlier: number): void {
    const dir = tempDir();
    const held = linkedFile(dir, "held.npy");
    const fresh = linkedFile(dir, "fresh.npy");
    // A live holder's record (this process, its lock still held), left
    // at the new file's lock by device and inode, written 10 s before
    // the new file was created: as a reused inode number meets it.
    using first = NpyAppendArraySync.open(held);
    const record = olderRecord(linksLockOf(held));
    const stale = linksLockOf(fresh);
    writeFileSync(stale, record);
    const born = statSync(fresh).birthtimeMs;
    if (born > 0) {
      const before = new Date(born - earlier);
      utimesSync(stale, before, before);
      using w = NpyAppendArraySync.open(fresh);
      w.append(new Float64Array([3]));
      assert.deepEqual(w.shape, [3]);
    } else {
      // No creation time on this system: the record is judged as before.
      assert.throws(() => NpyAppendArraySync.open(fresh), NpyLockedError);
      rmSync(stale);
    }
    assert.equal(existsSync(stale), false);
    first.append(new Float64Array([3]));
  }

  test("written after the file was created: still held, nothing changed", () => {
    const dir = tempDir();
    const held = linkedFile(dir, "held.npy");
    const other = linkedFile(dir, "other.npy");
    using first = NpyAppendArraySync.open(held);
    const lock = linksLockOf(other);
    writeFileSync(lock, olderRecord(linksLockOf(held)));
    try {
      const bytes = readFileSync(other);
      assert.throws(() => NpyAppendArraySync.open(other), NpyLockedError);
      assert.ok(readFileSync(other).equals(bytes));
    } finally {
      rmSync(lock, { force: true });
    }
    first.append(new Float64Array([3]));
  });
});
