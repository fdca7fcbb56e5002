/**
 * The one road from a target (a path, a `file:` URL, a `FileLikeSync` or
 * a `FileLike`) to an open file: every reader, writer and maintenance
 * function opens its target here.
 *
 * - Paths are checked before they are opened: anything but a regular file
 *   (a folder, a FIFO, a device) is refused with a `TypeError` naming it,
 *   and a FIFO is never opened, so nothing blocks.
 * - Modes that change the file take the path's lock first
 *   (`_lock.ts`), held until `release()`; reading takes none (a reader may
 *   follow a live writer).
 * - Runtime errors of a path's file name it (`Cannot write "x.npy":
 *   ENOSPC: ...`, `code` and `cause` kept).
 * - File objects are used as given: never locked, never closed.
 *
 * @module
 */

import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import { isFileLike, isFileLikeSync } from "./file_like.ts";
import { acquireLock, type HeldLock, lockAt } from "./_lock.ts";
import { refuseUnsettled, settlePath } from "./_journal_path.ts";
import { realPath, removeMade, statPath } from "./_path_meta.ts";
import { NpyLockedError } from "./errors.ts";
import { absolutePath } from "./_path_absolute.ts";
import { afterFinished } from "./_lock_release.ts";
import {
  dirOf,
  folderFix,
  notAFile,
  type OpenedFile,
  pathFs,
  quoted,
  runtimeError,
  syncDir,
  toPath,
} from "./_path_fs.ts";
import { namingIdLock } from "./_folder_lock.ts";
import { holdFileObject } from "./_held_objects.ts";
import { idLockDirAllowed, idLockPath, LINKS_LOCK_DIR } from "./_lock_names.ts";

import { FILE_OBJECT_LABEL } from "./_options_check.ts";
export { FILE_OBJECT_LABEL };

/**
 * How to open a target:
 * - `"read"`: an existing file, read-only, no lock;
 * - `"write"`: an existing file, read-write, locked;
 * - `"create"`: locked; an existing file is opened read-write, a missing
 *   one (whose folder must exist) is created only by `create()`,
 *   exclusively.
 */
export type TargetMode = "read" | "write" | "create";

/** Options of {@linkcode openTarget}. */
export interface OpenTargetOptions {
  /** How to open a path. */
  mode: TargetMode;
  /** What is done, for messages (`"read"`, `"open"`, `"recover"`). */
  verb: string;
  /** Refuse an async-only `FileLike` (for the `Sync` functions). */
  needSync?: boolean;
  /** `"create"`: remove an existing file first (under the lock). */
  deleteIfExists?: boolean;
  /** `"create"`: sync the folder after creating the file. */
  fsync?: boolean;
}

/** An open target. */
export interface OpenTarget {
  /** The file for synchronous I/O; `null` for an async-only `FileLike` or a path not created yet. */
  file: FileLikeSync | null;
  /** The async-only `FileLike`, else `null`. */
  asyncFile: FileLike | null;
  /** The path, or `"the file object"`: for messages. */
  label: string;
  /** The path, or `null` for a file object. */
  path: string | null;
  /**
   * `"create"` on a missing path: creates the file exclusively (refusing
   * one that appeared since `open`), else `null`.
   */
  create: (() => FileLikeSync) | null;
  /** Closes a file the library opened and drops the lock. Idempotent. */
  release(): void;
}

/**
 * The `TypeError` for a target of the wrong kind, in one wording.
 *
 * @param verb What was being done.
 * @param needSync Whether a `FileLikeSync` is required.
 * @returns The error.
 */
export function badTarget(
  verb: string,
  needSync: boolean,
  target?: unknown,
): TypeError {
  return new TypeError(
    (needSync
      ? `Cannot ${verb} target: pass a path, a file: URL or a FileLikeSync (readSync, writeSync, sizeSync)`
      : `Cannot ${verb} target: pass a path, a file: URL, a FileLike or a FileLikeSync`) +
      wrapHint(target),
  );
}

/** The adapters' entry point, as the messages name it. */
const ADAPTERS = `from the adapters entry point ("npy-append-array/adapters")`;

/**
 * What to do with a runtime's own file object, a descriptor or bytes
 * given as a target: the adapter or `MemoryFile` that wraps it.
 */
function wrapHint(target: unknown): string {
  if (Number.isSafeInteger(target) && (target as number) >= 0) {
    return `; for the file descriptor ${target}, pass new NodeFile(${target}) ${ADAPTERS}`;
  }
  if (typeof target !== "object" || target === null) return "";
  const t = target as Record<string, unknown>;
  const has = (...keys: string[]) =>
    keys.every((k) => typeof t[k] === "function");
  if (has("seekSync", "statSync")) {
    return `; for a Deno.FsFile, pass new DenoFile(file) ${ADAPTERS}`;
  }
  if (typeof t.fd === "number" && has("stat", "read", "write")) {
    return `; for a FileHandle of node:fs/promises, pass new NodeFileHandle(handle) ${ADAPTERS}`;
  }
  if (has("getSize", "flush")) {
    return `; for a FileSystemSyncAccessHandle, pass new OpfsFile(handle) ${ADAPTERS}`;
  }
  if (has("createSyncAccessHandle")) {
    return `; for an OPFS file handle, pass new OpfsFile(await handle.createSyncAccessHandle()) ${ADAPTERS}, in a dedicated Worker`;
  }
  if (typeof Blob !== "undefined" && target instanceof Blob) {
    return "; for a Blob or File, pass new MemoryFile(new Uint8Array(await blob.arrayBuffer()))";
  }
  if (typeof Response !== "undefined" && target instanceof Response) {
    return "; for a fetch Response, pass new MemoryFile(new Uint8Array(await response.arrayBuffer()))";
  }
  if (target instanceof ArrayBuffer) {
    return "; for the bytes of a file, pass new MemoryFile(new Uint8Array(buffer))";
  }
  if (ArrayBuffer.isView(target)) {
    return "; for the bytes of a file, pass new MemoryFile(bytes); for a path held in a Buffer, pass it as a string";
  }
  return "";
}

/**
 * The label of a target in messages, without opening it.
 *
 * @param target The target.
 * @returns Its path, or `"the file object"`.
 */
export function targetLabel(target: Target): string {
  if (typeof target === "string") {
    return target === "" ? target : absolutePath(target);
  }
  if (target instanceof URL) return toPath(target);
  return FILE_OBJECT_LABEL;
}

/**
 * Opens a target.
 *
 * @param target A path, a `file:` URL, a `FileLikeSync` or a `FileLike`.
 * @param options Mode, verb and flags.
 * @returns The open target; call `release()` when done.
 * @throws {TypeError} for a target of the wrong kind, or a path that is
 * not a regular file.
 * @throws {NpyLockedError} when another writer holds the path.
 * @throws {Error} from the runtime (ENOENT, EACCES ...) naming the path.
 */
export function openTarget(
  target: Target,
  options: OpenTargetOptions,
): OpenTarget {
  if (typeof target === "string" || target instanceof URL) {
    const path = toPath(target);
    try {
      return openPathTarget(path, options);
    } catch (e) {
      // Deno without --allow-run: name the lock by identity the same
      // holder left too (taken after the one beside the name), not in a
      // second refusal; writers and maintenance alike.
      throw namingIdLock(e, path, "links");
    }
  }
  const sync = isFileLikeSync(target);
  if (sync || (!options.needSync && isFileLike(target))) {
    // Writers and recover hold the object in this process (it has no lock
    // file); readers share it.
    const release = options.mode === "read"
      ? () => {}
      : holdFileObject(target, options.verb);
    return {
      file: sync ? target : null,
      asyncFile: sync ? null : target as FileLike,
      label: FILE_OBJECT_LABEL,
      path: null,
      create: null,
      release,
    };
  }
  throw badTarget(options.verb, options.needSync ?? false, target);
}

function openPathTarget(
  path: string,
  options: OpenTargetOptions,
  again = false,
): OpenTarget {
  const fs = pathFs();
  const { mode, verb } = options;
  if (path === "") {
    throw new TypeError(`Cannot ${verb} "": the path is empty`);
  }
  // Refuse what is not a regular file before locking or opening anything.
  const kind = fs.kind(path);
  if (kind !== "file" && kind !== "missing") {
    const fix = kind === "directory" ? folderFix(fs, path, verb) : undefined;
    throw notAFile(verb, path, kind, fix);
  }
  if (mode === "read") {
    // A change left unfinished (a killed in-place rewrite or atomic
    // writer) is refused: the reader would see a mix.
    refuseUnsettled(path, verb);
    const file = fs.open(path, "read", verb);
    return opened(path, file, null);
  }
  if (mode === "create") {
    // A name ending in a separator names a folder: refused now, before
    // its lock (`o.npy/` and `o.npy` share one) is taken, not at the first
    // append with the system's EISDIR.
    if (kind === "missing" && /[\\/]$/.test(path)) {
      throw new TypeError(
        `Cannot ${verb} ${quoted(path)}: the path ends in "${
          path.at(-1)
        }", so it names a folder, not a file; remove the trailing "${
          path.at(-1)
        }"`,
      );
    }
    // A missing folder fails now, not at the first append.
    const dir = dirOf(path);
    const dirKind = fs.kind(dir);
    if (dirKind !== "directory") {
      const e = new Error(
        dirKind === "missing"
          ? `Cannot ${verb} ${quoted(path)}: its folder ${
            quoted(dir)
          } does not exist; create it first`
          : `Cannot ${verb} ${quoted(path)}: ${quoted(dir)} is not a folder`,
      );
      (e as Error & { code: string }).code = dirKind === "missing"
        ? "ENOENT"
        : "ENOTDIR";
      throw e;
    }
  }
  let lock = acquireLock(path, verb, kind === "missing");
  try {
    // Looked at again under the lock: the file may be gone (the writer
    // before this one removed the file it made when its first append
    // failed, or opened it with deleteIfExists and appended nothing). A
    // file that is not there has no identity to lock; it is made afresh.
    if (kind === "file" && fs.kind(path) === "file") {
      lock = withLinksLock(path, verb, lock);
    }
    // A change left unfinished by a killed writer or rewrite is finished
    // or rolled back first, under the lock.
    settlePath(path, (p) => fs.open(p, "write", verb));
    // Checked again under the lock: what was there may have changed.
    let now = fs.kind(path);
    if (now !== "file" && now !== "missing") throw notAFile(verb, path, now);
    if (kind === "missing" && now === "file" && !again) {
      // Something took the name between the look and the lock (a symlink
      // to a file another writer holds): the lock taken was the name's
      // own, not that file's. Open again, from the look.
      lock.release();
      return openPathTarget(path, options, true);
    }
    // Where the file is created: through a symlink, the file it names is
    // replaced (as np.save writes through it), and the link stays.
    let createAt = path;
    if (now === "file" && mode === "create" && options.deleteIfExists) {
      createAt = realPath(path);
      fs.remove(createAt);
      now = "missing";
    }
    if (now === "file" || mode === "write") {
      return opened(path, fs.open(path, "write", verb), lock);
    }
    const result = opened(path, null, lock);
    const create = (again: boolean): OpenedFile => {
      let file: OpenedFile;
      try {
        file = fs.open(createAt, "createNew", "open", path);
      } catch (e) {
        if ((e as { code?: string }).code === "EEXIST") {
          // The name is taken, yet nothing is there: a symlink to a
          // missing file (O_EXCL does not follow it).
          const dangling = fs.kind(createAt) === "missing";
          const err = new Error(
            `Cannot create ${quoted(path)}: ${
              dangling
                ? "it is a symlink to a missing file; create that file, or pass its path"
                : "another program created it after this writer was opened; nothing was written; open it again to append to it"
            }`,
            { cause: e },
          );
          (err as Error & { code: string }).code = "EEXIST";
          throw err;
        }
        throw e;
      }
      if (options.fsync) {
        try {
          syncDir(dirOf(createAt));
        } catch (e) {
          // The file made a moment ago (empty, which np.load refuses)
          // goes too: a failed append leaves no trace.
          const made = file.identity();
          file.closeSync();
          removeMade(createAt, made);
          throw e;
        }
      }
      // Locked by device and inode as an existing file is (a rename or
      // a link made while held is then seen); a file that cannot be is
      // removed, as a failed append leaves no trace.
      let links: HeldLock | null;
      try {
        links = linksLock(createAt, verb);
      } catch (e) {
        const made = file.identity();
        file.closeSync();
        if (
          !again && (e as { code?: unknown }).code === "ENOENT" &&
          fs.kind(createAt) === "missing"
        ) {
          // Removed or moved away by another program the moment it was
          // made (nothing written yet): made afresh, as at the open's looks.
          return create(true);
        }
        removeMade(createAt, made);
        throw e;
      }
      result.create = null;
      result.file = file;
      if (links !== null) {
        const release = result.release;
        result.release = () => {
          try {
            links.release();
          } finally {
            release();
          }
        };
      }
      return file;
    };
    result.create = () => create(false);
    return result;
  } catch (e) {
    lock.release();
    if (
      !again && kind === "file" &&
      (e as { code?: unknown }).code === "ENOENT" &&
      fs.kind(path) === "missing"
    ) {
      // Gone at a later look under the lock (removed, or moved away by
      // another program, between a look and its stat or open): open
      // again, from the look, where a missing file is made afresh.
      return openPathTarget(path, options, true);
    }
    throw runtimeError(e, verb, path);
  }
}

/**
 * The lock of the file at `path` by its device and inode, in
 * {@linkcode LINKS_LOCK_DIR}, taken by everything that locks a file by
 * path (writers and maintenance alike), so that a writer or `recover` of
 * another name of it (a hard link, or a rename: `mv x.npy y.npy` while
 * held) finds it held. For a file with several hard links it is required
 * (refused, naming the fix, where the folder may not be used); for one
 * with one name it is taken where it can be (`null` where the folder may
 * not be used without a Deno prompt, or cannot be written: full,
 * read-only), and refused only when held.
 *
 * @param path The file.
 * @param verb What is being done, for messages.
 * @returns The held lock, or `null`.
 */
export function linksLock(path: string, verb: string): HeldLock | null {
  const fs = pathFs();
  const meta = statPath(path, verb);
  if (meta.nlink < 1 || meta.id === null) return null;
  const oneName = meta.nlink === 1;
  const at = idLockPath("links", meta.id);
  try {
    if (oneName && !idLockDirAllowed()) return null;
    if (fs.kind(LINKS_LOCK_DIR) !== "directory") return null;
    return lockAt(path, verb, at, true, meta.born);
  } catch (e) {
    if (oneName && !(e instanceof NpyLockedError)) return null;
    const why = idLockDirFault(e);
    if (why === null) throw e;
    throw new TypeError(
      `Cannot ${verb} ${
        quoted(path)
      }: it has several hard links, so it is locked in ${
        quoted(LINKS_LOCK_DIR)
      } as well (a lock beside one name is not seen by writers of another), and ${
        quoted(LINKS_LOCK_DIR)
      } ${why}, or write to a copy; nothing was changed`,
      { cause: e },
    );
  }
}

/**
 * What keeps a lock from being made in {@linkcode LINKS_LOCK_DIR}, with
 * the fix (`null`: another error). The folder's fault, not the file's:
 * "free space on its disk" sent the user to the file's disk.
 */
function idLockDirFault(e: unknown): string | null {
  const codes = [e, (e as Error).cause].map((x) => {
    const { code, name } = (x ?? {}) as { code?: string; name?: string };
    return code ?? name ?? "";
  });
  const has = (...c: string[]) => codes.some((x) => c.includes(x));
  if (has("ENOSPC", "EDQUOT")) {
    return "is full (no space or no inodes left); free space there";
  }
  if (has("EROFS")) return "is read-only; mount it read-write";
  if (has("NotCapable", "PermissionDenied")) {
    return `may not be used by this process; allow it (Deno: --allow-read=${LINKS_LOCK_DIR} --allow-write=${LINKS_LOCK_DIR})`;
  }
  if (has("EACCES", "EPERM")) {
    return "may not be written by this user; make it writable (mode 1777, as it usually is)";
  }
  return null;
}

/**
 * `lock` (the lock by name) plus the file's {@linkcode linksLock},
 * released together; {@linkcode OpenTarget.create} takes it once the
 * file is made.
 */
function withLinksLock(path: string, verb: string, lock: HeldLock): HeldLock {
  const links = linksLock(path, verb);
  if (links === null) return lock;
  return {
    lockPath: lock.lockPath,
    release() {
      try {
        links.release();
      } finally {
        lock.release();
      }
    },
  };
}

function opened(
  path: string,
  file: OpenedFile | null,
  lock: HeldLock | null,
): OpenTarget {
  const result: OpenTarget = {
    file,
    asyncFile: null,
    label: path,
    path,
    create: null,
    release() {
      const f = result.file as OpenedFile | null;
      result.file = null;
      result.create = null;
      const l = lock;
      lock = null;
      try {
        f?.closeSync();
      } finally {
        l?.release();
      }
    },
  };
  return result;
}

/**
 * Runs `run` on the target's synchronous file, then releases it.
 *
 * @param target The target (paths and `FileLikeSync`s).
 * @param options How to open it (`needSync` is implied).
 * @param run The work, given the file, its label and its path (`null` for
 *   a file object).
 * @returns What `run` returns.
 */
export function withTargetSync<T>(
  target: Target,
  options: OpenTargetOptions,
  run: (file: FileLikeSync, label: string, path: string | null) => T,
): T {
  const t = openTarget(target, { ...options, needSync: true });
  const file = t.file;
  if (file === null) {
    t.release();
    throw new Error(
      `Cannot ${options.verb} ${quoted(t.label)}: the file does not exist`,
    );
  }
  return afterFinished(
    () => run(file, t.label, t.path),
    () => t.release(),
    options.verb,
    t.label,
  );
}

/**
 * Runs a sync or an async variant of the work on the target: the sync one
 * on paths and `FileLikeSync`s, the async one on async-only `FileLike`s.
 *
 * @param target The target.
 * @param options How to open it.
 * @param sync The work on a sync file (given its label and its path, `null`
 *   for a file object).
 * @param async The work on an async file.
 * @returns What the work returns.
 */
export function withTarget<T>(
  target: Target,
  options: OpenTargetOptions,
  sync: (file: FileLikeSync, label: string, path: string | null) => T,
  async: (file: FileLike, label: string) => Promise<T>,
): Promise<T> {
  try {
    const t = openTarget(target, options);
    if (t.asyncFile !== null) {
      let work: Promise<T>;
      try {
        work = async(t.asyncFile, t.label);
      } catch (e) {
        t.release();
        throw e;
      }
      return work.finally(() => t.release());
    }
    return Promise.resolve(
      afterFinished(
        () => sync(t.file!, t.label, t.path),
        () => t.release(),
        options.verb,
        t.label,
      ),
    );
  } catch (e) {
    return Promise.reject(e);
  }
}
