/**
 * Path metadata the maintenance functions need beyond opening files: the
 * real path behind symlinks, mode, owner and link count. Deno's API where
 * `Deno` exists, else `node:fs`; no static `node:` import.
 *
 * @module
 */

import { nodeFs } from "./adapters/node.ts";
import { NpyFormatError } from "./errors.ts";
import { fileId, pathFs, quoted, runtimeError } from "./_path_fs.ts";
import { allowed } from "./_process_info.ts";
import { nodeStyle } from "./_deno_error_style.ts";

/** What {@linkcode statPath} reports. */
export interface PathMeta {
  /** Permission bits (`0o777` and the sticky/set-id bits), or `null`. */
  mode: number | null;
  /** Owner user id, or `null` (Windows). */
  uid: number | null;
  /** Owner group id, or `null` (Windows). */
  gid: number | null;
  /** Hard links to the file. */
  nlink: number;
  /** The device and inode that name the file on this host, or `null`. */
  id: string | null;
  /** When the file was created (ms since the epoch), or `null` where the system does not say. */
  born: number | null;
  /**
   * The inode's birth, change and modification times (`btime/ctime/mtime`,
   * ms): differs once it is made anew, written, linked, renamed or chmod-ed
   * (Deno gives `ctime` in whole seconds; its other two have ms); `null`
   * where the runtime gives none of them.
   */
  stamp: string | null;
}

interface DenoMeta {
  realPathSync(path: string): string;
  statSync(path: string): {
    mode: number | null;
    uid: number | null;
    gid: number | null;
    nlink: number | null;
    dev: number;
    ino: number | null;
    birthtime: Date | null;
    ctime?: Date | null;
    mtime: Date | null;
  };
  chmodSync(path: string, mode: number): void;
  chownSync(path: string, uid: number | null, gid: number | null): void;
  openSync(path: string, o: { read: boolean }): {
    syncSync(): void;
    close(): void;
  };
}

interface NodeMeta {
  realpathSync(path: string): string;
  statSync(path: string): {
    mode: number;
    uid: number;
    gid: number;
    nlink: number;
    dev: number;
    ino: number;
    birthtimeMs: number;
    ctimeMs: number;
    mtimeMs: number;
  };
  chmodSync(path: string, mode: number): void;
  chownSync(path: string, uid: number, gid: number): void;
  openSync(path: string, flags: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

function deno(): DenoMeta | undefined {
  const d = (globalThis as { Deno?: DenoMeta }).Deno;
  return d !== undefined && typeof d.realPathSync === "function"
    ? d
    : undefined;
}

function node(): NodeMeta | undefined {
  return nodeFs() as unknown as NodeMeta | undefined;
}

/**
 * The path of the file itself, every symlink on the way resolved; `path`
 * itself when nothing is there.
 *
 * @param path The path.
 * @returns The real path.
 */
export function realPath(path: string): string {
  try {
    const d = deno();
    if (d !== undefined) return d.realPathSync(path);
    const n = node();
    return n === undefined ? path : n.realpathSync(path);
  } catch {
    return path;
  }
}

let pidns: string | undefined;

/**
 * This process's pid namespace (Linux: the identity of
 * `/proc/self/ns/pid`), `""` where unknown. Pids and start times of a
 * process in another namespace (a container) cannot be checked from this
 * one: the same number names another process, or none.
 *
 * @returns `<dev>-<ino>`, or `""`.
 */
export function pidNamespace(): string {
  if (pidns !== undefined) return pidns;
  pidns = "";
  if (!allowed({ name: "read", path: "/proc" })) return pidns;
  try {
    pidns = statPath("/proc/self/ns/pid", "read").id ?? "";
  } catch {
    // not Linux, or no /proc
  }
  return pidns;
}

/** `PathMeta.stamp` from a Deno `stat`. */
function stampOf(...times: (Date | null | undefined)[]): string | null {
  const ms = times.map((t) => t?.getTime() ?? null);
  return ms.every((t) => t === null) ? null : ms.join("/");
}

/**
 * Mode, owner, link count and identity of the file at `path` (symlinks
 * followed).
 *
 * @param path The path.
 * @param verb What is being done, for messages (`"rewrite"`).
 * @returns The facts.
 * @throws the runtime's error (with `code`) as `Cannot <verb> "<path>": ...`.
 */
export function statPath(path: string, verb: string): PathMeta {
  try {
    const d = deno();
    if (d !== undefined) {
      const s = d.statSync(path);
      return {
        mode: s.mode,
        uid: s.uid,
        gid: s.gid,
        nlink: s.nlink ?? 1,
        id: fileId(s.dev, s.ino),
        born: s.birthtime?.getTime() ?? null,
        stamp: stampOf(s.birthtime, s.ctime, s.mtime),
      };
    }
    const s = node()!.statSync(path);
    return {
      mode: s.mode,
      uid: s.uid,
      gid: s.gid,
      nlink: s.nlink,
      id: fileId(s.dev, s.ino),
      born: s.birthtimeMs > 0 ? s.birthtimeMs : null,
      stamp: `${s.birthtimeMs}/${s.ctimeMs}/${s.mtimeMs}`,
    };
  } catch (e) {
    throw runtimeError(nodeStyle(e), verb, path);
  }
}

/**
 * Gives the file at `path` the mode and, where permitted, the owner in
 * `meta` (a failing `chown` is ignored: only root may give files away).
 *
 * @param path The path.
 * @param meta What to set.
 */
export function applyMeta(path: string, meta: PathMeta): void {
  const d = deno();
  const n = d === undefined ? node() : undefined;
  if (meta.uid !== null && meta.gid !== null) {
    try {
      if (d !== undefined) d.chownSync(path, meta.uid, meta.gid);
      else n!.chownSync(path, meta.uid, meta.gid);
    } catch {
      // not permitted: the file keeps the caller as its owner
    }
  }
  if (meta.mode !== null) {
    const mode = meta.mode & 0o7777;
    if (d !== undefined) d.chmodSync(path, mode);
    else n!.chmodSync(path, mode);
  }
}

/**
 * Removes the file a writer made and could not use (a failed append, or an
 * atomic writer's abort, leaves no trace): only that file, by device and
 * inode (`made`, from its descriptor). Another program's file moved onto the name meanwhile
 * (`mv other.npy x.npy`) stays, and one already gone (removed or moved
 * away) is left as it is; the first error is the one thrown. Where the
 * made file's identity is unknown (`null`) nothing is removed: an empty
 * file left is a fault `np.load` names, a removed file of another program
 * is data lost.
 */
export function removeMade(path: string, made: string | null): void {
  try {
    if (made === null || statPath(path, "open").id !== made) return;
    pathFs().remove(path);
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ENOENT") throw e;
  }
}

/**
 * Refuses to rename a new file over `path` (`ensureAppendable` by copy, an
 * atomic `deleteIfExists` writer's commit) when `path` no longer names the
 * file it replaces (`was`: its device and inode at the start; `null`: no
 * file was there; `undefined`: unknown, no check): another program moved
 * its file onto the name, or moved the file away, meanwhile, and the
 * rename would put the new file in place of theirs. Checked just before
 * the rename (a rename cannot check it itself).
 *
 * @param during What was under way, for the message ("it was copied").
 * @throws {Error} naming `label`: nothing was changed.
 */
export function refuseReplaced(
  path: string,
  was: string | null | undefined,
  verb: string,
  label: string,
  during: string,
): void {
  if (was === undefined) return;
  let now: string | null = null;
  try {
    now = statPath(path, verb).id;
  } catch (e) {
    if ((e as { code?: unknown }).code !== "ENOENT") throw e;
  }
  if (now === was) return;
  throw new Error(
    `Cannot ${verb} ${quoted(label)}: another program moved ${
      now === null ? "the file away" : "another file onto its name"
    } while ${during}; nothing was changed (${
      now === null ? "no file is there now" : "that file was left as it is"
    }); check which file should be there, then run it again`,
  );
}

/**
 * Refuses a reader's refresh when the path it opened now names another
 * file than `opened.id` (its open file's device and inode): a new file
 * moved onto the name, or made there by a writer opened with
 * `deleteIfExists`; following the old file would never see a new row.
 * Nothing at the path (a file moved away is still the open one), or an
 * identity unknown: no refusal.
 *
 * @throws {NpyFormatError} `changed`, naming `label` and the fix.
 */
export function refuseMadeAnew(
  opened: { path: string; id: string | null } | null,
  label: string,
): void {
  if (opened === null || opened.id === null) return;
  let now: string | null;
  try {
    now = statPath(opened.path, "read").id;
  } catch {
    return;
  }
  if (now === null || now === opened.id) return;
  throw new NpyFormatError(
    "changed",
    "it is another file than the one the reader opened (replaced, or made anew by a writer opened with deleteIfExists); open it again",
    { file: label, verb: "refresh" },
  );
}
