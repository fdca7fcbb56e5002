/**
 * The Node adapter (also used on Bun): a file descriptor from `node:fs`
 * as {@linkcode FileLike} and {@linkcode FileLikeSync}, using positioned
 * synchronous calls (`pread`/`pwrite`), which cost a fraction of the
 * `fs/promises` ones for the small writes of an append. No static `node:`
 * import: `node:fs` comes from `process.getBuiltinModule`.
 *
 * @module
 */

import { SyncBackedFile } from "../sync_backed_file.ts";
import { readLoop, writeLoop, wroteNothing } from "./_loops.ts";
import { checkDescriptor } from "./_check_handle.ts";
import { descriptorKey, heldAs } from "../_held_objects.ts";

/** The members of `node:fs` the adapter uses. */
export interface NodeFsLike {
  /** Positioned read. */
  readSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  /** Positioned write. */
  writeSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  /** File metadata. */
  fstatSync(fd: number): { size: number };
  /** Truncates. */
  ftruncateSync(fd: number, len: number): void;
  /** Flushes. */
  fsyncSync(fd: number): void;
  /** Closes. */
  closeSync(fd: number): void;
}

/**
 * Loads `node:fs` without a static import, or returns `undefined` where
 * there is none (browsers).
 *
 * @returns The `node:fs` module.
 *
 * @example Tell a runtime with files from a browser
 * ```ts
 * import { nodeFs } from "@x/npy-append-array/adapters";
 * import assert from "node:assert/strict";
 *
 * const fs = nodeFs(); // Deno, Node 20.16+ and Bun have it; browsers do not
 * assert.equal(typeof fs?.openSync, "function");
 * ```
 */
export function nodeFs(): (NodeFsLike & Record<string, unknown>) | undefined {
  const proc = (globalThis as {
    process?: { getBuiltinModule?: (name: string) => unknown };
  }).process;
  const fs = proc?.getBuiltinModule?.("node:fs");
  return fs as (NodeFsLike & Record<string, unknown>) | undefined;
}

/**
 * A `node:fs` file descriptor behind both file interfaces.
 *
 * @example
 * ```ts
 * import { NpyAppendArraySync } from "@x/npy-append-array";
 * import { NodeFile } from "@x/npy-append-array/adapters";
 * import * as fs from "node:fs";
 * import * as os from "node:os";
 * import * as path from "node:path";
 * import assert from "node:assert/strict";
 *
 * const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "npy-")), "a.npy");
 * const file = new NodeFile(fs.openSync(p, "w+"));
 * const npy = NpyAppendArraySync.open(file);
 * npy.append(new Int32Array([1, 2, 3]));
 * npy.close();
 * file.closeSync();
 * assert.equal(fs.statSync(p).size, 128 + 12);
 * ```
 */
export class NodeFile extends SyncBackedFile {
  readonly #fd: number;
  readonly #fs: NodeFsLike;

  /**
   * Wraps an open descriptor.
   *
   * @param fd A descriptor from `fs.openSync` (or `fileHandle.fd`).
   * @param fs The `node:fs` module; found automatically when omitted.
   */
  constructor(fd: number, fs?: NodeFsLike) {
    super();
    checkDescriptor(fd);
    const mod = fs ?? nodeFs();
    if (mod === undefined) {
      throw new TypeError("Cannot use NodeFile: node:fs is not available");
    }
    this.#fd = fd;
    this.#fs = mod;
    heldAs(this, descriptorKey(mod, fd));
  }

  /** The wrapped descriptor. */
  get fd(): number {
    return this.#fd;
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
        this.#fs.readSync(
          this.#fd,
          buffer,
          done,
          buffer.length - done,
          position + done,
        ),
    );
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  writeSync(buffer: Uint8Array, position: number): void {
    const length = buffer.length;
    // One call writes it all almost always: the loop and its closures (a
    // twentieth of a small append's time on Bun) only for a short write.
    const first = this.#fs.writeSync(this.#fd, buffer, 0, length, position);
    if (first === length) return;
    writeLoop(
      length,
      (done) =>
        done === 0 ? first : this.#fs.writeSync(
          this.#fd,
          buffer,
          done,
          length - done,
          position + done,
        ),
      (done) => wroteNothing(position + done, length - done),
    );
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  sizeSync(): number {
    return this.#fs.fstatSync(this.#fd).size;
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   */
  override truncateSync(length: number): void {
    this.#fs.ftruncateSync(this.#fd, length);
  }

  /** Flushes to stable storage. */
  override syncSync(): void {
    this.#fs.fsyncSync(this.#fd);
  }

  /** Closes the descriptor. */
  override closeSync(): void {
    this.#fs.closeSync(this.#fd);
  }
}
