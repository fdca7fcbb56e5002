/**
 * A lock or guard file this process holds (`_lock.ts`), and its drop:
 * removed only while it is still this hold's file (by device and inode,
 * else by token).
 *
 * @module
 */

import { unremoved } from "./_lock_judge.ts";
import { parseHolder } from "./_lock_text.ts";
import { LOCK_BYTES } from "./_lock_refusal.ts";
import { statPath } from "./_path_meta.ts";
import type { OpenedFile, PathFs } from "./_path_fs.ts";

/** A held lock. */
export interface HeldLock {
  /** The lock file. */
  readonly lockPath: string;
  /** Drops the lock (removes the lock file if it is still this hold's). */
  release(): void;
}

/**
 * A lock or guard file this process created: its token and the file,
 * still open (`null` once closed: a lock by device and inode, see `held`
 * in `_lock.ts`), else its device and inode (`id`).
 */
export interface Hold {
  token: string;
  file: OpenedFile | null;
  id?: string;
}

/** Locks this process holds, released at a normal exit. */
export const holding: Set<HeldLock> = new Set<HeldLock>();

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Removes `file` if it still holds `token`; returns whether it held it.
 * `own`: the hold's file, still open, compared with `file` by device and
 * inode instead of reading `file` again: no new descriptor, so a process
 * out of them (`EMFILE`) still drops its lock (reading it failed, and the
 * lock stayed held for every other process until this one ended); or
 * that file's device and inode, once it was closed.
 */
export function removeIfMine(
  fs: PathFs,
  file: string,
  token: string,
  own?: OpenedFile | string | null,
): boolean {
  if (!isMine(fs, file, token, own)) return false;
  try {
    fs.remove(file);
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw e;
  }
  return true;
}

/**
 * Whether `file` is the hold `own` (by device and inode), or holds `token`.
 * An open hold's inode cannot be another file's; a closed one's (`own` its
 * device and inode) can, once someone removed it: then the token decides,
 * read where a descriptor is to be had (a process out of them trusts the
 * device and inode, as before the hold's file was closed).
 */
function isMine(
  fs: PathFs,
  file: string,
  token: string,
  own?: OpenedFile | string | null,
): boolean {
  const id = typeof own === "string" ? own : own?.identity() ?? null;
  const byToken = () =>
    parseHolder(fs.readText(file, LOCK_BYTES))?.token === token;
  if (id === null) return byToken();
  try {
    if (statPath(file, "remove").id !== id) return false;
    if (typeof own !== "string") return true;
    return byToken();
  } catch (e) {
    const code = codeOf(e) ?? codeOf((e as Error).cause);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    if (code === "EMFILE" || code === "ENFILE") return true;
    throw e;
  }
}

/** The lock file of each removal failure {@linkcode dropHold} threw. */
const unremovedFiles = new WeakMap<object, string>();

/**
 * The lock file whose removal failed with `e` (a released hold's), so a
 * caller can tell what became of it; `null` for any other failure.
 *
 * @param e A failure of `HeldLock.release` (or of a call releasing one).
 * @returns The lock file's path, or `null`.
 */
export function unremovedLockOf(e: unknown): string | null {
  return typeof e === "object" && e !== null
    ? unremovedFiles.get(e) ?? null
    : null;
}

/** Drops a hold: removes its file if it still holds the token, closes it. */
export function dropHold(fs: PathFs, name: string, hold: Hold): void {
  try {
    if (!removeIfMine(fs, name, hold.token, hold.file ?? hold.id)) {
      // Not at its name any more (its folder was renamed meanwhile):
      // emptied through the descriptor, so wherever it went it reads as
      // an unreadable lock, stale after the grace time, not as this live
      // process's. A file that replaced it is another inode: untouched.
      hold.file?.truncateSync?.(0);
    }
  } catch (e) {
    unremoved.add(hold.token);
    const again = () => void removeIfMine(fs, name, hold.token);
    holding.add({ lockPath: name, release: again }); // at exit
    if (typeof e === "object" && e !== null) unremovedFiles.set(e, name);
    throw e;
  } finally {
    try {
      hold.file?.closeSync();
    } catch {
      // Dropped either way.
    }
  }
}
