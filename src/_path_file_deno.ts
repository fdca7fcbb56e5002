/**
 * A file opened from a path on Deno: its reads and writes start on
 * `Deno.FsFile` (a seek and a call) and move to `node:fs` positioned calls
 * (one call) on a second descriptor of the same file once it has made
 * enough scattered calls to have paid for loading `node:fs` (10 to 80 ms,
 * once per process), which a short-lived process never pays. A writer
 * alternating between its data at the end and its header at the start
 * takes a second `Deno.FsFile` cursor for the one, so that only the
 * header's write needs a seek (issue 17.1).
 *
 * @module
 */

import { DenoFile, type DenoFsFileLike } from "./adapters/deno.ts";
import { NodeFile, nodeFs, type NodeFsLike } from "./adapters/node.ts";
import { writeLoop, wroteNothing } from "./adapters/_loops.ts";
import { SyncBackedFile } from "./sync_backed_file.ts";
import { fileId, type OpenedFile, runtimeError } from "./_path_fs.ts";
import { nodeStyle } from "./_deno_error_style.ts";

/** What the backend uses of `Deno.FileInfo`. */
export interface DenoInfo {
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
export interface DenoPathFsFile extends DenoFsFileLike {
  statSync(): DenoInfo;
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
 * Scattered calls after which a file opened for writing opens a second
 * `Deno.FsFile` cursor on it: a writer alternates between the end (data)
 * and the start (header), and one cursor needs a seek before each; with
 * two, the data cursor stays at the end and only the header's seeks
 * (about 5 µs each through Deno's ops, 3 to 5 % of a 1 MiB append on the
 * benchmark machine of stop 24). A writer of a few appends never opens it,
 * nor does one while {@linkcode MAX_HEADER_CURSORS} are open.
 */
export const SEEKS_BEFORE_HEADER_CURSOR = 8;

/**
 * Second cursors open at once in this process, at most (its main thread's:
 * Workers open none): each is one more
 * descriptor, and a program holding hundreds of writers (a file per
 * sensor) must not run out of descriptors (a soft limit of 1024 is
 * common) for the sake of a few microseconds an append. Writers past it
 * keep one cursor.
 */
export const MAX_HEADER_CURSORS = 16;

/** Second cursors open now (at most {@linkcode MAX_HEADER_CURSORS}). */
let headCursors = 0;

/** The files holding a second cursor now. */
const withHead = new Set<DenoPathFile>();

/** This process ran out of descriptors once: no more second cursors. */
let headsRefused = false;

/**
 * This code runs in a Worker, whose module instance (and count) is its
 * own: only the main thread opens second cursors, so that
 * {@linkcode MAX_HEADER_CURSORS} is the process's (four Workers held 16
 * each). A Worker's writers keep one cursor.
 */
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown })
  .WorkerGlobalScope === "function";

/**
 * Gives back the descriptors of second cursors when an open failed for
 * want of descriptors (`e`: `EMFILE`, the process's limit, or `ENFILE`,
 * the system's): closes them all, and none is opened again in this
 * process. They only save seeks; without this a program holding many
 * writers found its own next open failing on Deno where Node and Bun
 * (which keep none) had the descriptors.
 *
 * @param e The open's error.
 * @returns Whether any was closed (then the caller tries the open once
 * more).
 */
function freedDescriptors(e: unknown): boolean {
  const code = (nodeStyle(e) as { code?: unknown } | null)?.code;
  if (code !== "EMFILE" && code !== "ENFILE") return false;
  headsRefused = true;
  const files = [...withHead];
  for (const file of files) file.dropHead();
  return files.length > 0;
}

/**
 * Runs `act`, and once more when it failed for want of descriptors and
 * {@linkcode freedDescriptors} gave some back.
 *
 * @param act A call that opens a descriptor.
 * @returns What `act` returned.
 * @throws What `act` threw (the second time's error after a retry).
 */
export function againFreeingDescriptors<T>(act: () => T): T {
  try {
    return act();
  } catch (e) {
    if (!freedDescriptors(e)) throw e;
    return act();
  }
}

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
 * A file opened from a path on Deno: `Deno.FsFile` calls (through
 * {@linkcode DenoFile}), on two cursors for a writer (from
 * {@linkcode SEEKS_BEFORE_HEADER_CURSOR} scattered calls), moving to
 * `node:fs` positioned calls on a descriptor of the same file after
 * {@linkcode SEEKS_BEFORE_NODE_FS} (see there). Every second descriptor is
 * checked by device and inode: a file renamed or replaced meanwhile keeps
 * the one it has. Runtime errors name `label`.
 */
export class DenoPathFile extends SyncBackedFile implements OpenedFile {
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
  readonly #reopen: () => DenoPathFsFile;
  /** Where the last call on `#deno` ended (-1: unknown). */
  #next = 0;
  #seeks = 0;
  /** A move was tried (a file that could not move stays). */
  #stays = false;
  /**
   * A writer's second `Deno.FsFile` cursor on the same file, for the
   * header: see {@linkcode SEEKS_BEFORE_HEADER_CURSOR}.
   */
  #head: DenoFile | null = null;
  #headFile: DenoPathFsFile | null = null;
  /** Where the last call on `#head` ended (-1: unknown). */
  #headNext = -1;
  /** Whether the last call went to `#head`. */
  #headLast = false;

  /**
   * @param file The opened file.
   * @param path Its path.
   * @param label The name errors give it.
   * @param writable Opened for writing.
   * @param reopen Opens the path again in the same mode (a writer's second
   * cursor; checked by device and inode before use).
   */
  constructor(
    file: DenoPathFsFile,
    path: string,
    label: string,
    writable: boolean,
    reopen: () => DenoPathFsFile,
  ) {
    super();
    this.#reopen = reopen;
    this.#file = file;
    this.#deno = new DenoFile(file);
    this.#path = path;
    this.#label = label;
    this.#writable = writable;
  }

  /**
   * The cursor for a call at `position`: the one whose last call ended
   * there (no seek), else the one not used last. Counts a call that needs
   * a seek, and moves the file to `node:fs` when it has made
   * {@linkcode SEEKS_BEFORE_NODE_FS} of them and, for a file opened only
   * to read, `node:fs` is loaded or the process has made
   * {@linkcode READ_SEEKS_BEFORE_LOADING_NODE_FS} scattered reads (then
   * `null`: the caller goes to `node:fs`). One try: a file that cannot
   * move stays.
   */
  #cursor(position: number): DenoFile | null {
    if (position === this.#next) return this.#use(false);
    if (position === this.#headNext) return this.#use(true);
    if (this.#stays) return this.#use(this.#head !== null && !this.#headLast);
    const seeks = ++this.#seeks;
    if (!this.#writable) readSeeks++;
    const loadPaid = this.#writable || nodeFsLoaded ||
      readSeeks >= READ_SEEKS_BEFORE_LOADING_NODE_FS;
    if (seeks >= SEEKS_BEFORE_NODE_FS && loadPaid) {
      this.#stays = true;
      this.#toNodeFs(this.#file!);
      if (this.#fs !== null) return null;
    } else if (this.#writable && seeks === SEEKS_BEFORE_HEADER_CURSOR) {
      this.#openHead();
    }
    return this.#use(this.#head !== null && !this.#headLast);
  }

  #use(head: boolean): DenoFile {
    this.#headLast = head;
    return head ? this.#head! : this.#deno!;
  }

  /** Where a call on the cursor `#headLast` names ended, or -1. */
  #ended(at: number): void {
    if (this.#headLast) this.#headNext = at;
    else this.#next = at;
  }

  /**
   * Opens the second cursor: the path again, kept only if it is the same
   * file (device and inode; a file renamed or replaced meanwhile keeps
   * one cursor). One try.
   */
  #openHead(): void {
    if (headCursors >= MAX_HEADER_CURSORS || headsRefused || inWorker) return;
    let file: DenoPathFsFile;
    try {
      file = this.#reopen();
    } catch {
      return;
    }
    try {
      const a = file.statSync();
      const b = this.#file!.statSync();
      if (a.dev === b.dev && a.ino === b.ino && a.ino !== null) {
        this.#headFile = file;
        this.#head = new DenoFile(file);
        headCursors++;
        withHead.add(this);
        return;
      }
    } catch {
      // one cursor
    }
    try {
      file.close();
    } catch {
      // nothing more to do
    }
  }

  /** Closes the second cursor (moved to `node:fs`, or closing). */
  #closeHead(): void {
    const file = this.#headFile;
    if (file === null) return;
    this.#head = this.#headFile = null;
    this.#headNext = -1;
    this.#headLast = false;
    headCursors--;
    withHead.delete(this);
    file.close();
  }

  /**
   * Closes the second cursor, if any (see {@linkcode freedDescriptors}):
   * its writes are the file's, so a failing close loses nothing.
   */
  dropHead(): void {
    try {
      this.#closeHead();
    } catch {
      // the file's own close reports
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
        try {
          this.#closeHead();
        } catch {
          // its writes are the file's: the close of the one left reports
        }
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
    const cursor = this.#cursor(position);
    if (cursor === null) return this.readSync(buffer, position);
    try {
      const n = cursor.readSync(buffer, position);
      this.#ended(position + n);
      return n;
    } catch (e) {
      this.#ended(-1);
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
    const cursor = this.#cursor(position);
    if (cursor === null) return this.writeSync(buffer, position);
    try {
      cursor.writeSync(buffer, position);
      this.#ended(position + buffer.length);
    } catch (e) {
      this.#ended(-1);
      throw runtimeError(nodeStyle(e), "write", this.#label);
    }
  }

  override sizeSync(): number {
    try {
      // Deno's cursor answers with a seek to the end.
      if (this.#fs === null) this.#next = -1;
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
      try {
        this.#closeHead();
      } finally {
        this.#io.closeSync();
      }
    } catch (e) {
      throw runtimeError(nodeStyle(e), "close", this.#label, this.#writable);
    }
  }
}
