/**
 * One writer per file, on every runtime and between runtimes: a lock file
 * `<path>.lock` (for a folder, the sibling `<dir>.lock`) holding JSON with
 * the holder's pid, process start time (Linux), host name and runtime,
 * plus a random token for this hold. It appears whole: the record is
 * written to a temporary `<lock>.<pid>.<token>.new` (`O_EXCL`) that is
 * hard-linked to the lock name (failing if it exists) and then removed.
 * Before it, the taker marks it in the first free slot `<lock>.<k>.new`
 * (locks in `/tmp` by device and inode share `npy-append-array-hold.<k>.new`;
 * see `_lock_slots.ts`), a symlink naming the temporary: a killed taker's
 * slot (its pid dead) and temporary are removed by the next taker that
 * tries it, of that lock or, in `/tmp`, of any, so they do not pile up
 * where a folder is never listed; a live taker's is passed over. Unmarked
 * temporaries (no free slot, no symlinks), slots past the first free one,
 * and a takeover guard a killed taker left (or had claimed aside) are
 * removed, once their pid is dead, by the next holder: the folder is
 * listed for them when that is cheap (the folder's entries take at most
 * {@linkcode TIDY_FOLDER_BYTES}), after a stale lock or guard was taken
 * over (a kill left them) and by every `recover`. So opening
 * costs the same in a folder of 40,000 files as in an empty one.
 * Where hard links are not supported the lock file is created
 * with `O_CREAT | O_EXCL` and then written.
 *
 * - Created: the lock is held until {@linkcode HeldLock.release}, which
 *   removes the file only while it still holds this hold's token.
 * - Exists, holder alive (same host, pid alive with the same start time),
 *   this process included, or on another host: {@linkcode NpyLockedError}
 *   at once.
 * - Exists, holder dead (same host, pid gone or reused): taken over. A
 *   taker first creates the guard `<lock>.takeover` (`O_EXCL`), re-reads
 *   the lock file, and only if it still holds the same dead holder's text
 *   removes it and creates its own; then drops the guard. Two takers of
 *   one stale lock: the second finds the guard (refused) or, after the
 *   first dropped it, a live holder (refused). A guard left by a killed
 *   taker is itself stale by the same test and is removed the same way,
 *   under a guard of its own, `<lock>.claim` (read again under it, removed
 *   only if unchanged): no live guard is ever moved or removed (stop 26:
 *   renaming a stale guard aside to check it, with takers paused there,
 *   let a third taker make a second guard and two writers hold one file).
 *   A claim left by a taker killed while it held it is claimed by renaming
 *   it to a unique name (only one rename succeeds) and checking the
 *   renamed text, putting back with `link` one renamed by mistake; that
 *   remaining window needs a taker killed while it held the claim.
 * - Exists, holder a hold this process dropped but could not remove (its disk
 *   turned read-only or failing): stale, taken over as above; removed again at
 *   a normal exit. Other processes find it held until this process ends.
 * - An empty or unreadable lock file (made by the fallback, its holder
 *   killed between creating and writing it) counts as stale once it is older than
 *   {@linkcode EMPTY_LOCK_GRACE_MS} (or dated that far ahead: a clock set
 *   back since); before that the lock is busy.
 * - A lock or guard file this user may not read (another user's, private):
 *   its holder cannot be judged, so {@linkcode NpyLockedError}, never taken
 *   over. One that is no regular file of at most `LOCK_BYTES` (a folder, a
 *   FIFO, a device, a symlink to a data file): a `TypeError` naming it,
 *   never waited on or read whole.
 *
 * @module
 */

import { createWhole, removeDeadTemps } from "./_path_whole.ts";
import {
  dropHold,
  type HeldLock,
  type Hold,
  holding,
  keepById,
} from "./_lock_hold.ts";
import { earlierFiles, judge } from "./_lock_judge.ts";
import {
  openHoldTemp,
  removeDeadSlot,
  removeDeadSlotAsides,
} from "./_lock_slots.ts";
import { lockNotCreated, newToken, parseHolder } from "./_lock_text.ts";
import {
  LOCK_BYTES,
  lockedError,
  sameHost,
  unreadable,
  unreadableLock,
  unremovableStale,
} from "./_lock_refusal.ts";
import {
  HOLD_SLOTS,
  HOLD_TEMP,
  holdSlot,
  lockPathOf,
  lockTarget,
  refuseLongName,
} from "./_lock_names.ts";
import {
  baseOf,
  dirOf,
  type PathFs,
  pathFs,
  quoted,
  runtimeError,
} from "./_path_fs.ts";
import { thisProcess } from "./_process_info.ts";
import {
  diskFull,
  holdRecord,
  placeHold,
  reuseForLock,
  reuseGuardAsClaim,
} from "./_lock_reuse.ts";

export { type HeldLock, unremovedLockOf } from "./_lock_hold.ts";

/**
 * A folder whose entries take at most this many bytes (`stat`'s size: a
 * few hundred names on ext4 or tmpfs; Windows reports 0) is listed for
 * killed takers' temporaries at every lock taken, which costs under a
 * millisecond; a larger one only after a takeover and on `recover` (a
 * listing of 37,000 names took 50 ms on Node and 90 ms on Deno).
 */
export const TIDY_FOLDER_BYTES = 16384;

export { EMPTY_LOCK_GRACE_MS, judge, type Verdict } from "./_lock_judge.ts";

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Creates `file` holding a new hold record, atomically: the record is
 * written whole to a temporary beside it (named with this pid), which is
 * then hard-linked to `file` (`EEXIST` if it is taken) and removed, so a
 * kill at any moment leaves either no `file` or a whole record. Where the
 * file system has no hard links, `file` is created with `O_EXCL` and
 * written (a kill in between leaves it empty: see `judge`).
 *
 * @returns The hold (its token and the file, still open: the caller closes
 *   it), or `null` if the file exists.
 */
function tryCreate(
  fs: PathFs,
  file: string,
  path: string,
  verb: string,
  born: number | null = null,
  slot = true,
): Hold | null {
  const { token, bytes } = holdRecord(path, born);
  try {
    const f = createWhole(
      fs,
      file,
      () => openHoldTemp(fs, file, token, slot),
      (f) => f.writeSync(bytes, 0),
    );
    if (f === null) return null;
    return { token, file: f };
  } catch (e) {
    if (codeOf(e) === "EEXIST") return null;
    const raw = (e as Error).cause; // the runtime's, named after the path
    // On a full disk the record cannot be written even where the file
    // exists: then it is judged (held: `NpyLockedError` naming the holder;
    // stale: taken over in place, `_lock_reuse.ts`).
    if (diskFull(e) && fs.readText(file, LOCK_BYTES) !== null) return null;
    const named = codeOf(raw) !== undefined ||
      (raw as Error | undefined)?.name === "NotCapable";
    throw lockNotCreated(runtimeError(named ? raw : e, verb, path), file);
  }
}

/**
 * Removes the hold-record temporaries (`<lock>.<pid>.<token>.new`, of the
 * lock, its guard or its claim) and claimed claims
 * (`<lock>.claim.<pid>.<token>.stale`, see {@linkcode claimStale}; older
 * versions' `.takeover` ones too) of takers killed before they removed
 * them, and a guard or claim whose taker was killed before it dropped it
 * (not live ones; a guard under the claim, {@linkcode removeStaleGuard}).
 */
function removeDeadHoldTemps(fs: PathFs, lockPath: string): void {
  const names = removeDeadTemps(
    fs,
    lockPath,
    "",
    HOLD_TEMP,
    (file) => {
      // A claimed guard holds its dead holder's record, not the claimer's.
      if (file.endsWith(".stale")) return null;
      const h = parseHolder(fs.readText(file, LOCK_BYTES));
      return h !== null && !sameHost(h) ? "skip" : h?.start ?? null;
    },
  );
  // Listed after the lock was taken: a guard not listed then is a later,
  // live taker's (on Deno a missing file's look costs a thrown error).
  const guard = `${lockPath}.takeover`;
  const claim = `${lockPath}.claim`;
  if (names === null || names.includes(baseOf(claim))) {
    claimIfStale(fs, claim);
  }
  if (names === null || names.includes(baseOf(guard))) {
    try {
      const text = fs.readText(guard, LOCK_BYTES);
      if (judge(fs, guard, text) === "stale") {
        removeStaleGuard(
          fs,
          lockPath,
          text!,
          lockPath,
          "open",
          true,
          (f) => fs.readText(f, LOCK_BYTES),
        );
      }
    } catch {
      // Left: the next taker of that lock judges it again.
    }
  }
  // Slots (a killed taker's record; a live taker's stays): those listed,
  // and the asides of killed claimers.
  const listed = new Set(names ?? []);
  for (const file of [lockPath, guard, claim]) {
    for (let k = 0; k < HOLD_SLOTS; k++) {
      const slot = holdSlot(file, k);
      if (listed.has(baseOf(slot))) removeDeadSlot(fs, slot);
      if (names !== null) removeDeadSlotAsides(fs, slot, names);
    }
  }
}

/** Whether `dir` is cheap to list (see {@linkcode TIDY_FOLDER_BYTES}). */
function smallFolder(fs: PathFs, dir: string): boolean {
  try {
    return (fs.size(dir) ?? 0) <= TIDY_FOLDER_BYTES;
  } catch {
    return false;
  }
}

/**
 * Removes the takeover guard of `lockPath`, judged stale with the text
 * `text` (its taker was killed while it held it), under a guard of its
 * own, `<lock>.claim`: read again under it and removed only if unchanged.
 * No one creates a guard while a stale one is at its name, and only a
 * holder of the claim removes one, so a live guard is never removed. (A
 * stale guard was renamed aside to be checked and a live one put back;
 * with takers paused there, a third taker made a second guard meanwhile,
 * removed the lock the second had just taken, and two writers held one
 * file.) A claim whose taker was killed while it held it is itself claimed
 * by {@linkcode claimStale}: that window needs a kill there too.
 *
 * @returns `"done"` (the stale guard is gone, or changed: judge again) or
 *   `"busy"` (another taker holds the claim: a live one, or one that
 *   cannot be judged).
 */
function removeStaleGuard(
  fs: PathFs,
  lockPath: string,
  text: string,
  path: string,
  verb: string,
  slot: boolean,
  read: (file: string) => string | null,
): "done" | "busy" {
  const guard = `${lockPath}.takeover`;
  const claim = `${lockPath}.claim`;
  let hold: Hold | null;
  try {
    hold = tryCreate(fs, claim, path, verb, null, slot);
  } catch (e) {
    if (!diskFull(e)) throw e;
    // No room for a claim: the stale guard's own file becomes it.
    hold = reuseGuardAsClaim(fs, lockPath, path, verb, text, e);
    if (hold === null) return "done";
  }
  if (hold === null) {
    const claimText = read(claim);
    const verdict = judge(fs, claim, claimText);
    if (verdict === "held" || verdict === "unknown") return "busy";
    if (verdict === "stale") {
      try {
        if (!claimStale(fs, claim, claimText!)) return "done";
      } catch (e) {
        throw unremovableStale(e, path, claim, lockPath, verb, claimText!) ??
          e;
      }
    }
    hold = tryCreate(fs, claim, path, verb, null, slot);
    if (hold === null) return "done";
  }
  try {
    if (read(guard) === text) {
      try {
        fs.remove(guard);
      } catch (e) {
        const no = unremovableStale(e, path, guard, lockPath, verb, text);
        if (no !== null) throw no;
        if (codeOf((e as Error).cause ?? e) !== "ENOENT") throw e;
      }
    }
  } finally {
    dropHold(fs, claim, hold);
  }
  return "done";
}

/**
 * Claims a stale file by renaming it to a unique name, then checks that
 * the renamed file is the one judged stale (`text`); if another taker had
 * replaced it meanwhile, puts that one back.
 *
 * @returns Whether the stale file is gone.
 */
function claimStale(fs: PathFs, file: string, text: string): boolean {
  // Named with this pid: left by a kill, the next tidy-up removes it.
  const aside = `${file}.${thisProcess().pid}.${newToken()}.stale`;
  try {
    fs.rename(file, aside);
  } catch (e) {
    if (codeOf(e) === "ENOENT" || codeOf((e as Error).cause) === "ENOENT") {
      return false;
    }
    throw e;
  }
  const got = fs.readText(aside, LOCK_BYTES);
  if (got !== text) {
    try {
      fs.link(aside, file);
    } catch {
      // Someone else created it meanwhile: theirs stands.
    }
    fs.remove(aside);
    return false;
  }
  fs.remove(aside);
  return true;
}

/**
 * Removes what takers of `lockPath` killed meanwhile left: the lock itself
 * if its holder is gone (a dead pid on this host, or unreadable and older
 * than {@linkcode EMPTY_LOCK_GRACE_MS}; a live or unknown holder's stays,
 * and so does anything that cannot be read), and their hold-record
 * temporaries and guards, as the next taker that holds it would. For
 * locks no one may take again (a stack's live shard sealed or never made:
 * another number is live next).
 *
 * @param lockPath A lock file (`<path>.lock`).
 */
export function removeDeadLock(lockPath: string): void {
  const fs = pathFs();
  claimIfStale(fs, lockPath);
  removeDeadHoldTemps(fs, lockPath);
}

/** Claims and removes `file` (a lock or guard) if it is stale. */
function claimIfStale(fs: PathFs, file: string): void {
  try {
    const text = fs.readText(file, LOCK_BYTES);
    if (judge(fs, file, text) === "stale") claimStale(fs, file, text!);
  } catch {
    // Left: the next taker of that file judges it again.
  }
}

/**
 * Takes the lock of a file or folder path, or throws at once.
 *
 * @param path The file or folder.
 * @param verb What is being done, for messages (`"open"`, `"recover"`).
 * @param missing The caller just found nothing at `path` (a new file): its
 * lock is `path`'s own, with no symlink to resolve (saves a failing call).
 * @returns The held lock; call `release()` when done.
 * @throws {NpyLockedError} when another writer (in this process or any
 * other, on any runtime, on this host or another) holds it.
 */
export function acquireLock(
  path: string,
  verb: string,
  missing = false,
): HeldLock {
  const lockPath = lockPathOf(missing ? path : lockTarget(path));
  refuseLongName(path, verb, lockPath);
  return lockAt(path, verb, lockPath);
}

/**
 * {@linkcode acquireLock} of `lockPath`; `byId`: refusals name the
 * holder's path; `born`: when the file was created, for a lock by device
 * and inode (one written before it is an earlier file's: stale).
 */
export function lockAt(
  path: string,
  verb: string,
  lockPath: string,
  byId = false,
  born: number | null = null,
): HeldLock {
  const fs = pathFs();
  const refuse = (text: string | null, unknown = false) =>
    lockedError(path, lockPath, verb, text, unknown, byId);
  // A lock or guard of another user that this one may not read: held.
  const read = (file: string) => {
    try {
      return fs.readText(file, LOCK_BYTES);
    } catch (e) {
      throw unreadable(e) ? unreadableLock(path, file, verb) : e;
    }
  };
  // Whether to remove killed takers' temporaries once held even from a
  // large folder: after a takeover (a kill happened) and on recover (not
  // of a lock by device and inode: /tmp is listed only when small or
  // after a takeover, its slots are tried by every taker).
  let tidy = verb === "recover" && !byId;
  // A small folder is listed once the lock is held, which finds a killed
  // taker's temporary: its takers need no slot (two calls each).
  const small = smallFolder(fs, dirOf(lockPath));
  // A name found taken (EEXIST) with nothing readable behind it.
  let vanished: string | null = null;
  // On a full disk, a dead hold's file is reused (`_lock_reuse.ts`).
  let full: unknown = null;
  const create = (file: string, b = born): Hold | null | "full" => {
    try {
      return tryCreate(fs, file, path, verb, b, !small);
    } catch (e) {
      if (!diskFull(e)) throw e;
      full = e;
      return "full";
    }
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let hold = create(lockPath);
    if (hold === "full") {
      hold = reuseForLock(fs, lockPath, path, verb, born, null, full);
      tidy = true;
    }
    if (hold !== null) return held(fs, lockPath, hold, tidy || small, byId);
    const text = read(lockPath);
    const verdict = earlierFiles(fs, lockPath, text, born)
      ? "stale"
      : judge(fs, lockPath, text);
    if (verdict === "missing") {
      vanished = lockPath;
      continue;
    }
    if (verdict === "held" || verdict === "unknown") {
      throw refuse(text, verdict === "unknown");
    }
    // Stale: take it over under the guard.
    tidy = true;
    const guard = `${lockPath}.takeover`;
    let guardHold = create(guard, null);
    if (guardHold === null) {
      const guardText = read(guard);
      const guardVerdict = judge(fs, guard, guardText);
      if (guardVerdict === "held" || guardVerdict === "unknown") {
        throw refuse(guardText);
      }
      if (guardVerdict === "stale") {
        const claim = `${lockPath}.claim`;
        const got = removeStaleGuard(
          fs,
          lockPath,
          guardText!,
          path,
          verb,
          !small,
          read,
        );
        if (got === "busy") throw refuse(read(claim));
      }
      guardHold = create(guard, null);
      if (guardHold === null) {
        if (read(guard) === null) vanished = guard;
        continue;
      }
    }
    if (guardHold === "full") {
      // No room for the guard (and none was there): the stale lock's own
      // file becomes this hold, claimed by a rename.
      const mine = reuseForLock(fs, lockPath, path, verb, born, text, full);
      if (mine !== null) return held(fs, lockPath, mine, true, byId);
      continue;
    }
    try {
      if (read(lockPath) === text) {
        try {
          fs.remove(lockPath);
        } catch (e) {
          // A folder with the sticky bit (/tmp): only its owner may.
          const no = unremovableStale(e, path, lockPath, lockPath, verb, text!);
          if (no !== null) throw no;
          if ((codeOf((e as Error).cause ?? e) ?? codeOf(e)) !== "ENOENT") {
            throw e;
          }
        }
      }
      const mine = create(lockPath);
      if (mine === "full" && placeHold(fs, guard, lockPath)) {
        // No room for a new lock: the guard (this process's hold) is
        // made the lock (linked; renamed only where a link needs room).
        const own = guardHold;
        guardHold = null;
        return held(fs, lockPath, own, true, byId);
      }
      if (mine !== null && mine !== "full") {
        return held(fs, lockPath, mine, tidy || small, byId);
      }
    } finally {
      if (guardHold !== null) dropHold(fs, guard, guardHold);
    }
  }
  if (vanished !== null && danglingLink(fs, vanished)) {
    throw new TypeError(
      `Cannot ${verb} ${quoted(path)}: its lock file ${
        quoted(vanished)
      } is a symlink to a missing file; remove it`,
    );
  }
  throw refuse(read(lockPath));
}

/**
 * Whether the name `file` is taken (listed in its folder) while nothing
 * can be read behind it: a symlink to a missing file, which `link` and
 * `O_EXCL` do not follow, so no lock could ever be created there.
 */
function danglingLink(fs: PathFs, file: string): boolean {
  if (fs.readText(file, LOCK_BYTES) !== null) return false;
  return fs.list(dirOf(file)).includes(baseOf(file));
}

let hooked = false;

function releaseAll(): void {
  for (const lock of [...holding]) {
    try {
      lock.release();
    } catch {
      // exiting: nothing else to do
    }
  }
}

/**
 * `hold` of `lockPath`, held until released. A lock by device and inode
 * (`byId`, in `/tmp`, never moved) keeps no descriptor: released by name
 * (`isMine` in `_lock_hold.ts`), so a writer holds two, not three. A lock
 * beside its file keeps its own: moved away with its folder, it is emptied
 * through it.
 */
function held(
  fs: PathFs,
  lockPath: string,
  hold: Hold,
  tidy: boolean,
  byId = false,
): HeldLock {
  // A taker killed while writing its record left its temporary: remove it
  // (`tidy`: after a takeover, on recover, or from a small folder).
  if (tidy) removeDeadHoldTemps(fs, lockPath);
  if (byId) keepById(lockPath, hold);
  let done = false;
  const lock: HeldLock = {
    lockPath,
    release() {
      if (done) return;
      done = true;
      holding.delete(lock);
      dropHold(fs, lockPath, hold);
    },
  };
  holding.add(lock);
  if (!hooked) {
    hooked = true;
    // A writer never closed leaves no lock file at a normal exit (a
    // killed process leaves one, which the next writer takes over). On
    // Deno the `unload` event, not `process` (whose first use loads the
    // Node compatibility layer, 10 to 25 ms).
    const g = globalThis as {
      Deno?: unknown;
      addEventListener?(event: string, f: () => void): void;
      process?: { once?(event: string, f: () => void): unknown };
    };
    if (g.Deno !== undefined && g.addEventListener !== undefined) {
      g.addEventListener("unload", releaseAll);
    } else g.process?.once?.("exit", releaseAll);
  }
  return lock;
}
