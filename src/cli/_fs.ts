/**
 * The file operations of the command line, on `node:fs` (Deno, Node and
 * Bun all have it; the command line is runtime glue, not the universal
 * core). Errors of the runtime are turned into messages that name the file
 * here, where the file is known, from the error's `code`.
 *
 * @module
 */

import type { FileLikeSync } from "../../mod.ts";
import { NodeFile, nodeFs, type NodeFsLike } from "../../adapters.ts";

/** The parts of `node:fs` used here: the adapter's, and path calls. */
interface Fs extends NodeFsLike {
  statSync(
    path: string,
  ): {
    size: number;
    dev: number;
    ino: number;
    isDirectory(): boolean;
    isFile(): boolean;
  };
  lstatSync(
    path: string,
  ): { mode: number; isFile(): boolean; isSymbolicLink(): boolean };
  readlinkSync(path: string): string;
  chmodSync(path: string, mode: number): void;
  openSync(path: string, flags: string): number;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  realpathSync(path: string): string;
  readdirSync(path: string): string[];
}

let cached: Fs | undefined;

/**
 * `node:fs`, loaded without a static import (the npm build has no Node types).
 *
 * @returns The module.
 */
export function nodeFsModule(): Fs {
  if (cached !== undefined) return cached;
  const m = nodeFs();
  if (m === undefined) {
    throw new TypeError(
      "Cannot run the command line here: this runtime has no node:fs",
    );
  }
  cached = m as unknown as Fs;
  return cached;
}

/** A file error of the command line, naming the file. */
export class CliFileError extends Error {
  /** The runtime's error code, such as `"ENOENT"`. */
  readonly code: string | undefined;
  /** The file. */
  readonly file: string;

  /**
   * Creates the error.
   *
   * @param message The message.
   * @param file The file.
   * @param code The runtime's code.
   * @param cause The runtime's error.
   */
  constructor(
    message: string,
    file: string,
    code: string | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = "CliFileError";
    this.file = file;
    this.code = code;
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a folder, not a file: pass a file's path",
  ENOTDIR: "a part of the path is not a directory",
  ENOSPC:
    "the disk is full (no free space, or no free inodes): free some, then run it again",
  EROFS: "the file system is read-only",
  ELOOP: "its symbolic links do not end (a loop?); fix or remove that link",
  EDQUOT:
    "the disk quota is exceeded: free space within it, or raise it, then run it again",
  EFBIG:
    "the file would pass the largest file size allowed (ulimit -f, or its file system's): raise the limit, or write it on another file system, then run it again",
};

/**
 * The error to throw for a runtime error `e` met doing `verb` on `path`:
 * a {@linkcode CliFileError} naming the file for errors with a known
 * code (in words) or another system code (the runtime's words), `e`
 * itself otherwise.
 *
 * @param e The runtime's error.
 * @param verb `"open"`, `"read"`, `"write"` ...
 * @param path The file.
 * @returns The error.
 */
export function fileError(e: unknown, verb: string, path: string): unknown {
  if (e instanceof CliFileError) return e;
  const code = (e as { code?: unknown })?.code;
  if (code === "ENOENT" && verb === "write") {
    // A file written is made: what is missing is its folder.
    const dir = /[\\/]/.test(path)
      ? path.replace(/[\\/][^\\/]*$/, "") || "/"
      : ".";
    return new CliFileError(
      `Cannot write "${path}": its folder "${dir}" does not exist; create it first`,
      path,
      code,
      e,
    );
  }
  if (typeof code === "string" && Object.hasOwn(REASONS, code)) {
    return new CliFileError(
      `Cannot ${verb} "${path}": ${REASONS[code]}`,
      path,
      code,
      e,
    );
  }
  // Any other system error (EIO ...): its own words, after the file's name.
  if (
    typeof code === "string" && /^E[A-Z0-9]+$/.test(code) &&
    e instanceof Error && !e.message.startsWith("Cannot ")
  ) {
    return new CliFileError(
      `Cannot ${verb} "${path}": ${e.message}`,
      path,
      code,
      e,
    );
  }
  return e;
}

/**
 * The error to throw for a system error writing standard output (a
 * redirect to a full disk, `> /dev/full`): "standard output" and the
 * reason in words, as {@linkcode fileError} gives them for a file.
 *
 * @param e The runtime's error.
 * @returns The error.
 */
export function stdoutError(e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== "string" || !/^E[A-Z0-9]+$/.test(code)) return e;
  const reason = Object.hasOwn(REASONS, code)
    ? REASONS[code]
    : e instanceof Error
    ? e.message
    : code;
  return new CliFileError(
    `Cannot write to standard output: ${reason}`,
    "-",
    code,
    e,
  );
}

function attempt<T>(verb: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw fileError(e, verb, path);
  }
}

/**
 * Checks that `path` is a readable regular file, with a message naming it
 * otherwise. A FIFO, socket or device is refused before it is opened
 * (opening a FIFO waits for a writer; the command line reads at
 * positions, which pipes do not have).
 *
 * @param path The path.
 * @param fix What to do instead of passing a FIFO, socket or device.
 * @returns Its size in bytes.
 */
export function checkReadable(
  path: string,
  fix = "pass a regular file",
): number {
  return attempt("open", path, () => {
    const st = nodeFsModule().statSync(path);
    if (st.isDirectory()) {
      const e = new Error("EISDIR") as Error & { code: string };
      e.code = "EISDIR";
      throw e;
    }
    if (!st.isFile()) {
      throw new CliFileError(
        `Cannot open "${path}": it is a FIFO, socket or device, not a regular file; ${fix}`,
        path,
        undefined,
      );
    }
    // Opening tells whether it can be read (Deno's accessSync would need
    // --allow-sys).
    nodeFsModule().closeSync(nodeFsModule().openSync(path, "r"));
    return st.size;
  });
}

/**
 * The size of the file at `path`, or `undefined` when there is none.
 *
 * @param path The path.
 * @returns Bytes, or `undefined`.
 */
export function sizeIfExists(path: string): number | undefined {
  try {
    return nodeFsModule().statSync(path).size;
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return undefined;
    throw fileError(e, "open", path);
  }
}

/**
 * Refuses an output path that exists and is not a regular file (a folder,
 * FIFO, socket or device such as `/dev/full`): an output written beside it
 * and renamed over it would replace the device by a regular file.
 *
 * @param path The output path (symbolic links followed).
 * @throws {CliFileError} naming `path` and the fix.
 */
export function checkReplaceable(path: string): void {
  let st;
  try {
    st = nodeFsModule().statSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === "ENOENT") return;
    throw fileError(e, "write", path);
  }
  if (st.isFile()) return;
  const what = st.isDirectory() ? "folder" : "FIFO, socket or device";
  throw new CliFileError(
    `Cannot write "${path}": it is a ${what}, not a regular file, and the output replaces OUT once written; pass the path of a file, or "-" for standard output (and redirect it with > to write to a device or FIFO)`,
    path,
    undefined,
  );
}

/**
 * A file open for positioned reads and writes; a `FileLikeSync`, so the
 * library's writers and readers can use it. Its errors name `path`.
 */
export class CliFile implements FileLikeSync {
  readonly #file: NodeFile;
  #closed = false;
  /** The file's name in messages. */
  readonly path: string;

  /**
   * Opens `path`.
   *
   * @param path The path.
   * @param mode `"read"`, `"write"` (existing, not truncated) or
   * `"create"` (new or truncated).
   * @param label The name for messages, when not `path` (a temporary
   * file is named after the file it will replace).
   */
  constructor(
    path: string,
    mode: "read" | "write" | "create",
    label: string = path,
  ) {
    this.path = label;
    const flags = mode === "read" ? "r" : mode === "write" ? "r+" : "w";
    const fs = nodeFsModule();
    const fd = attempt(
      mode === "read" ? "open" : "write",
      label,
      () => fs.openSync(path, flags),
    );
    this.#file = new NodeFile(fd, fs);
  }

  /**
   * Reads `buf.length` bytes at `position`, fewer only at the end.
   *
   * @returns Bytes read.
   */
  read(buf: Uint8Array, position: number): number {
    return attempt("read", this.path, () => this.#file.readSync(buf, position));
  }

  /** Writes all of `buf` at `position`. */
  write(buf: Uint8Array, position: number): void {
    attempt("write", this.path, () => this.#file.writeSync(buf, position));
  }

  /** See `FileLikeSync.readSync`. */
  readSync(buf: Uint8Array, position: number): number {
    return this.read(buf, position);
  }

  /** See `FileLikeSync.writeSync`. */
  writeSync(buf: Uint8Array, position: number): void {
    this.write(buf, position);
  }

  /** See `FileLikeSync.sizeSync`. */
  sizeSync(): number {
    return attempt(
      "read",
      this.path,
      () => this.#file.sizeSync(),
    );
  }

  /** See `FileLikeSync.truncateSync`. */
  truncateSync(length: number): void {
    this.truncate(length);
  }

  /** See `FileLikeSync.syncSync`. */
  syncSync(): void {
    attempt("write", this.path, () => this.#file.syncSync());
  }

  /** Cuts or extends the file to `length` bytes. */
  truncate(length: number): void {
    attempt(
      "write",
      this.path,
      () => this.#file.truncateSync(length),
    );
  }

  /** Closes the file; a second call does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.closeSync();
  }
}

/**
 * Renames `from` over `to` (atomic within a folder), naming `to` in errors.
 *
 * @param from The temporary file.
 * @param to The final path.
 */
export function renameOver(from: string, to: string): void {
  attempt("write", to, () => nodeFsModule().renameSync(from, to));
}

/**
 * Removes a file if it is there; never throws.
 *
 * @param path The path.
 */
export function removeQuietly(path: string): void {
  try {
    nodeFsModule().unlinkSync(path);
  } catch {
    // best effort
  }
}

/**
 * The canonical path of `path` (symbolic links resolved), or `path`
 * itself when it does not exist.
 *
 * @param path The path.
 * @returns The canonical path.
 */
export function realPath(path: string): string {
  try {
    return nodeFsModule().realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The first of `inputs` that is the file `out`, by real path or, for a
 * hard link, by device and inode; `undefined` when none is (an output
 * written over its input loses the input).
 *
 * @param out The output path.
 * @param inputs The input files.
 * @returns The input that is `out`, if any.
 */
export function sameFileIn(
  out: string,
  inputs: readonly string[],
): string | undefined {
  const id = (p: string) => {
    try {
      const st = nodeFsModule().statSync(p);
      return `${st.dev}:${st.ino}`;
    } catch {
      return undefined;
    }
  };
  const outReal = realPath(out);
  const outId = id(out);
  return inputs.find((p) =>
    realPath(p) === outReal || (outId !== undefined && id(p) === outId)
  );
}

/**
 * `path` joined to a name in it.
 *
 * @param dir The folder.
 * @param name The name.
 * @returns The path.
 */
export function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/**
 * Whether `path` is a folder (`false` when it is missing or unreadable).
 *
 * @param path The path.
 * @returns `true` for a folder.
 */
export function isDirectory(path: string): boolean {
  try {
    return nodeFsModule().statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether `path` is a folder holding anything (`false` when it is missing,
 * empty or not a folder).
 *
 * @param path The path.
 * @returns `true` for a folder with entries.
 */
export function isFolderWithEntries(path: string): boolean {
  if (!isDirectory(path)) return false;
  try {
    return nodeFsModule().readdirSync(path).length > 0;
  } catch (e) {
    throw fileError(e, "read", path);
  }
}

/**
 * Whether a folder holds an entry whose name ends `.npy` after at least
 * one character (`false` when it cannot be listed).
 *
 * @param path The folder.
 * @returns `true` when one is there.
 */
export function holdsNpyName(path: string): boolean {
  try {
    return nodeFsModule().readdirSync(path).some((e) => /.\.npy$/.test(e));
  } catch {
    return false;
  }
}

/**
 * Whether something (a file or a folder) is at `path`.
 *
 * @param path The path.
 * @returns `false` when nothing is there.
 * @throws {CliFileError} when it cannot be told (permission denied ...).
 */
export function pathExists(path: string): boolean {
  try {
    nodeFsModule().statSync(path);
    return true;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw fileError(e, "open", path);
  }
}

/**
 * Where an output named `path` is written: the file its symbolic links
 * name, followed as `open` (and `np.save`, `np.savetxt`, a shell's `>`)
 * follows them, a link to a file not there yet included; and that file's
 * permission bits when it is there. An output renamed over the link
 * itself replaced the link by a regular file and left the file it named
 * as it was; one renamed over a file took the default mode (a file of
 * mode 600 became 644).
 *
 * @param path The output path.
 * @returns The final path and the old file's mode, if any.
 * @throws {CliFileError} for a loop of links.
 */
export function outputTarget(
  path: string,
): { path: string; mode: number | undefined } {
  const fs = nodeFsModule();
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = fs.lstatSync(p);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        return { path: p, mode: undefined };
      }
      throw fileError(e, "write", path);
    }
    if (!st.isSymbolicLink()) {
      return { path: p, mode: st.isFile() ? st.mode & 0o7777 : undefined };
    }
    const link = attempt("write", path, () => fs.readlinkSync(p));
    const slash = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
    p = /^([\\/]|[A-Za-z]:[\\/])/.test(link)
      ? link
      : p.slice(0, slash + 1) + link;
  }
  throw new CliFileError(
    `Cannot write "${path}": its symbolic links do not end (a loop?); fix or remove that link`,
    path,
    "ELOOP",
  );
}

/**
 * Gives a new file the permission bits of the file it will replace.
 *
 * @param path The new file.
 * @param mode The bits.
 * @param label The name for messages.
 */
export function setMode(path: string, mode: number, label: string): void {
  attempt("write", label, () => nodeFsModule().chmodSync(path, mode));
}
