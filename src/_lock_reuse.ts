/**
 * Taking a lock on a full disk (`ENOSPC`, `EDQUOT`: no block or no inode
 * left) by reusing the file of a dead hold instead of creating one. A
 * writer killed on a disk that then filled (its change record may have
 * taken the last blocks) leaves its lock file; the usual takeover creates
 * a guard and a new record, both new files, so `recover` (whose undo
 * needs no new space) failed until space was freed. Here the dead hold's
 * file (the stale lock itself, or a killed taker's leftover beside it:
 * its temporary or claimed copy, see `HOLD_TEMP`) is claimed by renaming
 * it to a name of this process (only one taker's rename succeeds; its
 * text is checked again after it, as a claimed guard's is), rewritten with
 * this hold's record within its own blocks, and linked back to the lock's
 * name (`EEXIST`: another taker made the lock meanwhile, theirs stands).
 * Where a link needs an inode too (tmpfs counts names), the claimed file
 * is renamed onto the name if the name is still free (a taker able to
 * create a file in between, on a disk out of inodes, is the window).
 * A kill leaves the claimed file under this process's name, which the
 * next taker on a full disk reuses in turn, or the tidy-up removes.
 *
 * @module
 */

import {
  baseOf,
  dirOf,
  type OpenedFile,
  type PathFs,
  quoted,
  runtimeError,
} from "./_path_fs.ts";
import { judge } from "./_lock_judge.ts";
import { LOCK_BYTES } from "./_lock_refusal.ts";
import { HOLD_TEMP } from "./_lock_names.ts";
import { isoTime, newToken, parseHolder, utf8 } from "./_lock_text.ts";
import { pathFix } from "./_system_error.ts";
import { pidNamespace } from "./_path_meta.ts";
import { processAlive, thisProcess } from "./_process_info.ts";

function codeOf(e: unknown): string {
  for (const x of [e, (e as Error | null)?.cause]) {
    const code = (x as { code?: unknown } | null)?.code;
    if (typeof code === "string") return code;
  }
  return "";
}

/** Codes of a disk out of space or inodes. */
export const FULL_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT"]);

/** Whether `e` is a full disk's failure. */
export function diskFull(e: unknown): boolean {
  return FULL_CODES.has(codeOf(e));
}

/**
 * A new hold's token and its record (JSON): the holder's pid, process
 * start time, host and runtime, and `path`.
 *
 * @param path The locked file or folder.
 * @param born When the file was created (a lock by device and inode).
 * @returns The token and the record's bytes.
 */
export function holdRecord(
  path: string,
  born: number | null,
): { token: string; bytes: Uint8Array } {
  const me = thisProcess();
  const token = newToken();
  const record = JSON.stringify({
    pid: me.pid,
    start: me.start,
    thread: me.thread,
    threadStart: me.threadStart,
    host: me.host,
    runtime: me.runtime,
    token,
    path,
    pidns: pidNamespace(),
    since: isoTime(Date.now()),
    ...(born === null ? {} : { born }),
  });
  return { token, bytes: utf8(record) };
}

/**
 * The lock `lockPath` of `path`, made on a full disk (`full`, the failure
 * to create it or its takeover guard) from a dead hold's file: the stale
 * lock whose text is `text`, or with `text` `null` (no lock file there) a
 * killed taker's leftover beside it.
 *
 * @returns The hold (its token, its file open), or `null` when another
 *   taker claimed the file or made the lock meanwhile (judge it again).
 * @throws {Error} the full disk's error saying that the file is unchanged
 *   and how much room its lock needs, when there is nothing to reuse or
 *   the record does not fit.
 */
export function reuseForLock(
  fs: PathFs,
  lockPath: string,
  path: string,
  verb: string,
  born: number | null,
  text: string | null,
  full: unknown,
): { token: string; file: OpenedFile } | null {
  const { token, bytes } = holdRecord(path, born);
  let f: OpenedFile | null;
  try {
    f = text === null
      ? reuseLeftover(fs, lockPath, bytes)
      : reuseDeadHold(fs, lockPath, lockPath, text, bytes);
  } catch (e) {
    throw lockNeedsRoom(diskFull(e) ? e : full, verb, path, lockPath);
  }
  if (f === null && text === null && !fs.exists(lockPath)) {
    throw lockNeedsRoom(full, verb, path, lockPath);
  }
  return f === null ? null : { token, file: f };
}

/**
 * The claim `<lock>.claim` of `lockPath`, made on a full disk (`full`, the
 * failure to create it) from the stale takeover guard's own file (its text
 * `text`): renamed aside, checked, rewritten with this hold's record and
 * linked to the claim's name, so the stale guard is gone. (Removing a
 * stale guard needs the claim, a new file: a taker killed while it held
 * the guard, then a full disk, and `recover` failed.)
 *
 * @returns The claim's hold, or `null` when the guard was claimed or
 *   replaced by another taker meanwhile, or another's claim stands.
 * @throws the full disk's error, naming the file and the room its lock
 *   needs, when the record does not fit in the guard's blocks.
 */
export function reuseGuardAsClaim(
  fs: PathFs,
  lockPath: string,
  path: string,
  verb: string,
  text: string,
  full: unknown,
): { token: string; file: OpenedFile } | null {
  const { token, bytes } = holdRecord(path, null);
  const claim = `${lockPath}.claim`;
  let f: OpenedFile | null;
  try {
    f = reuseDeadHold(fs, claim, `${lockPath}.takeover`, text, bytes);
  } catch (e) {
    throw lockNeedsRoom(diskFull(e) ? e : full, verb, path, lockPath);
  }
  return f === null ? null : { token, file: f };
}

/**
 * The error of a lock that could not be made on a full disk: the
 * system's words, that nothing was changed, and the room a lock needs.
 */
function lockNeedsRoom(
  e: unknown,
  verb: string,
  path: string,
  lockPath: string,
): Error {
  const code = codeOf(e);
  const raw = (e as Error | null)?.cause ?? e;
  const out = runtimeError(
    codeOf(raw) !== "" ? raw : e,
    verb,
    path,
  ) as Error;
  const generic = pathFix(code, verb)[1];
  if (generic !== "" && out.message.endsWith(generic)) {
    out.message = out.message.slice(0, -generic.length);
  }
  out.message += `; the file is unchanged: its lock ${
    quoted(lockPath)
  } needs a free inode and one block (4096 bytes) on that disk (no lock of a writer killed there was left to reuse); free that much, then try again`;
  return Object.assign(out, { code });
}

/**
 * Makes `lockPath` a hold of `record` by reusing the file at `source`
 * (the stale lock, or a dead hold's leftover) whose text was `text`.
 *
 * @returns The hold's file (open; the caller closes it), or `null` when
 *   the file was claimed or replaced by another taker meanwhile.
 * @throws the disk's error when the record does not fit in the file's
 *   blocks (the file is put back as it was).
 */
export function reuseDeadHold(
  fs: PathFs,
  lockPath: string,
  source: string,
  text: string,
  record: Uint8Array,
): OpenedFile | null {
  const aside = `${lockPath}.${thisProcess().pid}.${newToken()}.stale`;
  try {
    fs.rename(source, aside);
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null;
    throw e;
  }
  const putBack = () => {
    try {
      fs.link(aside, source);
    } catch {
      // Another one stands there: theirs.
    }
    try {
      fs.remove(aside);
    } catch {
      // Left under this process's name: the tidy-up removes it.
    }
  };
  if (fs.readText(aside, LOCK_BYTES) !== text) {
    putBack();
    return null;
  }
  let f: OpenedFile;
  try {
    f = fs.open(aside, "write", "lock");
  } catch (e) {
    putBack();
    throw e;
  }
  try {
    f.writeSync(record, 0);
    if (f.sizeSync() > record.length) f.truncateSync?.(record.length);
  } catch (e) {
    try {
      const old = new TextEncoder().encode(text);
      f.writeSync(old, 0);
      f.truncateSync?.(old.length);
    } catch {
      // The text as it is: stale either way (unreadable, or a dead pid).
    }
    f.closeSync();
    putBack();
    throw e;
  }
  try {
    fs.link(aside, lockPath);
  } catch (e) {
    const code = codeOf(e);
    if (code === "EEXIST" || !placeByRename(fs, aside, lockPath, e)) {
      f.closeSync();
      try {
        fs.remove(aside);
      } catch {
        // Left under this process's name: the tidy-up removes it.
      }
      if (code === "EEXIST") return null;
      throw e;
    }
    return f;
  }
  try {
    fs.remove(aside);
  } catch {
    // A second name of the lock, this process's: the tidy-up removes it.
  }
  return f;
}

/**
 * Makes the hold at `from` (this process's, whole) the lock `lockPath`:
 * linked to it (`EEXIST`: another's lock stands there), then its own name
 * removed. Where the link itself needs room (tmpfs counts names) or links
 * are not supported, renamed onto the name if it is still free. (A bare
 * look then rename replaced a lock made in between by a live writer,
 * which this hold's release then removed: two writers.)
 *
 * @returns Whether `lockPath` is now this hold; `false`: another's lock
 *   is there.
 * @throws the link's error when neither could be done.
 */
export function placeHold(
  fs: PathFs,
  from: string,
  lockPath: string,
): boolean {
  try {
    fs.link(from, lockPath);
  } catch (e) {
    if (codeOf(e) === "EEXIST") return false;
    if (placeByRename(fs, from, lockPath, e)) return true;
    if (fs.exists(lockPath)) return false;
    throw e;
  }
  try {
    fs.remove(from);
  } catch {
    // A second name of the lock, this process's: the tidy-up removes it.
  }
  return true;
}

/**
 * Where a link fails for want of an inode (or links are not supported):
 * renames `aside` onto `lockPath` if nothing is there. `false`: something
 * is (another taker's lock), or the rename failed.
 */
function placeByRename(
  fs: PathFs,
  aside: string,
  lockPath: string,
  e: unknown,
): boolean {
  if (!diskFull(e) && !/^(EPERM|ENOTSUP|EOPNOTSUPP|ENOSYS)$/.test(codeOf(e))) {
    return false;
  }
  try {
    if (fs.exists(lockPath)) return false;
    fs.rename(aside, lockPath);
    return true;
  } catch {
    return false;
  }
}

/**
 * On a full disk with no lock file to take over: reuses a dead hold's
 * leftover beside `lockPath` (a killed taker's temporary, or a file
 * claimed by a taker killed before it put it back) as the lock.
 *
 * @returns The hold's file, or `null` when there is none to reuse.
 */
function reuseLeftover(
  fs: PathFs,
  lockPath: string,
  record: Uint8Array,
): OpenedFile | null {
  const base = baseOf(lockPath).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${base}${HOLD_TEMP}$`);
  const dir = lockPath.slice(0, lockPath.length - baseOf(lockPath).length);
  let names: string[];
  try {
    names = fs.list(dirOf(lockPath));
  } catch {
    return null;
  }
  const me = thisProcess().pid;
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null || Number(m[1]) === me) continue;
    const file = dir + name;
    try {
      const text = fs.readText(file, LOCK_BYTES);
      if (text === null) continue;
      // Empty or torn (killed before or while writing it): its name's pid
      // says whether its taker is gone; a whole record is judged.
      const dead = parseHolder(text) === null
        ? processAlive(Number(m[1]), null) === false
        : judge(fs, file, text) === "stale";
      if (!dead) continue;
      const f = reuseDeadHold(fs, lockPath, file, text, record);
      if (f !== null) return f;
    } catch {
      // Not this one: the next.
    }
    if (fs.exists(lockPath)) return null;
  }
  return null;
}
