/**
 * Stop 20 (h6): a lock by device and inode (in `/tmp`, for a file with
 * several hard links, a stack's live shard, a stack's or group's folder)
 * was judged an earlier file's, and taken over, whenever its modified
 * time was more than 20 ms before its file's creation time. A live
 * writer's lock meets that after the clock was stepped back between the
 * file's creation and the writer's open (NTP, a clock kept in local time
 * corrected at boot): a second writer through another name (a hard link,
 * a bind mount) took the live writer's lock over, and two writers
 * appended to one file. The lock record now names the creation time of
 * the file it was taken for: a record naming another time is an earlier
 * file's, one naming this file's is held, whatever its modified time.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { LINKS_LOCK_DIR } from "../src/_lock_names.ts";
import { tempDir } from "./_numpy.ts";

/** The lock by device and inode of `path`. */
function linksLockOf(path: string): string {
  const s = statSync(path, { bigint: true });
  return join(LINKS_LOCK_DIR, `npy-append-array-links-${s.dev}-${s.ino}.lock`);
}

/** A file `name` of rows [1, 2] with a second hard link `name.link`. */
function linkedFile(dir: string, name: string): string {
  const path = join(dir, name);
  const w = NpyAppendArraySync.open(path);
  w.append(new Float64Array([1, 2]));
  w.close();
  linkSync(path, `${path}.link`);
  return path;
}

test("a live writer's lock dated 5 s before its file's creation (clock stepped back): held", () => {
  const dir = tempDir();
  const path = linkedFile(dir, "a.npy");
  const born = statSync(path).birthtimeMs;
  using first = NpyAppendArraySync.open(path);
  const lock = linksLockOf(path);
  assert.ok(existsSync(lock));
  if (born > 0) {
    const before = new Date(born - 5000);
    utimesSync(lock, before, before);
  }
  assert.throws(
    () => NpyAppendArraySync.open(`${path}.link`),
    (e) =>
      e instanceof NpyLockedError && /this process holds it/.test(e.message),
  );
  first.append(new Float64Array([3]));
  first.close();
  assert.equal(existsSync(lock), false);
  assert.deepEqual([...readNpySync(path).data as Float64Array], [1, 2, 3]);
});

test("a killed writer's lock naming another file's creation time, written after this file's: taken over", () => {
  const dir = tempDir();
  const held = linkedFile(dir, "held.npy");
  // Created 3 ms later (Deno's creation times are whole ms).
  const t = Date.now();
  while (Date.now() < t + 3) { /* wait */ }
  const fresh = linkedFile(dir, "fresh.npy");
  {
    using first = NpyAppendArraySync.open(held);
    // An earlier file's record (its creation time), written just now: the
    // inode number reused at once (within the old 20 ms margin).
    const record = readFileSync(linksLockOf(held));
    const stale = linksLockOf(fresh);
    writeFileSync(stale, record);
    try {
      using w = NpyAppendArraySync.open(fresh);
      w.append(new Float64Array([3]));
      assert.deepEqual(w.shape, [3]);
    } finally {
      rmSync(stale, { force: true });
    }
    first.append(new Float64Array([3]));
  }
  assert.deepEqual([...readNpySync(fresh).data as Float64Array], [1, 2, 3]);
});

test("a stack folder removed and made again with the same inode (a small ext4): a killed writer's folder lock naming the old folder is taken over", () => {
  const root = tempDir();
  const img = join(root, "disk.img"), mnt = join(root, "m");
  mkdirSync(mnt);
  writeFileSync(img, new Uint8Array(0));
  truncateSync(img, 8 << 20);
  const mk = spawnSync("mkfs.ext4", ["-q", "-F", img]);
  assert.equal(mk.status, 0, String(mk.stderr));
  const mo = spawnSync("mount", ["-o", "loop", img, mnt]);
  assert.equal(mo.status, 0, String(mo.stderr));
  try {
    const dir = join(mnt, "s");
    const folderLock = () => {
      const s = statSync(dir, { bigint: true });
      return join(
        LINKS_LOCK_DIR,
        `npy-append-array-folder-${s.dev}-${s.ino}.lock`,
      );
    };
    const first = NpyStackWriterSync.open(dir, { shardRows: 2 });
    first.append(new Float64Array([1, 2, 3]));
    // What a writer killed now leaves in /tmp: its record, naming a
    // process Deno without --allow-run cannot tell dead (this live one's).
    const lock = folderLock();
    const record = readFileSync(lock);
    const ino = statSync(dir).ino;
    first.close();
    rmSync(dir, { recursive: true });
    rmSync(`${dir}.lock`, { force: true });
    mkdirSync(dir);
    assert.equal(statSync(dir).ino, ino, "ext4 gives the freed inode again");
    assert.equal(folderLock(), lock);
    writeFileSync(lock, record);
    try {
      if (statSync(dir).birthtimeMs > 0) {
        using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
        w.append(new Float64Array([7]));
      } else {
        // No creation time on this system: judged by its holder, held.
        assert.throws(
          () => NpyStackWriterSync.open(dir, { shardRows: 2 }),
          NpyLockedError,
        );
        rmSync(lock);
        using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
        w.append(new Float64Array([7]));
      }
      assert.equal(existsSync(lock), false);
      assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [7]);
    } finally {
      rmSync(lock, { force: true });
    }
  } finally {
    spawnSync("umount", [mnt]);
  }
});
