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
  /** Flushes a folder's entries (new and renamed names) to stable storage. */
  syncDir(path: string): void;
  /**
   * The text of `path`, or `null` when it is missing; anything but a
   * regular file of at most `maxBytes` is a `TypeError` (never waits on a
   * FIFO, never reads a huge file whole).
   */
  readText(path: string, maxBytes?: number): string | null;
  /** Milliseconds since `path` was last modified; `null` when missing. */
  ageMs(path: string): number | null;
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
}

/** The label of a path in messages: quoted. */
export function quoted(path: string): string {
  return JSON.stringify(path);
}

/**
 * An error from the runtime, thrown again as `Cannot <verb> "<path>":
 * <message>` with the same `code`, `errno` and `syscall` and the original
 * as `cause` (for a path the file system refuses, `ELOOP` and
 * `ENAMETOOLONG`, a `TypeError` or `RangeError` with the fix). Errors that
 * already name the file pass unchanged.
 *
 * @param raw The error.
 * @param verb What was being done (`"read"`, `"write"`, `"open"`).
 * @param path The file.
 * @returns The error to throw.
 */
export function runtimeError(
  raw: unknown,
  verb: string,
  path: string,
): unknown {
  if (!(raw instanceof Error) || raw.name === "NpyLockedError") return raw;
  const e = systemNamed(raw);
  const code = (e as { code?: unknown }).code;
  // Deno's missing permission has no code: named too, keeping its name.
  const denied = e.name === "NotCapable";
  if (typeof code !== "string" && !denied) return e;
  const head = `Cannot ${verb} ${quoted(path)}: `;
  if (e.message.startsWith("Cannot ")) return e;
  const [Class, fix] = PATH_FIXES[code as string] ?? [Error, ""];
  const out = new Class(head + e.message + fix, { cause: e });
  if (denied) out.name = e.name;
  const fields = out as unknown as Record<string, unknown>;
  if (typeof code === "string") fields.code = code;
  const src = e as unknown as Record<string, unknown>;
  if (src.errno !== undefined) fields.errno = src.errno;
  if (src.syscall !== undefined) fields.syscall = src.syscall;
  return out;
}

/**
 * The POSIX name of the system error number `errno` (either sign) on this
 * platform, from `node:os`'s `constants.errno` (on Node, Bun and Deno), or
 * `undefined` (no such number, no `node:os`, or Windows, whose runtimes
 * number errors otherwise). The runtimes leave some errors of failing and
 * full disks unnamed: Deno gives `EDQUOT`, `ESTALE`, `EFBIG`, `EINTR` ...
 * no `code` (`Disk quota exceeded (os error 122)`), Node 20 names `EDQUOT`
 * and `ESTALE` `Unknown system error -122` (`UNKNOWN` on a write). For failure paths only
 * (loading `node:os` costs milliseconds).
 *
 * @param errno The number.
 * @returns Its name, such as `"EDQUOT"`.
 */
export function errnoName(errno: number): string | undefined {
  const p = (globalThis as {
    process?: {
      platform?: string;
      getBuiltinModule?: (name: string) => unknown;
    };
  }).process;
  if (p === undefined || p.platform === "win32") return undefined;
  const os = p.getBuiltinModule?.("node:os") as
    | { constants?: { errno?: Record<string, number> } }
    | undefined;
  const table = os?.constants?.errno ?? {};
  const n = Math.abs(errno);
  return Object.keys(table).find((k) => table[k] === n);
}

/** Words for the codes that Node 20 leaves unnamed (Bun: "unknown error"). */
const UNNAMED_WORDS: Record<string, string> = {
  EDQUOT: "disk quota exceeded",
  ESTALE: "stale file handle",
};

/**
 * A runtime error named from its number when the runtime did not: Node
 * 20's code `Unknown system error -122` (`UNKNOWN` on a write), Bun's
 * `EDQUOT: unknown error`; as `EDQUOT: disk quota exceeded, write`, `code`
 * set, the original as `cause`. Other errors unchanged.
 *
 * @param e The runtime's error.
 * @returns The error with its name.
 */
export function systemNamed(e: Error): Error {
  const f = e as { code?: unknown; errno?: unknown; syscall?: unknown };
  if (typeof f.code !== "string" || typeof f.errno !== "number") return e;
  const unknown = f.code === "UNKNOWN" ||
    f.code.startsWith("Unknown system error");
  const code = unknown ? errnoName(f.errno) : f.code;
  if (
    code === undefined ||
    !(unknown || (e.message.startsWith(`${code}: unknown error`) &&
      UNNAMED_WORDS[code] !== undefined))
  ) return e;
  const syscall = typeof f.syscall === "string" ? `, ${f.syscall}` : "";
  const out = new Error(
    `${code}: ${UNNAMED_WORDS[code] ?? `system error ${f.errno}`}${syscall}`,
    { cause: e },
  );
  Object.assign(out, { code, errno: f.errno });
  if (syscall !== "") Object.assign(out, { syscall: f.syscall });
  return out;
}

/**
 * Runtime errors that a path itself causes: thrown as a `TypeError` or
 * `RangeError` (the code kept), the runtime's words followed by the fix.
 */
const PATH_FIXES: Record<string, [ErrorConstructor, string]> = {
  ELOOP: [
    TypeError,
    "; a symbolic link on the path leads back to itself: fix or remove that link",
  ],
  ENAMETOOLONG: [
    RangeError,
    "; a name on the path (or the path) is longer than the file system allows: use a shorter name",
  ],
};

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
 * holding a NUL character, and values that are neither a string nor a URL.
 */
export function toPath(target: string | URL, verb = "open"): string {
  let p: string;
  if (typeof target === "string") p = target;
  else {
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
  return absolutePath(p);
}
