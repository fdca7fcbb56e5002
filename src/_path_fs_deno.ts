/**
 * The path layer's Deno backend: the operations of {@linkcode PathFs} on
 * Deno's own calls (`Deno.openSync`, `Deno.statSync`, `Deno.linkSync` ...),
 * because loading Deno's Node-compatibility `node:fs` costs 10 to 80 ms
 * at its first use, which a short-lived process would pay on every run.
 * Same flags, same lock files, same errors (`code`, and messages in the
 * form `ENOENT: no such file or directory, open '<path>'`) as the
 * `node:fs` backend in `_path_fs.ts`.
 *
 * A file's reads and writes start on `Deno.FsFile`; a file opened for
 * writing and written or read at many scattered positions (a header
 * rewritten after each small append) moves to `node:fs` positioned calls
 * (one call where `Deno.FsFile` needs a seek and a write). A file opened
 * only to read moves too, once the process has read enough scattered rows
 * to have paid for loading `node:fs` in seeks (random rows, issue 17.3:
 * where a system call costs more than the JavaScript around it, a seek and
 * a read cost 1.5 times one `pread`).
 *
 * @module
 */

import { DenoFile, type DenoFsFileLike } from "./adapters/deno.ts";
import { NodeFile, nodeFs, type NodeFsLike } from "./adapters/node.ts";
import { writeLoop, wroteNothing } from "./adapters/_loops.ts";
import { SyncBackedFile } from "./sync_backed_file.ts";
import {
  errnoName,
  fileId,
  notAFile,
  type OpenedFile,
  type OpenMode,
  type PathFs,
  type PathKind,
  runtimeError,
} from "./_path_fs.ts";
import { tooLarge } from "./_file_label.ts";

/** What the backend uses of `Deno.FileInfo`. */
interface DenoInfo {
  isFile: boolean;
  isDirectory: boolean;
  isFifo?: boolean | null;
  isSocket?: boolean | null;
  mtime: Date | null;
  size: number;
  dev: number;
  ino: number | null;
  nlink?: number | null;
}

/** What the backend uses of `Deno.FsFile`. */
interface DenoPathFsFile extends DenoFsFileLike {
  statSync(): DenoInfo;
}

/** The members of the `Deno` namespace the backend uses. */
export interface DenoPathApi {
  openSync(path: string, options: {
    read?: boolean;
    write?: boolean;
    create?: boolean;
    createNew?: boolean;
    mode?: number;
    customFlags?: number;
  }): DenoPathFsFile;
  statSync(path: string): DenoInfo;
  removeSync(path: string): void;
  renameSync(from: string, to: string): void;
  linkSync(from: string, to: string): void;
  symlinkSync?(target: string, path: string): void;
  readLinkSync?(path: string): string;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  readTextFileSync(path: string): string;
  readDirSync(path: string): Iterable<{ name: string }>;
  build: { os: string };
}

/** The `Deno` namespace when the path layer can use it, else `undefined`. */
export function denoPathApi(): DenoPathApi | undefined {
  const d = (globalThis as { Deno?: Partial<DenoPathApi> }).Deno;
  return typeof d?.openSync === "function" &&
      typeof d.linkSync === "function"
    ? d as DenoPathApi
    : undefined;
}

/**
 * Scattered reads or writes (each needing a seek) after which a file moves
 * to `node:fs` positioned calls: one call where `Deno.FsFile` needs a seek
 * and a read or write. A file opened for writing moves then; a file opened
 * only to read moves then once `node:fs` is loaded (its second descriptor
 * and stat check cost about 0.15 ms), see
 * {@linkcode READ_SEEKS_BEFORE_LOADING_NODE_FS}.
 */
export const SEEKS_BEFORE_NODE_FS = 1024;

/**
 * Scattered reads of files opened only to read, counted over the whole
 * process, after which a reader loads `node:fs` (10 to 80 ms, once per
 * process) to move: by then the extra seeks have cost about what the load
 * does where a seek costs a system call's time (1.2 µs a row on the
 * benchmark machine of stop 24, where `pread` ran 1.5 times as many rows a
 * second as seek + read), and a process that reads a few thousand rows
 * never pays it (ski rental: at most about twice the better choice's cost
 * either way).
 */
export const READ_SEEKS_BEFORE_LOADING_NODE_FS = 16384;

/** Scattered reads of read-only files in this process, all files. */
let readSeeks = 0;

/** Whether this module has loaded `node:fs` (a file moved). */
let nodeFsLoaded = false;

/**
 * A Deno error as `node:fs` would word it: `ENOENT: no such file or
 * directory, open '/x'`, with `code`, `errno` and `syscall`, the original
 * as `cause`.
 *
 * @param e The error.
 * @returns The error in `node:fs` form (non-errors pass unchanged).
 */
export function nodeStyle(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  // "No such file or directory (os error 2): open '/x'"
  const m = /^(.*?) \(os error (\d+)\)(?:: (\w+)(?: (.*))?)?$/s.exec(
    e.message,
  );
  const own = (e as { code?: unknown }).code;
  // Deno gives some errors no code ("Disk quota exceeded (os error 122)").
  const code = typeof own === "string"
    ? own
    : m === null
    ? undefined
    : errnoName(Number(m[2]));
  if (code === undefined || e.message.startsWith(`${code}: `)) return e;
  const text = m?.[1] ?? e.message;
  const what = LIBUV_WORDS[code] ??
    text.charAt(0).toLowerCase() + text.slice(1);
  const out = new Error(
    `${code}: ${what}${m?.[3] === undefined ? "" : `, ${m[3]}`}${
      m?.[4] === undefined ? "" : ` ${m[4]}`
    }`,
    { cause: e },
  );
  const fields = out as unknown as Record<string, unknown>;
  fields.code = code;
  if (m?.[2] !== undefined) fields.errno = -Number(m[2]);
  if (m?.[3] !== undefined) fields.syscall = m[3];
  return out;
}

/**
 * `node:fs`'s (libuv's) words for the codes whose text differs from the
 * system's that Deno gives (`File exists` where Node says `file already
 * exists`); other codes take the system's text.
 */
const LIBUV_WORDS: Record<string, string> = {
  EEXIST: "file already exists",
  EISDIR: "illegal operation on a directory",
  ELOOP: "too many symbolic links encountered",
  ENAMETOOLONG: "name too long",
  EXDEV: "cross-device link not permitted",
  EAGAIN: "resource temporarily unavailable",
  EBUSY: "resource busy or locked",
  EIO: "i/o error",
  EFBIG: "file too large",
};

function kindOf(st: DenoInfo): PathKind {
  if (st.isFile) return "file";
  if (st.isDirectory) return "directory";
  if (st.isFifo) return "fifo";
  if (st.isSocket) return "socket";
  return "device";
}

/**
 * A file opened from a path on Deno: `Deno.FsFile` calls (through
 * {@linkcode DenoFile}); a file opened for writing moves after
 * {@linkcode SEEKS_BEFORE_NODE_FS} scattered calls to `node:fs`
 * positioned calls on a descriptor of the same file
 * (checked by device and inode; a file renamed or replaced meanwhile stays
 * on `Deno.FsFile`). Runtime errors name `label`.
 */
class DenoPathFile extends SyncBackedFile implements OpenedFile {
  /** `Deno.FsFile` calls, until the move to `node:fs`. */
  #deno: DenoFile | null;
  #file: DenoPathFsFile | null;
  /** After the move: `node:fs` positioned calls on `#fd`. */
  #node: NodeFile | null = null;
  #fs: NodeFsLike | null = null;
  #fd = -1;
  readonly #path: string;
  readonly #label: string;
  readonly #writable: boolean;
  readonly #stat: (path: string) => DenoInfo;
  #next = 0;
  #seeks = 0;
  /** A move was tried (a file that could not move stays). */
  #stays = false;

  constructor(
    file: DenoPathFsFile,
    path: string,
    label: string,
    writable: boolean,
    stat: (path: string) => DenoInfo,
  ) {
    super();
    this.#stat = stat;
    this.#file = file;
    this.#deno = new DenoFile(file);
    this.#path = path;
    this.#label = label;
    this.#writable = writable;
  }

  /**
   * Counts a call at another position than the last one ended, and moves
   * the file to `node:fs` when it has made {@linkcode SEEKS_BEFORE_NODE_FS}
   * of them and, for a file opened only to read, `node:fs` is loaded or
   * the process has made {@linkcode READ_SEEKS_BEFORE_LOADING_NODE_FS}
   * scattered reads. One try: a file that cannot move stays.
   */
  #scattered(position: number): void {
    if (position === this.#next || this.#stays) return;
    const seeks = ++this.#seeks;
    if (!this.#writable) readSeeks++;
    const loadPaid = this.#writable || nodeFsLoaded ||
      readSeeks >= READ_SEEKS_BEFORE_LOADING_NODE_FS;
    if (seeks >= SEEKS_BEFORE_NODE_FS && loadPaid) {
      this.#stays = true;
      this.#toNodeFs(this.#file!);
    }
  }

  /** Moves to `node:fs` positioned calls; stays on Deno's if it cannot. */
  #toNodeFs(file: DenoPathFsFile): void {
    const fs = nodeFs() as
      | (NodeFsLike & {
        openSync(path: string, flags: number): number;
        constants: Record<string, number>;
      })
      | undefined;
    if (fs === undefined) return;
    nodeFsLoaded = true;
    const c = fs.constants;
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO that took the name meanwhile must not wait for
      // a peer (the inode check below then keeps Deno.FsFile).
      fd = fs.openSync(
        this.#path,
        (this.#writable ? c.O_RDWR! : c.O_RDONLY!) | (c.O_NONBLOCK ?? 0),
      );
    } catch {
      return;
    }
    try {
      const a = fs.fstatSync(fd) as { dev?: number; ino?: number };
      const b = file.statSync();
      if (a.dev === b.dev && a.ino === b.ino) {
        this.#node = new NodeFile(fd, fs);
        this.#fs = fs;
        this.#fd = fd;
        this.#deno = null;
        this.#file = null;
        file.close();
        return;
      }
    } catch {
      // stays on Deno.FsFile
    }
    try {
      fs.closeSync(fd);
    } catch {
      // nothing more to do
    }
  }

  /** The file's calls: Deno's, or `node:fs`'s after the move. */
  get #io(): DenoFile | NodeFile {
    return this.#node ?? this.#deno!;
  }

  override readSync(buffer: Uint8Array, position: number): number {
    const fs = this.#fs;
    if (fs !== null) {
      // After the move: straight to pread, as the node:fs backend (Deno's
      // node:fs words its errors as Deno does: nodeStyle).
      try {
        const n = buffer.length;
        let done = fs.readSync(this.#fd, buffer, 0, n, position);
        while (done < n) {
          const got = fs.readSync(
            this.#fd,
            buffer,
            done,
            n - done,
            position + done,
          );
          if (got <= 0) break;
          done += got;
        }
        return done;
      } catch (e) {
        throw runtimeError(nodeStyle(e), "read", this.#label);
      }
    }
    this.#scattered(position);
    try {
      const n = this.#io.readSync(buffer, position);
      this.#next = position + n;
      return n;
    } catch (e) {
      this.#next = -1;
      throw runtimeError(nodeStyle(e), "read", this.#label);
    }
  }

  override writeSync(buffer: Uint8Array, position: number): void {
    const fs = this.#fs;
    if (fs !== null) {
      // After the move: straight to pwrite, as the node:fs backend.
      try {
        // The adapters' loop: a call that writes nothing is EIO, not a
        // loop forever (a file system that takes no more bytes).
        const n = buffer.length;
        writeLoop(
          n,
          (done) =>
            fs.writeSync(this.#fd, buffer, done, n - done, position + done),
          (done) => wroteNothing(position + done, n - done),
        );
      } catch (e) {
        throw runtimeError(nodeStyle(e), "write", this.#label);
      }
      return;
    }
    this.#scattered(position);
    try {
      this.#io.writeSync(buffer, position);
      this.#next = position + buffer.length;
    } catch (e) {
      this.#next = -1;
      throw runtimeError(nodeStyle(e), "write", this.#label);
    }
  }

  override sizeSync(): number {
    try {
      return this.#io.sizeSync();
    } catch (e) {
      throw runtimeError(nodeStyle(e), "read", this.#label);
    }
  }

  override truncateSync(length: number): void {
    try {
      this.#io.truncateSync(length);
    } catch (e) {
      throw runtimeError(nodeStyle(e), "write", this.#label);
    }
  }

  override syncSync(): void {
    try {
      this.#io.syncSync();
    } catch (e) {
      throw runtimeError(nodeStyle(e), "write", this.#label);
    }
  }

  linkCount(): number | null {
    const n = this.#fstat()?.nlink;
    return typeof n === "number" ? n : null;
  }

  identity(): string | null {
    const s = this.#fstat();
    return s === null ? null : fileId(s.dev, s.ino);
  }

  #fstat():
    | { nlink?: number | null; dev?: number; ino?: number | null }
    | null {
    try {
      return this.#file !== null
        ? this.#file.statSync()
        : (this.#fs as unknown as {
          fstatSync(fd: number): { nlink?: number; dev?: number; ino?: number };
        }).fstatSync(this.#fd);
    } catch {
      return null;
    }
  }

  override closeSync(): void {
    try {
      this.#io.closeSync();
    } catch (e) {
      throw runtimeError(nodeStyle(e), "close", this.#label, this.#writable);
    }
  }
}

/**
 * `O_NONBLOCK` for `Deno.openSync`'s `customFlags`: opening a FIFO that
 * appeared after the check must not wait for a peer (no effect on regular
 * files); `0` where there is none (Windows).
 */
function nonBlock(d: DenoPathApi): number {
  return d.build.os === "linux" ? 0o4000 : d.build.os === "windows" ? 0 : 0x4;
}

const OPTIONS = {
  read: { read: true },
  write: { read: true, write: true },
  create: { read: true, write: true, create: true },
  createNew: { read: true, write: true, createNew: true },
} as const;

// The operations below are top-level functions, bound to the `Deno`
// namespace by `denoPathFs`, not closures inside it: the JSR build's
// compile hints (scripts/compile_hints.ts) can only make top-level
// functions compile with the module, and a short-lived process runs most
// of these (issue 17.2, cold start).

/** `stat` of `path`, `null` when it is missing. */
function denoStatOrNull(d: DenoPathApi, path: string): DenoInfo | null {
  try {
    return d.statSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw nodeStyle(e);
  }
}

/** `stat` of `path`, `null` when nothing is there. */
function denoLook(d: DenoPathApi, path: string): DenoInfo | null {
  try {
    return d.statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // ENOTDIR: a folder on the way is a file, so nothing is there.
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw runtimeError(nodeStyle(e), "open", path);
  }
}

function denoKind(d: DenoPathApi, path: string): PathKind {
  const st = denoLook(d, path);
  return st === null ? "missing" : kindOf(st);
}

function denoExists(d: DenoPathApi, path: string): boolean {
  try {
    d.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function denoOpen(
  d: DenoPathApi,
  path: string,
  mode: OpenMode,
  verb: string = mode === "read" ? "read" : "open",
  label: string = path,
): OpenedFile {
  // `createNew` opens nothing that exists (O_EXCL: EEXIST, for a FIFO or a
  // dangling symlink too), so only the other modes check first.
  if (mode !== "createNew") {
    const before = denoKind(d, path);
    if (before !== "file" && before !== "missing") {
      throw notAFile(verb, path, before);
    }
  }
  const nb = nonBlock(d);
  let file: DenoPathFsFile;
  try {
    file = d.openSync(path, {
      ...OPTIONS[mode],
      mode: 0o666,
      ...(nb === 0 ? {} : { customFlags: nb }),
    });
  } catch (e) {
    throw runtimeError(nodeStyle(e), verb, path);
  }
  try {
    const now = kindOf(file.statSync());
    if (now !== "file") throw notAFile(verb, path, now);
  } catch (e) {
    file.close();
    throw runtimeError(nodeStyle(e), verb, path);
  }
  return new DenoPathFile(
    file,
    path,
    label,
    mode !== "read",
    d.statSync.bind(d),
  );
}

function denoRemove(d: DenoPathApi, path: string): void {
  try {
    d.removeSync(path);
  } catch (e) {
    throw runtimeError(nodeStyle(e), "remove", path);
  }
}

function denoRename(d: DenoPathApi, from: string, to: string): void {
  try {
    d.renameSync(from, to);
  } catch (e) {
    throw runtimeError(nodeStyle(e), "rename", from);
  }
}

function denoSyncDir(d: DenoPathApi, path: string): void {
  let dir: DenoPathFsFile;
  try {
    dir = d.openSync(path, { read: true });
  } catch (e) {
    throw runtimeError(nodeStyle(e), "sync", path);
  }
  try {
    dir.syncSync();
  } catch (e) {
    // Some file systems cannot sync a folder (EINVAL): nothing to do.
    const code = (e as { code?: string }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF") {
      throw runtimeError(nodeStyle(e), "sync", path);
    }
  } finally {
    dir.close();
  }
}

function denoReadText(
  d: DenoPathApi,
  path: string,
  maxBytes = Infinity,
): string | null {
  // Reading a FIFO would wait for a writer: refused first.
  const st = denoLook(d, path);
  if (st === null) return null;
  const k = kindOf(st);
  if (k !== "file") throw notAFile("read", path, k, "remove it");
  if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes);
  try {
    return d.readTextFileSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw runtimeError(nodeStyle(e), "read", path);
  }
}

function denoModifiedMs(d: DenoPathApi, path: string): number | null {
  const st = denoStatOrNull(d, path);
  if (st === null) return null;
  return st.mtime === null ? Date.now() : st.mtime.getTime();
}

function denoSize(d: DenoPathApi, path: string): number | null {
  return denoStatOrNull(d, path)?.size ?? null;
}

/** `linkSync` (`sym`: `symlinkSync`), failing in `node:fs`'s form. */
function denoLink(d: DenoPathApi, sym: boolean, a: string, b: string): void {
  try {
    if (sym) d.symlinkSync!(a, b);
    else d.linkSync(a, b);
  } catch (e) {
    throw nodeStyle(e);
  }
}

function denoReadLink(d: DenoPathApi, path: string): string | null {
  try {
    return d.readLinkSync!(path);
  } catch {
    return null;
  }
}

function denoList(d: DenoPathApi, path: string): string[] {
  try {
    return Array.from(d.readDirSync(path), (e) => e.name);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return [];
    throw runtimeError(nodeStyle(e), "read", path);
  }
}

function denoMkdir(d: DenoPathApi, path: string): void {
  try {
    d.mkdirSync(path, { recursive: true });
  } catch (e) {
    throw runtimeError(nodeStyle(e), "create", path);
  }
}

/**
 * The path operations on Deno's own calls.
 *
 * @param d The `Deno` namespace.
 * @returns The path operations.
 */
export function denoPathFs(d: DenoPathApi): PathFs {
  return {
    exists: denoExists.bind(null, d),
    kind: denoKind.bind(null, d),
    open: denoOpen.bind(null, d),
    remove: denoRemove.bind(null, d),
    rename: denoRename.bind(null, d),
    syncDir: denoSyncDir.bind(null, d),
    readText: denoReadText.bind(null, d),
    modifiedMs: denoModifiedMs.bind(null, d),
    size: denoSize.bind(null, d),
    link: denoLink.bind(null, d, false),
    list: denoList.bind(null, d),
    symlink: denoLink.bind(null, d, true),
    readLink: denoReadLink.bind(null, d),
    mkdir: denoMkdir.bind(null, d),
  };
}
