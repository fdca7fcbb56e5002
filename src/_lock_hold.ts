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
  /** The closed file's times when it was taken (see `keepById`). */
  changed?: string | null;
}

/**
 * Closes the descriptor of `hold` (the lock `lockPath` by device and
 * inode, never moved), keeping its device and inode and its change time
 * instead: its release checks them by name (`isMine`). Kept open where the
 * runtime gives no device and inode.
 *
 * @param lockPath The lock file.
 * @param hold The hold just taken.
 */
export function keepById(lockPath: string, hold: Hold): void {
  const id = hold.file?.identity() ?? null;
  if (id === null) return;
  hold.id = id;
  try {
    const meta = statPath(lockPath, "open");
    hold.changed = meta.id === id ? meta.stamp : null;
  } catch {
    hold.changed = null;
  }
  try {
    hold.file!.closeSync();
  } catch {
    // Closed either way.
  }
  hold.file = null;
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
  changed?: string | null,
): boolean {
  if (!isMine(fs, file, token, own, changed)) return false;
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
 * read where a descriptor is to be had. A process out of them cannot read
 * it: the inode's times decide (`changed`, its `stamp` kept when the
 * hold was taken): an inode made anew (ext4 gives a freed inode to the next file at
 * once: another writer's lock taken at the name since someone removed
 * this one) or written since is not this hold's (stop 27; before, the
 * device and inode alone were trusted, and that live lock was removed).
 */
function isMine(
  fs: PathFs,
  file: string,
  token: string,
  own?: OpenedFile | string | null,
  changed?: string | null,
): boolean {
  const id = typeof own === "string" ? own : own?.identity() ?? null;
  const byToken = () =>
    parseHolder(fs.readText(file, LOCK_BYTES))?.token === token;
  if (id === null) return byToken();
  let meta;
  try {
    meta = statPath(file, "remove");
    if (meta.id !== id) return false;
    if (typeof own !== "string") return true;
    return byToken();
  } catch (e) {
    const code = codeOf(e) ?? codeOf((e as Error).cause);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    if (meta !== undefined && (code === "EMFILE" || code === "ENFILE")) {
      return changed === undefined || changed === null ||
        meta.stamp === null || meta.stamp === changed;
    }
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
    if (
      !removeIfMine(fs, name, hold.token, hold.file ?? hold.id, hold.changed)
    ) {
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
