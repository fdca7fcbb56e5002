/**
 * The browser adapter: an Origin Private File System
 * `FileSystemSyncAccessHandle` (dedicated Workers only) as
 * {@linkcode FileLikeSync} and {@linkcode FileLike}.
 *
 * @module
 */

import { SyncBackedFile } from "../sync_backed_file.ts";
import { readLoop, writeLoop } from "./_loops.ts";
import { checkHandle } from "./_check_handle.ts";
import { heldAs } from "../_held_objects.ts";

/** What `OpfsFile` calls first, checked when it is made. */
const OPFS_METHODS = ["read", "write", "getSize"];

/**
 * The members of a `FileSystemSyncAccessHandle` the adapter uses, declared
 * here so that the library type-checks without the DOM library.
 */
export interface OpfsSyncAccessHandleLike {
  /** Reads into `buffer` at byte `at`; returns the count. */
  read(buffer: Uint8Array, options?: { at?: number }): number;
  /** Writes `buffer` at byte `at`; returns the count. */
  write(buffer: Uint8Array, options?: { at?: number }): number;
  /** The file size in bytes. */
  getSize(): number;
  /** Cuts or zero-extends. */
  truncate(newSize: number): void;
  /** Flushes to storage. */
  flush(): void;
  /** Releases the handle (and its lock on the file). */
  close(): void;
}

/**
 * An OPFS `FileSystemSyncAccessHandle` behind both file interfaces. Get one
 * in a dedicated Worker with
 * `await (await (await navigator.storage.getDirectory()).getFileHandle(name, { create: true })).createSyncAccessHandle()`.
 *
 * @example Append through a sync access handle (a stand-in object here)
 * ```ts
 * import { NpyAppendArraySync } from "@x/npy-append-array";
 * import { OpfsFile } from "@x/npy-append-array/adapters";
 * import assert from "node:assert/strict";
 *
 * // In a Worker: const handle = await fileHandle.createSyncAccessHandle();
 * let bytes = new Uint8Array(0);
 * const handle = {
 *   read(buffer: Uint8Array, { at = 0 } = {}) {
 *     const part = bytes.subarray(at, at + buffer.length);
 *     buffer.set(part);
 *     return part.length;
 *   },
 *   write(buffer: Uint8Array, { at = 0 } = {}) {
 *     if (at + buffer.length > bytes.length) {
 *       const grown = new Uint8Array(at + buffer.length);
 *       grown.set(bytes);
 *       bytes = grown;
 *     }
 *     bytes.set(buffer, at);
 *     return buffer.length;
 *   },
 *   getSize: () => bytes.length,
 *   truncate(n: number) {
 *     const next = new Uint8Array(n);
 *     next.set(bytes.subarray(0, n));
 *     bytes = next;
 *   },
 *   flush() {},
 *   close() {},
 * };
 *
 * const file = new OpfsFile(handle);
 * const npy = NpyAppendArraySync.open(file);
 * npy.append(new Float32Array([1, 2, 3]));
 * npy.close();
 * file.closeSync();
 * assert.equal(bytes.length, 128 + 12);
 * ```
 */
export class OpfsFile extends SyncBackedFile {
  readonly #handle: OpfsSyncAccessHandleLike;

  /**
   * Wraps a sync access handle.
   *
   * @param handle From `FileSystemFileHandle.createSyncAccessHandle()`.
   */
  constructor(handle: OpfsSyncAccessHandleLike) {
    super();
    checkHandle(
      handle,
      "OpfsFile",
      "a FileSystemSyncAccessHandle from await fileHandle.createSyncAccessHandle()",
      OPFS_METHODS,
    );
    this.#handle = handle;
    heldAs(this, handle);
  }

  /** The wrapped handle. */
  get handle(): OpfsSyncAccessHandleLike {
    return this.#handle;
  }

  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  readSync(buffer: Uint8Array, position: number): number {
    return readLoop(
      buffer.length,
      (done) =>
        this.#handle.read(buffer.subarray(done), { at: position + done }),
    );
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  writeSync(buffer: Uint8Array, position: number): void {
    writeLoop(
      buffer.length,
      (done) =>
        this.#handle.write(buffer.subarray(done), { at: position + done }),
      (done) =>
        new Error(
          `Cannot write to the OPFS file at byte ${
            position + done
          }: the handle wrote nothing; check the storage quota`,
        ),
    );
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  sizeSync(): number {
    return this.#handle.getSize();
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   */
  override truncateSync(length: number): void {
    this.#handle.truncate(length);
  }

  /** Flushes to storage. */
  override syncSync(): void {
    this.#handle.flush();
  }

  /** Releases the handle. */
  override closeSync(): void {
    this.#handle.close();
  }
}
