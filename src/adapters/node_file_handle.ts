/**
 * The Node `fs/promises` adapter: a `FileHandle` (from `fs.promises.open`)
 * as {@linkcode FileLike}. Works on Node and Bun; no `node:` import.
 *
 * @module
 */

import type { FileLike } from "../file_like.ts";
import { wroteNothing } from "./_loops.ts";
import { checkHandle } from "./_check_handle.ts";
import { heldAs } from "../_held_objects.ts";

/** What `NodeFileHandle` calls first, checked when it is made. */
const HANDLE_METHODS = ["read", "write", "stat"];

/** The members of a `node:fs/promises` `FileHandle` the adapter uses. */
export interface NodeFileHandleLike {
  /** Positioned read. */
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  /** Positioned write. */
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  /** File metadata. */
  stat(): Promise<{ size: number | bigint }>;
  /** Cuts or zero-extends. */
  truncate(len?: number): Promise<void>;
  /** Flushes data and metadata. */
  sync(): Promise<void>;
  /** Closes. */
  close(): Promise<void>;
}

/**
 * A `node:fs/promises` `FileHandle` behind the asynchronous file interface.
 * For the fastest appends on Node and Bun, open a path instead (the library
 * then uses positioned synchronous calls through {@linkcode NodeFile}).
 *
 * @example Append through a FileHandle
 * ```ts
 * import { NpyAppendArray } from "@x/npy-append-array";
 * import { NodeFileHandle } from "@x/npy-append-array/adapters";
 * import * as fs from "node:fs";
 * import * as os from "node:os";
 * import * as path from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npy-"));
 * const p = path.join(dir, "a.npy");
 * const file = new NodeFileHandle(await fs.promises.open(p, "w+"));
 * const npy = await NpyAppendArray.open(file);
 * await npy.append(new Int32Array([1, 2, 3]));
 * await npy.close();
 * await file.close();
 * assert.equal(fs.statSync(p).size, 128 + 12);
 * ```
 */
export class NodeFileHandle implements FileLike {
  readonly #handle: NodeFileHandleLike;

  /**
   * Wraps an open file handle.
   *
   * @param handle A `FileHandle` from `fs.promises.open(path, "r+")` (or
   *   `"w+"` for a new file; `"r"` to read only).
   */
  constructor(handle: NodeFileHandleLike) {
    checkHandle(
      handle,
      "NodeFileHandle",
      'a FileHandle from await fs.promises.open(path, "r+")',
      HANDLE_METHODS,
    );
    this.#handle = handle;
    heldAs(this, handle);
  }

  /** The wrapped handle. */
  get handle(): NodeFileHandleLike {
    return this.#handle;
  }

  /**
   * Reads up to `buffer.length` bytes at `position`.
   *
   * @param buffer Where to put the bytes.
   * @param position Byte offset.
   * @returns The number of bytes read.
   */
  async read(buffer: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesRead } = await this.#handle.read(
        buffer,
        done,
        buffer.length - done,
        position + done,
      );
      if (bytesRead <= 0) break;
      done += bytesRead;
    }
    return done;
  }

  /**
   * Writes all of `buffer` at `position`.
   *
   * @param buffer The bytes.
   * @param position Byte offset.
   */
  async write(buffer: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.#handle.write(
        buffer,
        done,
        buffer.length - done,
        position + done,
      );
      if (!(bytesWritten > 0)) {
        throw wroteNothing(position + done, buffer.length - done);
      }
      done += bytesWritten;
    }
  }

  /**
   * The file size.
   *
   * @returns Size in bytes.
   */
  async size(): Promise<number> {
    return Number((await this.#handle.stat()).size);
  }

  /**
   * Cuts or zero-extends the file.
   *
   * @param length The new size.
   */
  truncate(length: number): Promise<void> {
    return this.#handle.truncate(length);
  }

  /** Flushes to stable storage. */
  sync(): Promise<void> {
    return this.#handle.sync();
  }

  /** Closes the handle. */
  close(): Promise<void> {
    return this.#handle.close();
  }
}
