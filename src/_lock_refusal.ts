/**
 * The lock's refusals (`_lock.ts`): the {@linkcode NpyLockedError} naming a
 * lock's holder and the fix, and the test of whether a holder is this
 * host's.
 *
 * @module
 */

import { NpyLockedError } from "./errors.ts";
import { describe, type Holder, parseHolder } from "./_lock_text.ts";
import { pidNamespace } from "./_path_meta.ts";
import { quoted } from "./_path_fs.ts";
import { thisProcess } from "./_process_info.ts";

/** The most bytes a lock record is read from (one takes a few hundred). */
export const LOCK_BYTES = 65536;

/**
 * Whether the holder runs on this host, in this pid namespace. A host name
 * or namespace unknown on either side (Deno without `--allow-sys`) counts as
 * this one (but see `judge` for a namespace unknown only here).
 */
export function sameHost(h: Holder): boolean {
  const mine = thisProcess().host;
  const ns = pidNamespace(); // another one's pids cannot be checked here
  return (h.host === mine || h.host === "" || mine === "") &&
    (h.pidns === ns || h.pidns === "" || ns === "");
}

/**
 * The refusal of a lock held by another hold (or whose holder cannot be
 * judged): names the path, the holder and the fix.
 *
 * @param path The file or folder.
 * @param lockPath Its lock file.
 * @param verb What was being done.
 * @param text The lock file's text.
 * @param unknown Whether the holder's life could not be told (Deno).
 * @param byId Whether the lock is by identity (names the holder's path).
 * @returns The error.
 */
export function lockedError(
  path: string,
  lockPath: string,
  verb: string,
  text: string | null,
  unknown = false,
  byId = false,
): NpyLockedError {
  const h = parseHolder(text);
  const me = thisProcess();
  const who = describe(h);
  let fix: string;
  if (h === null) {
    fix = "another process is creating its lock right now; try again";
  } else if (!sameHost(h)) {
    const where = h.host === thisProcess().host
      ? "in another pid namespace (a container)"
      : "another host";
    fix = `it is held by ${who}, ${where}; close that writer, or remove ${
      quoted(lockPath)
    } if that process is gone`;
  } else if (
    h.pid === me.pid && (h.start === me.start || h.start === null ||
      me.start === null)
  ) {
    // One file or folder under two paths (a hard link, a symlink, a bind
    // mount): the holder's path is the other one, which "close that first"
    // would not find.
    fix = byId && h.path !== path
      ? `this process holds it as ${
        quoted(h.path)
      }: the two paths are one file or folder (a hard link, symlink or bind mount), and two writers on it would write over each other's rows; close that one first, or write through one path only`
      : "this process holds it (another writer or maintenance call); close that first";
  } else if (unknown) {
    const [flag, run] = h.pidns !== "" && pidNamespace() === ""
      ? ["-A (its pid namespace may be another's)", "-A"]
      : ["--allow-run", "--allow-run (or -A)"];
    fix =
      `it is held by ${who}, and Deno may not tell whether that process is alive without ${flag}; close that writer, run with ${run} to take over a lock left by a dead process, or remove ${
        quoted(lockPath)
      } if that process is gone`;
  } else {
    const as = byId && h.path !== path ? ` as ${quoted(h.path)}` : "";
    fix = `it is held by ${who}${as}; close that writer first, or wait for it`;
  }
  return new NpyLockedError(
    `Cannot ${verb} ${quoted(path)}: ${fix}`,
    { path, lockPath, holder: who },
  );
}

/**
 * Whether `e` (from reading a lock file) says this user may not read it:
 * another user's private lock, whose holder cannot be judged.
 */
export function unreadable(e: unknown): boolean {
  return [e, (e as Error | null)?.cause].some((x) => {
    const { code, name } = (x ?? {}) as { code?: unknown; name?: unknown };
    return code === "EACCES" || code === "EPERM" ||
      name === "PermissionDenied";
  });
}

/**
 * The refusal of a lock file this user may not read (another user's,
 * private: its holder, alive or not, cannot be told).
 *
 * @param path The file or folder.
 * @param lockPath The lock file (or its takeover guard) that cannot be read.
 * @param verb What was being done.
 * @returns The error.
 */
export function unreadableLock(
  path: string,
  lockPath: string,
  verb: string,
): NpyLockedError {
  return new NpyLockedError(
    `Cannot ${verb} ${quoted(path)}: its lock file ${
      quoted(lockPath)
    } is another user's, which this user may not read, so whether its writer is alive cannot be told; close that writer first, or have the lock's owner or root remove it if no writer runs`,
    { path, lockPath, holder: "" },
  );
}

/**
 * The refusal of a stale lock, takeover guard or claim (`file`, its dead
 * holder's `text`) whose removal failed with `e` because this process may
 * not remove it (another user's in a folder with the sticky bit, such as
 * `/tmp`, or an immutable file); `null` for any other failure. Never taken
 * over, and never skipped: a lock by device and inode that is refused so
 * is not left out as one that cannot be made (stop 27).
 *
 * @param e The removal's (or rename's) failure.
 * @param path The file or folder.
 * @param file The lock, guard or claim file.
 * @param lockPath The lock file `file` belongs to.
 * @param verb What was being done.
 * @param text `file`'s text, naming its ended holder.
 * @returns The error, or `null`.
 */
export function unremovableStale(
  e: unknown,
  path: string,
  file: string,
  lockPath: string,
  verb: string,
  text: string,
): NpyLockedError | null {
  if (!unreadable(e)) return null;
  const holder = describe(parseHolder(text));
  const what = file === lockPath
    ? "its lock"
    : file.endsWith(".takeover")
    ? "its lock's takeover guard"
    : "its lock's claim";
  return new NpyLockedError(
    `Cannot ${verb} ${quoted(path)}: ${what} ${
      quoted(file)
    } was left by ${holder}, which has ended, and this process may not remove it (a folder with the sticky bit, such as /tmp, lets only its owner); its owner or root must remove it`,
    { path, lockPath: file, holder },
  );
}
