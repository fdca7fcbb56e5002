/**
 * The Deno adapter: a `Deno.FsFile` as {@linkcode FileLike} and
 * {@linkcode FileLikeSync}. Both sides use Deno's synchronous calls, which
 * cost a fraction of the asynchronous ones for the small writes of an
 * append.
 *
 * @module
 */

import { SyncBackedFile } from "../sync_backed_file.ts";
import { readLoop, writeLoop, wroteNothing } from "./_loops.ts";
import { checkHandle } from "./_check_handle.ts";
import { heldAs } from "../_held_objects.ts";

/** What `DenoFile` calls first, checked when it is made. */
const DENO_METHODS = ["readSync", "writeSync", "seekSync", "statSync"];

/** The few members of `Deno.FsFile` the adapter uses. */
export interface DenoFsFileLike {
  /** Reads at the current position. */
  readSync(p: Uint8Array): number | null;
  /** Writes at the current position. */
  writeSync(p: Uint8Array): number;
  /** Moves the position. */
  seekSync(offset: number, whence: number): number;
  /** File metadata. */
  statSync(): { size: number };
  /** Truncates. */
  truncateSync(len?: number): void;
  /** Flushes data and metadata. */
  syncSync(): void;
  /** Closes. */
  close(): void;
}

/**
 * A `Deno.FsFile` behind both file interfaces. It tracks the file position
 * to save seeks.
 *
 * @example
 * ```ts
 * import { NpyAppendArraySync } from "@x/npy-append-array";
 * import { DenoFile } from "@x/npy-append-array/adapters";
 * import assert from "node:assert/strict";
 *
 * const path = Deno.makeTempFileSync({ suffix: ".npy" });
 * const file = new DenoFile(Deno.openSync(path, { read: true, write: true }));
 * const npy = NpyAppendArraySync.open(file, { deleteIfExists: true });
 * npy.append(new Int32Array([1, 2, 3]));
 * npy.close();
 * file.closeSync();
 * assert.equal(Deno.statSync(path).size, 128 + 12);
 * ```
 */
export class DenoFile extends SyncBackedFile {
  readonly #file: DenoFsFileLike;
  #pos = 0;

  /**
   * Wraps an open file.
   *
   * @param file A `Deno.FsFile`, opened for reading (and writing to write).
   */
  constructor(file: DenoFsFileLike) {
    super();
    checkHandle(
      file,
      "DenoFile",
      "a Deno.FsFile from Deno.open(path, { read: true, write: true })",
      DENO_METHODS,
    );
    this.#file = file;
    heldAs(this, file);
    this.#pos = -1;
  }

  #seek(position: number): void {
    if (this.#pos !== position) {
      this.#file.seekSync(position, 0);
      this.#pos = position;
    }
  }

  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  readSync(buffer: Uint8Array, position: number): number {
    this.#seek(position);
    let done: number;
    try {
      // The first call on the caller's buffer itself: a small read (a
      // random row) fills it at once, with no view or closure made.
      const total = buffer.length;
      const first = total === 0 ? 0 : this.#file.readSync(buffer) ?? 0;
      done = first <= 0 || first >= total
        ? Math.max(0, first)
        : first + readLoop(
          total - first,
          (at) => this.#file.readSync(buffer.subarray(first + at)),
        );
    } catch (e) {
      this.#pos = -1;
      throw e;
    }
    this.#pos = position + done;
    return done;
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  writeSync(buffer: Uint8Array, position: number): void {
    this.#seek(position);
    let done: number;
    try {
      done = writeLoop(
        buffer.length,
        (at) => this.#file.writeSync(buffer.subarray(at)),
        (at) => wroteNothing(position + at, buffer.length - at),
      );
    } catch (e) {
      this.#pos = -1;
      throw e;
    }
    this.#pos = position + done;
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  sizeSync(): number {
    // A seek to the end answers with the size: one `lseek`, where
    // `statSync` builds a whole `Deno.FileInfo` (4 to 6 times the cost; a
    // reader of a file with no room to grow asks after every read).
    try {
      const size = this.#file.seekSync(0, 2);
      this.#pos = size;
      return size;
    } catch {
      this.#pos = -1;
      return this.#file.statSync().size;
    }
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   */
  override truncateSync(length: number): void {
    this.#file.truncateSync(length);
  }

  /** Flushes to stable storage. */
  override syncSync(): void {
    this.#file.syncSync();
  }

  /** Closes the file. */
  override closeSync(): void {
    this.#file.close();
  }
}
