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
import {
  idLockDirAllowed,
  idLockPath,
  LINKS_LOCK_DIR,
} from "./_open_target.ts";
import { statPath } from "./_path_meta.ts";
import { pathFs, quoted } from "./_path_fs.ts";
import { parseHolder } from "./_lock_text.ts";
import { LOCK_BYTES } from "./_lock_refusal.ts";
import { NpyLockedError } from "./errors.ts";

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
    throw e;
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
 * live shard's beside it and by device and inode (for a file, `kind`
 * `"links"`: the file's by device and inode). Each removed as told, the
 * next run was refused again by the next one, up to four times.
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
    byId(dir, kind);
    for (const name of kind === "folder" ? fs.list(dir) : []) {
      if (!/^\d+\.npy\.part\.lock$/.test(name)) continue;
      const lock = `${dir}/${name}`;
      if (!same(lock)) continue;
      left.push(lock);
      const part = lock.slice(0, -".lock".length);
      if (fs.exists(part)) byId(part, "links");
    }
    if (left.length === 0) return e;
    const all = [e.lockPath, ...left].map(quoted);
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
