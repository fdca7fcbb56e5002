/**
 * The locks of a stack's live shards left by killed writers, removed when
 * the stack is opened (out of `_stack_core.ts`).
 *
 * @module
 */

import type { PathFs } from "./_path_fs.ts";
import { removeDeadLock } from "./_lock.ts";
import { lockNameOf } from "./_lock_names.ts";
import { join } from "./_stack_scan.ts";

/** A live shard's lock file name. */
const LIVE_LOCK = /^\d+\.npy\.part\.lock$/;

/**
 * Removes live shards' locks left by a killed writer, and what a writer
 * killed while taking one left: its record's temporary, a guard (the
 * stack's own lock is held: a live one is a process writing that shard
 * directly). Each shard's are removed once.
 */
export function removeLiveLocks(dir: string, fs: PathFs): void {
  const locks = new Set<string>();
  for (const name of fs.list(dir)) {
    const lock = lockNameOf(name);
    if (LIVE_LOCK.test(lock)) locks.add(lock);
  }
  for (const lock of locks) removeDeadLock(join(dir, lock));
}
