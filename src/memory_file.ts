/**
 * An in-memory file that offers both {@linkcode FileLike} and
 * {@linkcode FileLikeSync}: for tests, browsers, and building a `.npy`
 * file as bytes.
 *
 * @module
 */

import { SyncBackedFile } from "./sync_backed_file.ts";
import { show } from "./_describe_value.ts";
import { viewProblem } from "./_typed_arrays.ts";
import { tryBytes } from "./_alloc.ts";

/**
 * A growable byte buffer with the file interfaces.
 *
 * @example Build a `.npy` file in memory
 * ```ts
 * import { MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * const npy = NpyAppendArraySync.open(file);
 * npy.append(new Float64Array([1, 2, 3]));
 * npy.close();
 * assert.equal(file.bytes().length, 128 + 24);
 * ```
 */
export class MemoryFile extends SyncBackedFile {
  #buffer: Uint8Array;
  #size: number;

  /**
   * Creates a file, empty or holding a copy of `initial`.
   *
   * @param initial The starting contents.
   * @throws {TypeError} when `initial` is not a `Uint8Array`, or its
   * buffer is detached or shrunk below it.
   */
  constructor(initial?: Uint8Array) {
    super();
    if (initial !== undefined) checkInitial(initial);
    this.#buffer = new Uint8Array(Math.max(initial?.length ?? 0, 64));
    this.#size = 0;
    if (initial) {
      this.#buffer.set(initial);
      this.#size = initial.length;
    }
  }

  /**
   * The contents, as a copy.
   *
   * @returns The bytes of the file.
   */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#size);
  }

  #grow(end: number, verb: string): void {
    if (end <= this.#buffer.length) return;
    let cap = this.#buffer.length;
    while (cap < end) cap *= 2;
    // Doubling may ask for more than the runtime gives; the size needed
    // may still fit.
    let next = tryBytes(cap);
    if (next instanceof RangeError) next = tryBytes(end);
    if (next instanceof RangeError) throw this.#outOfMemory(end, verb, next);
    next.set(this.#buffer.subarray(0, this.#size));
    this.#buffer = next;
  }

  /**
   * The error of a growth the runtime cannot give memory for (V8's
   * `RangeError: Array buffer allocation failed`, JavaScriptCore's `Out of
   * memory`): code `ENOMEM`, naming the file, the sizes and the fix, the
   * engine's error as `cause`. Nothing has changed: a writer undoes its
   * append and keeps its rows.
   */
  #outOfMemory(end: number, verb: string, cause: unknown): Error {
    const out = new Error(
      `Cannot ${verb} the MemoryFile: ENOMEM: growing it from ${this.#size} to ${end} bytes needs more memory than this runtime gives one ArrayBuffer (${
        String(cause)
      }); nothing was changed: write the rows to a file on disk instead (a path), or spread them over several files (NpyStackWriter with shardBytes)`,
      { cause },
    );
    return Object.assign(out, { code: "ENOMEM" });
  }

  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  readSync(buffer: Uint8Array, position: number): number {
    if (position >= this.#size) return 0;
    const part = this.#buffer.subarray(
      position,
      Math.min(this.#size, position + buffer.length),
    );
    buffer.set(part);
    return part.length;
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  writeSync(buffer: Uint8Array, position: number): void {
    const end = position + buffer.length;
    this.#grow(end, "write");
    if (position > this.#size) this.#buffer.fill(0, this.#size, position);
    this.#buffer.set(buffer, position);
    if (end > this.#size) this.#size = end;
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  sizeSync(): number {
    return this.#size;
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   */
  override truncateSync(length: number): void {
    this.#grow(length, "truncate");
    if (length > this.#size) this.#buffer.fill(0, this.#size, length);
    this.#size = length;
  }

  /** Nothing to flush in memory. */
  override syncSync(): void {}

  /** Nothing to release. */
  override closeSync(): void {}
}

/**
 * Refuses starting contents that are not bytes: another typed array would
 * be converted value by value, an `ArrayBuffer` or a plain value read as
 * empty, a detached buffer fail inside `set`.
 */
function checkInitial(initial: unknown): void {
  if (!(initial instanceof Uint8Array && ArrayBuffer.isView(initial))) {
    throw new TypeError(
      `Cannot make a MemoryFile: pass a Uint8Array of the file's bytes (new Uint8Array(buffer) for an ArrayBuffer), not ${
        show(initial)
      }`,
    );
  }
  const problem = viewProblem(initial);
  if (problem !== undefined) {
    throw new TypeError(
      `Cannot make a MemoryFile: ${problem}; pass a Uint8Array over a buffer that is not detached or shrunk`,
    );
  }
}
