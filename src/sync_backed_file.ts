/**
 * A base class for files whose I/O is synchronous: implement the `...Sync`
 * methods of {@linkcode FileLikeSync}, get the {@linkcode FileLike} ones.
 *
 * @module
 */

import type { FileLike, FileLikeSync } from "./file_like.ts";
import { settle } from "./_settle.ts";

/**
 * Offers both file interfaces from synchronous methods: each async method
 * calls its `...Sync` twin and settles at once. The library's adapters
 * (`DenoFile`, `NodeFile`, `OpfsFile`, `MemoryFile`) are built on it.
 *
 * @example A read-only file over bytes
 * ```ts
 * import { SyncBackedFile } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * class BytesFile extends SyncBackedFile {
 *   constructor(readonly data: Uint8Array) {
 *     super();
 *   }
 *   readSync(buffer: Uint8Array, position: number): number {
 *     const part = this.data.subarray(position, position + buffer.length);
 *     buffer.set(part);
 *     return part.length;
 *   }
 *   writeSync(): void {
 *     throw new TypeError("Cannot write: read-only");
 *   }
 *   sizeSync(): number {
 *     return this.data.length;
 *   }
 * }
 * const file = new BytesFile(new Uint8Array([1, 2, 3]));
 * assert.equal(await file.size(), 3);
 * await assert.rejects(file.write(new Uint8Array(1), 0), TypeError);
 * ```
 */
export abstract class SyncBackedFile implements FileLike, FileLikeSync {
  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  abstract readSync(buffer: Uint8Array, position: number): number;

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  abstract writeSync(buffer: Uint8Array, position: number): void;

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  abstract sizeSync(): number;

  /**
   * Cuts or zero-extends the file; override where the file can.
   *
   * @param length The new size.
   */
  truncateSync(length: number): void {
    throw new TypeError(
      `Cannot truncate to ${length} bytes: this file object cannot truncate`,
    );
  }

  /** Flushes to stable storage; nothing to do unless overridden. */
  syncSync(): void {}

  /** Releases the file; nothing to do unless overridden. */
  closeSync(): void {}

  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  read(buffer: Uint8Array, position: number): Promise<number> {
    return settle(() => this.readSync(buffer, position));
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   * @returns A promise that settles when written.
   */
  write(buffer: Uint8Array, position: number): Promise<void> {
    return settle(() => this.writeSync(buffer, position));
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  size(): Promise<number> {
    return settle(() => this.sizeSync());
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   * @returns A promise that settles when done.
   */
  truncate(length: number): Promise<void> {
    return settle(() => this.truncateSync(length));
  }

  /**
   * Flushes to stable storage.
   *
   * @returns A promise that settles when done.
   */
  sync(): Promise<void> {
    return settle(() => this.syncSync());
  }

  /**
   * Releases the file.
   *
   * @returns A promise that settles when done.
   */
  close(): Promise<void> {
    return settle(() => this.closeSync());
  }
}
