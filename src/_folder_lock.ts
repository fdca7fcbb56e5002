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
import { LINKS_LOCK_DIR } from "./_open_target.ts";
import { statPath } from "./_path_meta.ts";
import { pathFs } from "./_path_fs.ts";
import { allowed } from "./_process_info.ts";
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
  const lock = acquireLock(dir, verb);
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
      !(allowed({ name: "read", path: LINKS_LOCK_DIR }) &&
        allowed({ name: "write", path: LINKS_LOCK_DIR })) ||
      pathFs().kind(LINKS_LOCK_DIR) !== "directory"
    ) return null;
    const meta = statPath(dir, verb);
    if (meta.id === null) return null;
    const at = `${LINKS_LOCK_DIR}/npy-append-array-folder-${meta.id}.lock`;
    return lockAt(dir, verb, at, true, meta.born);
  } catch (e) {
    if (e instanceof NpyLockedError) throw e;
    return null;
  }
}
