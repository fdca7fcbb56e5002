/**
 * The I/O seam of the library: every byte the core reads or writes goes
 * through one of these two small interfaces, so the same code runs on Deno,
 * Node, Bun, in memory and in browsers.
 *
 * @module
 */

/**
 * An asynchronous random-access file. Positions are byte offsets from the
 * start of the file.
 *
 * @example Wrap a `Uint8Array` as a read-only `FileLike`
 * ```ts
 * import type { FileLike } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([1, 2, 3]);
 * const file: FileLike = {
 *   read(buffer, position) {
 *     const part = bytes.subarray(position, position + buffer.length);
 *     buffer.set(part);
 *     return Promise.resolve(part.length);
 *   },
 *   write() {
 *     return Promise.reject(new TypeError("Cannot write: read-only"));
 *   },
 *   size: () => Promise.resolve(bytes.length),
 * };
 * const out = new Uint8Array(2);
 * assert.equal(await file.read(out, 1), 2);
 * assert.deepEqual([...out], [2, 3]);
 * ```
 */
export interface FileLike {
  /**
   * Reads up to `buffer.length` bytes at `position` into `buffer`.
   * Resolves to the number of bytes read: fewer at the end of the file,
   * 0 at or past it.
   */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Writes all of `buffer` at `position`, growing the file as needed. */
  write(buffer: Uint8Array, position: number): Promise<void>;
  /** Resolves to the current size of the file in bytes. */
  size(): Promise<number>;
  /** Cuts or zero-extends the file to `length` bytes. */
  truncate?(length: number): Promise<void>;
  /** Flushes written data to stable storage (like `fsync`). */
  sync?(): Promise<void>;
  /** Releases the file. */
  close?(): Promise<void>;
}

/**
 * A synchronous random-access file: the same contract as {@linkcode FileLike}
 * with `Sync`-suffixed method names (as `Deno.FsFile` has them), so that one
 * object, like {@linkcode MemoryFile}, can offer both.
 *
 * @example A minimal in-memory `FileLikeSync`
 * ```ts
 * import type { FileLikeSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * let bytes = new Uint8Array(0);
 * const file: FileLikeSync = {
 *   readSync(buffer, position) {
 *     const part = bytes.subarray(position, position + buffer.length);
 *     buffer.set(part);
 *     return part.length;
 *   },
 *   writeSync(buffer, position) {
 *     const end = position + buffer.length;
 *     if (end > bytes.length) {
 *       const grown = new Uint8Array(end);
 *       grown.set(bytes);
 *       bytes = grown;
 *     }
 *     bytes.set(buffer, position);
 *   },
 *   sizeSync: () => bytes.length,
 * };
 * file.writeSync(new Uint8Array([7, 8]), 3);
 * assert.equal(file.sizeSync(), 5);
 * ```
 */
export interface FileLikeSync {
  /** Reads up to `buffer.length` bytes at `position`; returns the count. */
  readSync(buffer: Uint8Array, position: number): number;
  /** Writes all of `buffer` at `position`, growing the file as needed. */
  writeSync(buffer: Uint8Array, position: number): void;
  /** Returns the current size of the file in bytes. */
  sizeSync(): number;
  /** Cuts or zero-extends the file to `length` bytes. */
  truncateSync?(length: number): void;
  /** Flushes written data to stable storage (like `fsync`). */
  syncSync?(): void;
  /** Releases the file. */
  closeSync?(): void;
}

/**
 * Where a file lives: a path, a `file:` URL, or an already open file.
 *
 * @example
 * ```ts
 * import { MemoryFile, type Target } from "@x/npy-append-array";
 * const targets: Target[] = ["data.npy", new URL("file:///tmp/x.npy"), new MemoryFile()];
 * console.log(targets.length);
 * ```
 */
export type Target = string | URL | FileLike | FileLikeSync;

/**
 * Tells whether `value` offers the synchronous file interface.
 *
 * @example
 * ```ts
 * import { MemoryFile } from "@x/npy-append-array";
 * import { isFileLikeSync } from "./file_like.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isFileLikeSync(new MemoryFile()), true);
 * assert.equal(isFileLikeSync("a.npy"), false);
 * ```
 *
 * @param value Anything.
 * @returns `true` if `value` has `readSync`, `writeSync` and `sizeSync`.
 */
export function isFileLikeSync(value: unknown): value is FileLikeSync {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.readSync === "function" &&
    typeof v.writeSync === "function" && typeof v.sizeSync === "function";
}

/**
 * Tells whether `value` offers the asynchronous file interface.
 *
 * @example
 * ```ts
 * import { MemoryFile } from "@x/npy-append-array";
 * import { isFileLike } from "./file_like.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isFileLike(new MemoryFile()), true);
 * assert.equal(isFileLike({}), false);
 * ```
 *
 * @param value Anything.
 * @returns `true` if `value` has `read`, `write` and `size` methods.
 */
export function isFileLike(value: unknown): value is FileLike {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.read === "function" && typeof v.write === "function" &&
    typeof v.size === "function";
}
