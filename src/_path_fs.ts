/**
 * The path layer: everything the library does with paths and processes
 * (open, stat, remove, rename, folder sync, lock files, liveness of a
 * process), with one of two backends chosen once: Deno's own calls on
 * Deno (`_path_fs_deno.ts`: loading Deno's `node:fs` costs 10 to 80 ms at
 * the first call), `node:fs` on Node and Bun (`_path_fs_node.ts`), loaded
 * without a static `node:` import. Runtime errors are thrown again naming the file
 * (`Cannot write "x.npy": ENOSPC: ...`), keeping `code` and `cause`.
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import { nodeFs } from "./adapters/node.ts";
import { denoPathApi, denoPathFs } from "./_path_fs_deno.ts";
import { type NodeFsFull, nodePathFs } from "./_path_fs_node.ts";
import { show } from "./_describe_value.ts";
import { absolutePath } from "./_path_absolute.ts";

export { errnoName, runtimeError, systemNamed } from "./_system_error.ts";

/** A file opened from a path by the library, which it must close. */
export interface OpenedFile extends FileLikeSync {
  /** Closes the file. */
  closeSync(): void;
  /**
   * How many names the open file has (`fstat`'s link count): `0` once
   * another program deleted it, or renamed another file over its only
   * name; `null` when the runtime cannot tell.
   */
  linkCount(): number | null;
  /**
   * The open file's device and inode (`fstat`) in the form
   * {@linkcode fileId} gives; `null` when the runtime cannot tell.
   */
  identity(): string | null;
}

/**
 * `<dev>-<ino>`: the same on Deno, Node and Bun for one file on this host,
 * or `null` (Windows, or a runtime that gives no inode).
 *
 * @param dev The device, from `stat`.
 * @param ino The inode, from `stat`.
 */
export function fileId(
  dev: number | undefined,
  ino: number | null | undefined,
): string | null {
  return typeof ino !== "number" || !(ino > 0) ? null : `${dev}-${ino}`;
}

/**
 * How to open a path: read-only; read-write; read-write created if missing
 * (never truncated); read-write created, failing if it exists (`O_EXCL`).
 */
export type OpenMode = "read" | "write" | "create" | "createNew";

/** What is at a path. */
export type PathKind =
  | "file"
  | "directory"
  | "fifo"
  | "device"
  | "socket"
  | "missing";

/** The path operations the library needs from a runtime. */
export interface PathFs {
  /** Whether something exists at `path`. */
  exists(path: string): boolean;
  /** What is at `path` (following links); `"missing"` when nothing is. */
  kind(path: string): PathKind;
  /**
   * Opens `path`; never blocks on a FIFO and refuses anything but a
   * regular file (`TypeError`; for `"createNew"`, anything at `path`,
   * whatever it is, fails with `EEXIST`). The file's errors name `label`
   * (default `path`; a temporary file names the file it replaces).
   */
  open(
    path: string,
    mode: OpenMode,
    verb?: string,
    label?: string,
  ): OpenedFile;
  /** Removes a file. */
  remove(path: string): void;
  /** Renames a file, replacing the target. */
  rename(from: string, to: string): void;
  /** Creates a folder and its parents; nothing if it exists. */
  mkdir(path: string): void;
  /** Removes an empty folder (fails when it holds anything). */
  removeFolder?(path: string): void;
  /** Flushes a folder's entries (new and renamed names) to stable storage. */
  syncDir(path: string): void;
  /**
   * The text of `path`, or `null` when it is missing; anything but a
   * regular file of at most `maxBytes` is a `TypeError` (never waits on a
   * FIFO, never reads a huge file whole).
   */
  readText(path: string, maxBytes?: number): string | null;
  /**
   * When `path` was last modified, in ms since the epoch (fractional where
   * the file system keeps finer times); `null` when missing.
   */
  modifiedMs(path: string): number | null;
  /**
   * The size `stat` reports for `path` in bytes (for a folder, about the
   * space its entries' names take on Linux and macOS file systems; 0 on
   * Windows); `null` when missing.
   */
  size(path: string): number | null;
  /** Creates a hard link (fails with `EEXIST` if `to` exists). */
  link(from: string, to: string): void;
  /** The names in the folder `path`; empty when it is missing. */
  list(path: string): string[];
  /**
   * Creates the symlink `path` holding `text` (fails with `EEXIST` if
   * `path` exists), in one call; absent where there are none.
   */
  symlink?(text: string, path: string): void;
  /** The text of the symlink `path`; `null` when missing or no symlink. */
  readLink?(path: string): string | null;
}

/** The label of a path in messages: quoted. */
export function quoted(path: string): string {
  return JSON.stringify(path);
}

/**
 * The error for a path that is not a regular file.
 *
 * @param verb What was being done.
 * @param path The path.
 * @param kind What is there.
 * @param fix What to do instead.
 * @returns A `TypeError` naming the path and the fix.
 */
export function notAFile(
  verb: string,
  path: string,
  kind: PathKind,
  fix = "pass the path of a .npy file",
): TypeError {
  return new TypeError(
    `Cannot ${verb} ${quoted(path)}: it is ${
      kindName(kind)
    }, not a regular file; ${fix}`,
  );
}

/**
 * The fix for a folder given where a `.npy` file belongs: a group's
 * (`group.json`) or a stack's (`info`, `0.npy`, `0.npy.part`) names its
 * functions (`recoverGroup`, `recoverStack` for `verb` `"recover"`), any
 * other the `.npy` file path.
 *
 * @param fs The path operations.
 * @param dir The folder.
 * @param verb What was being done: `"read"`, `"recover"` ...
 * @returns The fix, for {@linkcode notAFile}.
 */
export function folderFix(fs: PathFs, dir: string, verb: string): string {
  const has = (name: string) => fs.kind(`${dir}/${name}`) !== "missing";
  const [what, repair, use] = has("group.json")
    ? [
      "a group's",
      "recoverGroup",
      "NpyGroupReader, write it with NpyGroupWriter",
    ]
    : has("info") || has("0.npy") || has("0.npy.part")
    ? [
      "a stack's",
      "recoverStack",
      "readNpyStack or NpyStackReader, write it with NpyStackWriter",
    ]
    : [];
  if (what === undefined) return "pass the path of a .npy file";
  return `it is ${what} folder: ${
    verb === "recover" ? `repair it with ${repair}` : `read it with ${use}`
  }, or pass the path of a .npy file`;
}

/** What is at a path (`kind`), in words: `"a directory"`, `"a FIFO (named pipe)"`. */
export function kindName(kind: PathKind): string {
  return KIND_NAMES[kind];
}

const KIND_NAMES: Record<PathKind, string> = {
  file: "a regular file",
  directory: "a directory",
  fifo: "a FIFO (named pipe)",
  socket: "a socket",
  device: "a device",
  missing: "missing",
};

let cached: PathFs | undefined;

/**
 * The path operations of the running runtime: Deno's own calls on Deno,
 * `node:fs` on Node and Bun.
 *
 * @returns The path operations.
 * @throws {TypeError} where there is neither (browsers: pass a `FileLike`).
 */
export function pathFs(): PathFs {
  if (cached !== undefined) return cached;
  const deno = denoPathApi();
  if (deno !== undefined) {
    cached = denoPathFs(deno);
    return cached;
  }
  const fs = nodeFs();
  if (fs !== undefined) {
    cached = nodePathFs(fs as unknown as NodeFsFull);
    return cached;
  }
  throw new TypeError(
    "Cannot open a path here: this runtime has neither Deno nor node:fs; pass a FileLike such as MemoryFile or OpfsFile",
  );
}

/**
 * Flushes a folder's entries to stable storage, so that a file created or
 * renamed in it survives a power loss (POSIX needs this besides the
 * file's own fsync).
 *
 * @param path The folder.
 */
export function syncDir(path: string): void {
  pathFs().syncDir(path);
}

/**
 * Creates the folder `path` and its missing parents (nothing if it
 * exists); with `durable` (a writer's `fsync`), syncs the folder above
 * each one it made, so that a power cut keeps them.
 */
export function makeFolder(path: string, durable: boolean): void {
  const fs = pathFs();
  const made: string[] = [];
  if (durable) {
    for (let p = path; fs.kind(p) === "missing";) {
      made.push(p);
      const up = dirOf(p);
      if (up === p) break;
      p = up;
    }
  }
  fs.mkdir(path);
  for (const p of made.reverse()) syncDir(dirOf(p));
}

/**
 * The folder holding `path` (`"."` for a bare name).
 *
 * @param path A file path.
 * @returns Its folder.
 */
export function dirOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  const cut = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  if (cut < 0) return ".";
  if (cut === 0) return trimmed.charAt(0);
  return trimmed.slice(0, cut);
}

/**
 * The last part of a path (its name in its folder), separators `/` and
 * `\\` alike: `"a/b.npy"` gives `"b.npy"`.
 *
 * @param path A path.
 * @returns Its name.
 */
export function baseOf(path: string): string {
  return path.slice(
    Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1,
  );
}

/**
 * Turns a path or `file:` URL into a path string, as Node's
 * `fileURLToPath` reads URLs on POSIX systems.
 *
 * @param target The path.
 * @param verb What is being done, for messages (`"open"`).
 * @returns The path as a string, absolute: a relative one is resolved
 * against the working directory now ({@linkcode absolutePath}).
 * @throws {TypeError} for URLs that are not `file:` URLs, `file:` URLs on
 * another host, with an encoded `/` or a malformed `%`-escape, paths
 * holding a NUL character or a lone surrogate, and values that are neither a string nor a URL.
 */
export function toPath(target: string | URL, verb = "open"): string {
  let p: string;
  if (typeof target === "string") {
    // `import.meta.resolve("./x.npy")` gives text; as a path it names a
    // folder "file:" in the working directory.
    if (/^file:\/\//i.test(target)) {
      throw new TypeError(
        `Cannot ${verb} ${
          quoted(target)
        }: a file: URL given as text would be read as a relative path; pass new URL(${
          quoted(target)
        }) or the file's path`,
      );
    }
    p = target;
  } else {
    if (
      typeof (target as { protocol?: unknown } | null)?.protocol !== "string"
    ) {
      throw new TypeError(
        `Cannot ${verb} ${show(target)}: pass a path or a file: URL`,
      );
    }
    const url = quoted(target.href);
    if (target.protocol !== "file:") {
      throw new TypeError(
        `Cannot ${verb} ${url}: only file: URLs are supported; pass a path, a file: URL, a FileLike or a FileLikeSync`,
      );
    }
    // A host was dropped, so another (local) file was written.
    if (target.hostname !== "" && target.hostname !== "localhost") {
      throw new TypeError(
        `Cannot ${verb} ${url}: it names a file on another host (${
          quoted(target.hostname)
        }); mount that folder and pass a local path`,
      );
    }
    if (/%2f/i.test(target.pathname)) {
      throw new TypeError(
        `Cannot ${verb} ${url}: its path holds an encoded "/" (%2F), which no file name can hold; pass a path`,
      );
    }
    try {
      p = decodeURIComponent(target.pathname);
    } catch {
      throw new TypeError(
        `Cannot ${verb} ${url}: its path holds a malformed %-escape; write "%" as %25`,
      );
    }
    if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
  }
  if (p === "") throw new TypeError(`Cannot ${verb} "": the path is empty`);
  if (p.includes("\0")) {
    throw new TypeError(
      `Cannot ${verb} ${
        quoted(p)
      }: the path holds a NUL character, which no file name can hold; remove it`,
    );
  }
  // A lone surrogate has no UTF-8 form: the runtime writes U+FFFD, so the
  // file would get another name (shared with every other such path).
  const lone = /\p{Surrogate}/u.exec(p);
  if (lone !== null) {
    const code = lone[0].charCodeAt(0).toString(16).toUpperCase();
    throw new TypeError(
      `Cannot ${verb} ${
        quoted(p)
      }: the path holds a lone surrogate (U+${code}), which no file name can hold (it would be written as U+FFFD); remove it or pair it`,
    );
  }
  return absolutePath(p);
}
