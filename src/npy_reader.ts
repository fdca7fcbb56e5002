/**
 * Reading rows of a `.npy` file: random ranges along the growth axis,
 * batches (`for await`, `ReadableStream`), and following a file that a
 * writer is still appending to.
 *
 * @module
 */

import { checkOptions } from "./_options_check.ts";
import { refuseNew } from "./_no_new.ts";
import { checkBatchOptions, READER_OPTIONS } from "./_option_kinds.ts";
import { readableOf } from "./_readable.ts";
import type { Target } from "./file_like.ts";
import type { NpyArray, ReadNpyOptions } from "./read_npy.ts";
import { BATCH_BYTES, checkBatchItems } from "./_reader_layout.ts";
import { RowSource } from "./_row_source.ts";
import { noteSource } from "./_reader_sources.ts";
import { showFile } from "./_file_label.ts";
import { settle } from "./_settle.ts";

/** Options of {@linkcode NpyReader.open} and {@linkcode NpyReader.openSync}. */
export interface NpyReaderOptions extends ReadNpyOptions {
  /**
   * Items per batch when iterating; default: as many as fit in about
   * 1 MiB (at least 1).
   */
  batchItems?: number;
}

/** Options of {@linkcode NpyReader.batches} and {@linkcode NpyReader.readable}. */
export interface NpyBatchOptions {
  /** Items per batch; default: the reader's `batchItems`. */
  batchItems?: number;
  /** First item, as in {@linkcode NpyReader.read} (default 0). */
  start?: number;
  /** End of the range, as in {@linkcode NpyReader.read} (default: the length when iteration starts). */
  end?: number;
}

/**
 * Reads items along the growth axis of a `.npy` file (axis 0, or the last
 * axis in Fortran order) without reading the rest: random ranges with
 * {@linkcode NpyReader.read}, batches with `for await` or
 * {@linkcode NpyReader.readable}, in constant memory on files of any size.
 * {@linkcode NpyReader.refresh} follows a file a writer is still
 * appending to.
 *
 * @example Random access and batches
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * using npy = NpyAppendArraySync.open(file);
 * npy.append({ data: new Int32Array(20).map((_, i) => i), shape: [10, 2] });
 *
 * await using reader = await NpyReader.open(file);
 * assert.equal(reader.length, 10);
 * const rows = await reader.read(2, 4);
 * assert.deepEqual(rows.shape, [2, 2]);
 * assert.deepEqual([...rows.data as Int32Array], [4, 5, 6, 7]);
 * assert.deepEqual((await reader.read(-1)).data, new Int32Array([18, 19]));
 *
 * let seen = 0;
 * for await (const batch of reader.batches({ batchItems: 4 })) {
 *   seen += batch.shape[0]!;
 * }
 * assert.equal(seen, 10);
 * ```
 */
export class NpyReader implements AsyncDisposable, Disposable {
  readonly #src: RowSource;

  private constructor(src: RowSource) {
    refuseNew(
      src instanceof RowSource,
      "await NpyReader.open(target, options)",
    );
    this.#src = src;
    noteSource(this, src);
  }

  /**
   * Opens a file and reads its header (only the header).
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([[1, 2, 3], [4, 5, 6]]);
   * const reader = await NpyReader.open(file);
   * assert.deepEqual(reader.shape, [2, 3]);
   * assert.equal(reader.dtype, "<f8");
   * await reader.close();
   * ```
   *
   * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
   * @param options `maxHeaderSize`, `allowIncomplete`, `batchItems`.
   * @returns The reader.
   * @throws {NpyFormatError} for a malformed or unsupported file, or one
   * that needs recovery (unless `allowIncomplete`).
   * @throws {RangeError} for a 0-d array (read it with `readNpy`).
   */
  static async open(
    target: Target,
    options: NpyReaderOptions = {},
  ): Promise<NpyReader> {
    options = checkOptions(options, "read", target, READER_OPTIONS);
    return new NpyReader(await RowSource.open(target, options));
  }

  /**
   * Opens a file synchronously and reads its header.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append(new Uint8Array([1, 2, 3]));
   * using reader = NpyReader.openSync(file);
   * assert.deepEqual(reader.readSync(1).data, new Uint8Array([2, 3]));
   * ```
   *
   * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
   * @param options `maxHeaderSize`, `allowIncomplete`, `batchItems`.
   * @returns The reader.
   * @throws {NpyFormatError} for a malformed or unsupported file, or one
   * that needs recovery (unless `allowIncomplete`).
   * @throws {RangeError} for a 0-d array (read it with `readNpySync`).
   */
  static openSync(target: Target, options: NpyReaderOptions = {}): NpyReader {
    options = checkOptions(options, "read", target, READER_OPTIONS);
    return new NpyReader(RowSource.openSync(target, options));
  }

  /** Items along the growth axis that can be read now. */
  get length(): number {
    return this.#src.layout.length;
  }

  /** The shape of the readable part, growth axis included. */
  get shape(): number[] {
    const shape = [...this.#src.layout.header.shape];
    if (this.#src.layout.axis >= 0) {
      shape[this.#src.layout.axis] = this.#src.layout.length;
    }
    return shape;
  }

  /** The descr text of the dtype, as the header holds it. */
  get dtype(): string {
    return this.#src.layout.header.dtype.str;
  }

  /** Whether the file is in Fortran order (growth along the last axis). */
  get fortranOrder(): boolean {
    return this.#src.layout.header.fortranOrder;
  }

  /** The default number of items per batch. */
  get batchItems(): number {
    const { rowBytes, rowItems, length } = this.#src.layout;
    // Rows that hold no items at all cost nothing: one batch takes them.
    if (rowBytes === 0 && rowItems === 0) {
      return this.#src.options.batchItems ?? Math.max(1, length);
    }
    return this.#src.options.batchItems ??
      Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, rowBytes)));
  }

  /**
   * Reads items `[start, end)` along the growth axis, reading just their
   * bytes. Bounds work like Python slices: negative ones count from the
   * end, out-of-range ones are clamped, and `end <= start` gives an empty
   * array. Each call returns a new array, which the caller owns.
   *
   * A file opened from a path (or any {@linkcode FileLikeSync}) is read
   * at once, inside the call, with the runtime's positioned read, as the
   * writer's appends are; only an async-only {@linkcode FileLike} is read
   * asynchronously. A single row takes microseconds this way, where an
   * async file call takes tens; a large range holds the event loop for as
   * long as the read takes (about 1 ms per MiB from the page cache).
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append(new Float64Array([0, 1, 2, 3, 4]));
   * const reader = await NpyReader.open(file);
   * assert.deepEqual([...(await reader.read(1, 3)).data as Float64Array], [1, 2]);
   * assert.deepEqual([...(await reader.read(-2)).data as Float64Array], [3, 4]);
   * assert.deepEqual((await reader.read(3, 100)).shape, [2]);
   * ```
   *
   * @param start First item (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: the length).
   * @returns `{ data, shape, dtype, fortranOrder }` as `readNpy` gives it.
   * @throws {TypeError} for a bound that is not an integer, or a closed reader.
   * @throws {NpyFormatError} when the file got shorter than its header says,
   *   or (code `changed`) when an in-place `ensureAppendable` moved the data
   *   of a file whose header had no room to grow (call `refresh()`).
   */
  read(start: number = 0, end?: number): Promise<NpyArray> {
    return this.#src.read(start, end);
  }

  /**
   * Reads items `[start, end)` synchronously; see {@linkcode NpyReader.read}.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([["a", "b"], ["c", "d"]]);
   * using reader = NpyReader.openSync(file);
   * assert.deepEqual(reader.readSync(1, 2).data, ["c", "d"]);
   * ```
   *
   * @param start First item (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: the length).
   * @returns `{ data, shape, dtype, fortranOrder }`.
   * @throws {TypeError} for an async-only file, a bound that is not an integer, or a closed reader.
   */
  readSync(start: number = 0, end?: number): NpyArray {
    return this.#src.readSync(start, end);
  }

  /**
   * Reads the bytes of items `[start, end)` into `buffer`, without
   * decoding and without allocating: the fastest way to read rows, for
   * example one random row after another into one reused buffer. The
   * bytes are the file's own (NumPy's `arr[start:end].tobytes()` for a
   * C-order file in its stored byte order): a big-endian (`>`) dtype stays
   * big-endian, where {@linkcode NpyReader.read} converts it. Bounds work
   * as in {@linkcode NpyReader.read}; a larger buffer keeps its bytes
   * beyond the ones read.
   *
   * @example Reuse one buffer for random rows
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append({ data: new Float64Array([0, 1, 2, 3, 4, 5]), shape: [3, 2] });
   * await using reader = await NpyReader.open(file);
   * const row = new Float64Array(2);
   * assert.equal(await reader.readInto(row, 2, 3), 16);
   * assert.deepEqual([...row], [4, 5]);
   * ```
   *
   * @param buffer Where the bytes go: a `Uint8Array` or any other
   * `ArrayBufferView` of at least `(end - start) * rowBytes` bytes.
   * @param start First item (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: the length).
   * @returns The number of bytes written into `buffer`.
   * @throws {TypeError} for a buffer that is not an `ArrayBufferView` (or
   * is detached, past the end of a shrunk buffer, or of a class redefining
   * its size), a bound that is not an integer, or a closed reader.
   * @throws {RangeError} for a buffer too small for the items.
   * @throws {NpyFormatError} when the file got shorter than its header says.
   */
  readInto(
    buffer: ArrayBufferView,
    start: number = 0,
    end?: number,
  ): Promise<number> {
    return this.#src.readInto(buffer, start, end);
  }

  /**
   * Reads the bytes of items `[start, end)` into `buffer` synchronously;
   * see {@linkcode NpyReader.readInto}.
   *
   * @example Raw bytes of a big-endian file
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file, { dtype: ">i2" }).append([1, 2, 3]);
   * using reader = NpyReader.openSync(file);
   * const bytes = new Uint8Array(4);
   * assert.equal(reader.readIntoSync(bytes, 1), 4);
   * assert.deepEqual([...bytes], [0, 2, 0, 3]);
   * ```
   *
   * @param buffer Where the bytes go (at least `(end - start) * rowBytes` bytes).
   * @param start First item (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: the length).
   * @returns The number of bytes written into `buffer`.
   * @throws {TypeError} for an async-only file, a buffer that is not an
   * `ArrayBufferView` (or is detached, past the end of a shrunk buffer, or
   * of a class redefining its size), a bound that is not an integer, or a
   * closed reader.
   * @throws {RangeError} for a buffer too small for the items.
   */
  readIntoSync(
    buffer: ArrayBufferView,
    start: number = 0,
    end?: number,
  ): number {
    return this.#src.readIntoSync(buffer, start, end);
  }

  /** Bytes in one item along the growth axis (a row of a C-order file). */
  get rowBytes(): number {
    return this.#src.layout.rowBytes;
  }

  /**
   * Reads the header again and updates `length`, to follow a file that a
   * writer is still appending to (like `tail -f`). Only items the header
   * covers become visible: the writer rewrites the header after the data,
   * so they are whole. Bytes beyond them (an append in progress) are left
   * alone.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = NpyAppendArraySync.open(file);
   * npy.append([[1, 2]]);
   * const reader = await NpyReader.open(file);
   * npy.append([[3, 4], [5, 6]]);
   * assert.equal(reader.length, 1);
   * assert.equal(await reader.refresh(), 3);
   * assert.deepEqual([...(await reader.read(1)).data as Float64Array], [3, 4, 5, 6]);
   * ```
   *
   * @returns The new length.
   * @throws {NpyFormatError} when the file no longer matches (dtype or row
   * shape changed) or got shorter than its header says.
   */
  refresh(): Promise<number> {
    return this.#src.refresh();
  }

  /**
   * Reads the header again synchronously; see {@linkcode NpyReader.refresh}.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = NpyAppendArraySync.open(file);
   * npy.append([1]);
   * using reader = NpyReader.openSync(file);
   * npy.append([2, 3]);
   * assert.equal(reader.refreshSync(), 3);
   * ```
   *
   * @returns The new length.
   * @throws {NpyFormatError} when the file no longer matches.
   */
  refreshSync(): number {
    return this.#src.refreshSync();
  }

  /**
   * Iterates over items in batches of `batchItems` along the growth axis
   * (the last batch may be shorter), reading one batch at a time.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append(new Int16Array([1, 2, 3, 4, 5]));
   * const reader = await NpyReader.open(file);
   * const sizes = [];
   * for await (const batch of reader.batches({ batchItems: 2, start: 1 })) {
   *   sizes.push(batch.shape[0]);
   * }
   * assert.deepEqual(sizes, [2, 2]);
   * ```
   *
   * @param options `batchItems`, `start`, `end`.
   * @returns An async iterator of `{ data, shape, dtype, fortranOrder }`.
   * @throws {TypeError} at the first batch, for options that are not an
   * object or hold another key.
   */
  async *batches(
    options: NpyBatchOptions = {},
  ): AsyncGenerator<NpyArray, void, undefined> {
    options = checkBatchOptions(options, showFile(this.#src.label));
    const step = checkBatchItems(
      options.batchItems ?? this.batchItems,
      this.#src.label,
    );
    let [at, end] = this.#src.range(options.start ?? 0, options.end);
    while (at < end) {
      const next = Math.min(end, at + step);
      yield await this.read(at, next);
      at = next;
    }
  }

  /**
   * Iterates over items synchronously in batches; see
   * {@linkcode NpyReader.batches}.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append(new Int16Array([1, 2, 3]));
   * using reader = NpyReader.openSync(file);
   * const batches = [...reader.batchesSync({ batchItems: 2 })];
   * assert.equal(batches.length, 2);
   * ```
   *
   * @param options `batchItems`, `start`, `end`.
   * @returns An iterator of `{ data, shape, dtype, fortranOrder }`.
   * @throws {TypeError} at the first batch, for options that are not an
   * object or hold another key.
   */
  *batchesSync(
    options: NpyBatchOptions = {},
  ): Generator<NpyArray, void, undefined> {
    options = checkBatchOptions(options, showFile(this.#src.label));
    const step = checkBatchItems(
      options.batchItems ?? this.batchItems,
      this.#src.label,
    );
    let [at, end] = this.#src.range(options.start ?? 0, options.end);
    while (at < end) {
      const next = Math.min(end, at + step);
      yield this.readSync(at, next);
      at = next;
    }
  }

  /**
   * Iterates over all items in batches of the reader's `batchItems`
   * (`for await (const batch of reader)`).
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append(new Float32Array(10));
   * const reader = await NpyReader.open(file, { batchItems: 4 });
   * let n = 0;
   * for await (const batch of reader) n += batch.data.length;
   * assert.equal(n, 10);
   * ```
   *
   * @returns An async iterator of batches.
   */
  [Symbol.asyncIterator](): AsyncGenerator<NpyArray, void, undefined> {
    return this.batches();
  }

  /**
   * A `ReadableStream` of batches, read as the consumer pulls them (one
   * batch in memory at a time). An empty range streams one batch of zero
   * rows (where {@linkcode NpyReader.batches} yields none), so that
   * `pipeTo(writer.writable)` copies a file with no rows too.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([[1, 2], [3, 4], [5, 6]]);
   * const reader = await NpyReader.open(file);
   * const shapes = [];
   * for await (const batch of reader.readable({ batchItems: 2 })) {
   *   shapes.push(batch.shape);
   * }
   * assert.deepEqual(shapes, [[2, 2], [1, 2]]);
   * ```
   *
   * @param options `batchItems`, `start`, `end`.
   * @returns A stream of `{ data, shape, dtype, fortranOrder }`.
   */
  readable(options: NpyBatchOptions = {}): ReadableStream<NpyArray> {
    return readableOf(this.batches(options), () => this.read(0, 0));
  }

  /**
   * Closes the file if the reader opened it (from a path); a file object
   * passed in is left open. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([1]);
   * const reader = await NpyReader.open(file);
   * await reader.close();
   * await assert.rejects(reader.read(), TypeError);
   * ```
   *
   * @returns A promise that settles when the file is closed.
   */
  close(): Promise<void> {
    return settle(() => this.closeSync());
  }

  /**
   * Closes the file synchronously; see {@linkcode NpyReader.close}.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([1]);
   * const reader = NpyReader.openSync(file);
   * reader.closeSync();
   * assert.throws(() => reader.readSync(), TypeError);
   * ```
   */
  closeSync(): void {
    this.#src.close();
  }

  /**
   * Closes the reader at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([1, 2]);
   * {
   *   await using reader = await NpyReader.open(file);
   *   assert.equal(reader.length, 2);
   * }
   * ```
   *
   * @returns A promise that settles when the file is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Closes the reader at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, NpyReader } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * NpyAppendArraySync.open(file).append([1, 2]);
   * {
   *   using reader = NpyReader.openSync(file);
   *   assert.equal(reader.length, 2);
   * }
   * ```
   */
  [Symbol.dispose](): void {
    this.closeSync();
  }
}
