/**
 * The lock of a stack's or group's folder: the lock file beside it
 * (`<dir>.lock`, see `_lock.ts`) plus one by the folder's device and inode
 * in {@linkcode LINKS_LOCK_DIR}, so that the same folder reached by a path
 * no symlink resolves to (a bind mount, a file system mounted twice) is
 * one lock: beside each path, a writer of each saw none, and the second
 * writer's sealed shard was renamed over by the first's.
 *
 * @module
 */

import { acquireLock, type HeldLock, lockAt } from "./_lock.ts";
import { idLockDirAllowed, idLockPath, LINKS_LOCK_DIR } from "./_lock_names.ts";
import { statPath } from "./_path_meta.ts";
import { makeFolder, pathFs, quoted } from "./_path_fs.ts";
import { parseHolder } from "./_lock_text.ts";
import { LOCK_BYTES } from "./_lock_refusal.ts";
import { NpyLockedError } from "./errors.ts";

/**
 * Makes the folder `dir` if it is missing (`makeFolder`; with `durable`,
 * durably) and takes its lock (`acquireFolderLock`). When the lock cannot
 * be taken (on a full disk its file needs an inode and a block), the
 * folder this call made is removed again ({@linkcode removeMadeFolder}):
 * a failed open leaves no empty folder behind. Not when another writer
 * holds the lock: that writer may be using the folder.
 *
 * @returns The lock, and the device and inode of the folder this call
 * made (`null`: it was there).
 */
export function lockMadeFolder(
  dir: string,
  durable: boolean,
  verb: string,
): { lock: HeldLock; made: string | null } {
  const fs = pathFs();
  const missing = fs.kind(dir) === "missing";
  makeFolder(dir, durable);
  const made = missing ? folderIdentity(dir) : null;
  try {
    return { lock: acquireFolderLock(dir, verb), made };
  } catch (e) {
    // A writer holding the lock may be filling the folder this call made.
    if (!(e instanceof NpyLockedError)) removeMadeFolder(dir, made);
    throw e;
  }
}

/**
 * Removes the folder a failed open made (`made`, from
 * {@linkcode lockMadeFolder}), by device and inode, and only while it is
 * empty: a folder someone else put there or filled meanwhile stays. Call
 * it before releasing the lock. Best effort (an empty folder left is no
 * data lost): errors are not thrown.
 */
export function removeMadeFolder(dir: string, made: string | null): void {
  const fs = pathFs();
  if (made === null || fs.removeFolder === undefined) return;
  try {
    if (folderIdentity(dir) === made) fs.removeFolder(dir);
  } catch {
    // not empty, or gone: left as it is
  }
}

/** The device and inode of the folder `dir`; `null` when unknown. */
function folderIdentity(dir: string): string | null {
  try {
    return statPath(dir, "open").id;
  } catch {
    return null;
  }
}

/**
 * Takes the lock of the folder `dir` beside it and by its identity.
 *
 * @param dir The folder.
 * @param verb What is being done, for messages.
 * @returns The held lock (both), released together.
 * @throws {NpyLockedError} when another writer holds either.
 */
export function acquireFolderLock(dir: string, verb: string): HeldLock {
  let lock: HeldLock;
  try {
    lock = acquireLock(dir, verb);
  } catch (e) {
    throw namingIdLock(e, dir);
  }
  let byId: HeldLock | null;
  try {
    byId = idLock(dir, verb);
  } catch (e) {
    lock.release();
    throw namingIdLock(e, dir);
  }
  if (byId === null) return lock;
  const id = byId;
  return {
    lockPath: lock.lockPath,
    release() {
      try {
        id.release();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * The folder's lock by device and inode, where it can be taken (`null`:
 * no such folder yet, no identity, or no use of the lock folder without a
 * Deno prompt); refused only when held.
 */
function idLock(dir: string, verb: string): HeldLock | null {
  try {
    if (
      !idLockDirAllowed() || pathFs().kind(LINKS_LOCK_DIR) !== "directory"
    ) return null;
    const meta = statPath(dir, verb);
    if (meta.id === null) return null;
    return lockAt(dir, verb, idLockPath("folder", meta.id), true, meta.born);
  } catch (e) {
    if (e instanceof NpyLockedError) throw e;
    return null;
  }
}

/**
 * The refusal `e` of the lock beside `dir` telling to remove it once its
 * holder is gone (Deno without --allow-run), naming as well the other
 * locks the same holder left: the folder's by device and inode, a stack's
 * live shard's beside it and by device and inode, a group's members'
 * (files and stacks) and theirs; for a file (`kind` `"links"`), the
 * file's by device and inode. Each removed as told, the next run was
 * refused again by the next one, up to four times for a stack, and once
 * per member stack more for a group.
 */
export function namingIdLock(
  e: unknown,
  dir: string,
  kind: "folder" | "links" = "folder",
): unknown {
  if (!(e instanceof NpyLockedError)) return e;
  const told = `or remove ${quoted(e.lockPath)} if that process is gone`;
  if (!e.message.endsWith(told)) return e;
  try {
    const fs = pathFs();
    const was = parseHolder(fs.readText(e.lockPath, LOCK_BYTES));
    if (was === null) return e;
    const same = (lock: string) => {
      const h = parseHolder(fs.readText(lock, LOCK_BYTES));
      return h !== null && h.pid === was.pid && h.start === was.start;
    };
    const left: string[] = [];
    const byId = (path: string, kind: "links" | "folder") => {
      const id = statPath(path, "open").id;
      const at = id === null ? null : idLockPath(kind, id);
      if (at !== null && same(at)) left.push(at);
    };
    // Each lock of the same holder in the folder (a stack's live shard's,
    // a group's member file's or member stack's), what it locks by device
    // and inode, and, in a member stack's folder, its live shard's: a
    // group took one run per member stack after its own.
    const walk = (folder: string, depth: number) => {
      byId(folder, "folder");
      for (const name of fs.list(folder).sort()) {
        if (!name.endsWith(".lock")) continue;
        const lock = `${folder}/${name}`;
        if (!same(lock)) continue;
        left.push(lock);
        const target = lock.slice(0, -".lock".length);
        const kind = fs.kind(target);
        if (kind === "file") byId(target, "links");
        else if (kind === "directory" && depth > 0) walk(target, depth - 1);
      }
    };
    if (kind === "links") byId(dir, "links");
    else walk(dir, 1);
    if (left.length === 0) return e;
    // The refusal may be the lock by device and inode's (the one beside
    // the folder removed already): named once.
    const all = [...new Set([e.lockPath, ...left])].map(quoted);
    if (all.length === 1) return e;
    return new NpyLockedError(
      `${e.message.slice(0, -told.length)}or remove ${
        all.slice(0, -1).join(", ")
      } and ${all.at(-1)} (the locks it left) if that process is gone`,
      { path: e.path, lockPath: e.lockPath, holder: e.holder },
    );
  } catch {
    return e;
  }
}
