/**
 * The names of a lock's files (`_lock.ts`): the lock file of a path, what
 * takers of a lock leave beside it, and the refusal of a name too long to
 * take them.
 *
 * @module
 */

import { utf8 } from "./_lock_text.ts";
import { allowed } from "./_process_info.ts";
import { realPath } from "./_path_meta.ts";
import { baseOf, dirOf, quoted } from "./_path_fs.ts";

/**
 * The lock file of a file or folder path.
 *
 * @param path The file or folder.
 * @returns `<path>.lock`, trailing separators removed.
 */
export function lockPathOf(path: string): string {
  const trimmed = path.replace(/(?<=.)[\\/]+$/, "");
  return `${trimmed}.lock`;
}

/**
 * The path whose lock guards `path`: the file itself when the last name
 * is a symlink (so a symlink and its target share one lock, as they share
 * one change record), else `path` as given. Symlinked folders on the way
 * need nothing: the lock file's name goes through them too.
 */
export function lockTarget(path: string): string {
  const trimmed = path.replace(/(?<=.)[\\/]+$/, "");
  const real = realPath(trimmed);
  if (real === trimmed) return path;
  const base = baseOf(trimmed);
  const dir = realPath(dirOf(trimmed)).replace(/[\\/]+$/, "");
  return real === `${dir}/${base}` || real === `${dir}\\${base}` ? path : real;
}

/**
 * The suffix of a hold record's temporary or a claimed guard after its
 * lock's name (`[.takeover|.claim].<pid>.<token>.new|stale`), group 1 the
 * pid.
 */
export const HOLD_TEMP =
  "(?:\\.takeover|\\.claim)?\\.(\\d+)\\.[0-9a-f]{16}\\.(?:new|stale)";

/**
 * The suffix of a hold record's temporary in a slot (`[.takeover].<k>.new`),
 * the name tried first, see {@linkcode holdSlot}.
 */
const HOLD_SLOT = "(?:\\.takeover|\\.claim)?\\.\\d\\.new";

/** A lock's name followed by what takers of it leave (see {@linkcode lockNameOf}). */
const LOCK_LEFTOVER = new RegExp(
  `^(.*?)(?:\\.takeover|\\.claim|${HOLD_TEMP}|${HOLD_SLOT})$`,
);

/** How many slots a lock's hold-record temporary is tried in. */
export const HOLD_SLOTS = 4;

/**
 * The `k`th slot of a hold-record temporary of the lock (or guard) `file`:
 * `<file>.<k>.new`, a name the next taker of that lock finds without
 * listing the folder (a killed taker's is removed there, see `_lock.ts`).
 * Locks by device and inode (`npy-append-array-{links,folder}-*`, `/tmp`)
 * share the slots `npy-append-array-hold.<k>.new` of that folder: the
 * file or folder they were taken for is mostly never locked again (a
 * test's), and `/tmp` is too big to list at every open.
 *
 * @param file The lock or guard file.
 * @param k The slot, from 0 to {@linkcode HOLD_SLOTS} - 1.
 * @returns The temporary's path.
 */
export function holdSlot(file: string, k: number): string {
  const base = baseOf(file);
  return /^npy-append-array-(?:links|folder)-/.test(base)
    ? `${
      file.slice(0, file.length - base.length)
    }npy-append-array-hold.${k}.new`
    : `${file}.${k}.new`;
}

/**
 * The lock file a file name in a lock's folder belongs to: the name
 * itself, or, for what a taker of a lock leaves beside it (its guard
 * `<lock>.takeover`, its claim `<lock>.claim`, a hold record's temporary, a
 * claimed guard), that
 * lock's name.
 *
 * @param name A file name (no folder).
 * @returns The lock's name.
 */
export function lockNameOf(name: string): string {
  return LOCK_LEFTOVER.exec(name)?.[1] ?? name;
}

/** The most bytes a file name takes (ext4, XFS, Btrfs, tmpfs, APFS, NTFS). */
const NAME_MAX = 255;
/** What the longest name made from a lock's adds: `.takeover.<pid>.<token>.stale`. */
const LOCK_SUFFIX = ".takeover.".length + 10 + 1 + 16 + ".stale".length;

/**
 * Refuses (`RangeError`), before anything is created, a file or folder
 * (`path`) whose name is too long for the names made from its lock's,
 * needed to take over a killed writer's lock (so such a file could not be
 * opened again after a kill); other names made beside a file are shorter.
 */
export function refuseLongName(
  path: string,
  verb: string,
  lockPath: string = lockPathOf(lockTarget(path)),
): void {
  const name = baseOf(lockPath);
  const bytes = utf8(name).length;
  if (bytes + LOCK_SUFFIX <= NAME_MAX) return;
  throw new RangeError(
    `Cannot ${verb} ${quoted(path)}: its name takes ${
      bytes - 5
    } bytes, too long for the lock files named after it (${
      quoted(`${name}.takeover.<pid>.<token>.stale`)
    }), as names take at most ${NAME_MAX} bytes; rename it to at most ${
      NAME_MAX - LOCK_SUFFIX - 5
    } bytes`,
  );
}

/**
 * Where a file with several hard links is locked as well, by its device
 * and inode: one place for all its names, as a lock beside one name is
 * not seen by a writer of another (Linux, macOS; none elsewhere).
 */
export const LINKS_LOCK_DIR = "/tmp";

/**
 * The lock by device and inode of a file (`"links"`) or a folder
 * (`"folder"`) in {@linkcode LINKS_LOCK_DIR}.
 *
 * @param kind What is locked.
 * @param id Its `<dev>-<ino>` (`PathMeta.id`).
 * @returns The lock file's path.
 */
export function idLockPath(kind: "links" | "folder", id: string): string {
  return `${LINKS_LOCK_DIR}/npy-append-array-${kind}-${id}.lock`;
}

/**
 * Whether this process may use {@linkcode LINKS_LOCK_DIR} without a Deno
 * permission prompt (read and write granted; always elsewhere).
 */
export function idLockDirAllowed(): boolean {
  return allowed({ name: "read", path: LINKS_LOCK_DIR }) &&
    allowed({ name: "write", path: LINKS_LOCK_DIR });
}
