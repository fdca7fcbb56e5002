/**
 * Reading a stack (Dask's `to_npy_stack` layout) as one array, following
 * it while it is written.
 *
 * @module
 */

import { readableOf } from "./_readable.ts";
import { refuseNew } from "./_no_new.ts";
import type { NpyArray } from "./read_npy.ts";
import { checkBatchOptions, HEADER_OPTIONS } from "./_option_kinds.ts";
import { checkOptions } from "./_options_check.ts";
import type { ParseHeaderOptions } from "./header.ts";
import type { NpyBatchOptions } from "./npy_reader.ts";
import { parseDType } from "./dtype.ts";
import { growthAxis, itemsPerRow } from "./_layout.ts";
import { type PathFs, pathFs, toPath } from "./_path_fs.ts";
import {
  checkStackFolder,
  partPath,
  shardHead,
  shardPath,
  shardRows,
} from "./_stack_core.ts";
import { scanForReading } from "./_stack_clear.ts";
import { liveShardHead, rowRange, stackRowsSync } from "./_stack_rows.ts";
import { noteShard, type ShardIds } from "./_shard_read.ts";

const BATCH_BYTES = 1 << 20;

/**
 * A stack of `.npy` shards (`DIR/0.npy`, `DIR/1.npy`, ... and the live
 * `DIR/{n}.npy.part`) seen as one array along the growth axis, as
 * `dask.array.from_npy_stack(dir)` shows it. Reads only the shards a range
 * touches, one at a time, so memory stays constant however many shards
 * there are. `refresh()` follows a stack being written.
 *
 * @example Read across shard boundaries
 * ```ts
 * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * using stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
 * stack.append(new Float64Array([0, 1, 2, 3, 4]));
 * const reader = await NpyStackReader.open(dir);
 * assert.deepEqual(reader.shape, [5]);
 * assert.deepEqual([...(await reader.read(1, 4)).data as Float64Array], [1, 2, 3]);
 * ```
 */
export class NpyStackReader implements AsyncDisposable, Disposable {
  readonly #dir: string;
  readonly #fs: PathFs;
  /** Rows of each sealed shard. */
  readonly #chunks: number[] = [];
  /** First row of each sealed shard, and the end of the last. */
  readonly #starts: number[] = [0];
  #liveRows = 0;
  /** Whether the live shard's header was read (it counts as a shard file). */
  #liveFile = false;
  #shape: number[] = [];
  #dtype = "";
  #itemsize = 0;
  #fortran = false;
  #closed = false;
  readonly #maxHeaderSize: number | undefined;
  readonly #ids: ShardIds = new Map();

  private constructor(dir: string, fs: PathFs, maxHeaderSize?: number) {
    refuseNew(typeof fs?.kind === "function", "await NpyStackReader.open(dir)");
    this.#dir = dir;
    this.#fs = fs;
    this.#maxHeaderSize = maxHeaderSize;
  }

  /**
   * Opens a stack folder for reading (no lock is taken).
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir, { dtype: "<i2" }).append([[1, 2]]);
   * const reader = await NpyStackReader.open(dir);
   * assert.equal(reader.dtype, "<i2");
   * ```
   *
   * @example Shards whose headers pass 10,000 characters (hundreds of fields)
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const dtype: [string, string][] = [];
   * for (let i = 0; i < 600; i++) dtype.push([`field_${i}`, "<u1"]);
   * const options = { dtype, maxHeaderSize: 100_000 };
   * NpyStackWriterSync.open(dir, options).append(new Uint8Array(600));
   * const reader = await NpyStackReader.open(dir, { maxHeaderSize: 100_000 });
   * assert.deepEqual(reader.shape, [1]);
   * ```
   *
   * @param dir The folder, a path or `file:` URL.
   * @param options `maxHeaderSize`: the longest shard header read, in
   *   characters (default 10,000, as `np.load`'s `max_header_size`); give
   *   the writer's when it wrote longer ones.
   * @returns The reader.
   * @throws {TypeError} when the folder holds no stack, or the path is not
   *   a folder.
   * @throws {NpyFormatError} for a broken `info` or shard, or a header
   *   longer than `maxHeaderSize`.
   */
  static open(
    dir: string | URL,
    options: ParseHeaderOptions = {},
  ): Promise<NpyStackReader> {
    try {
      return Promise.resolve(NpyStackReader.openSync(dir, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Opens a stack folder for reading, synchronously; see
   * {@linkcode NpyStackReader.open}.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir).append([1, 2, 3]);
   * assert.deepEqual(NpyStackReader.openSync(dir).shape, [3]);
   * ```
   *
   * @param dir The folder, a path or `file:` URL.
   * @param options `maxHeaderSize`, as {@linkcode NpyStackReader.open}.
   * @returns The reader.
   * @throws {TypeError} when the folder holds no stack, or the path is not
   *   a folder.
   * @throws {NpyFormatError} for a broken `info` or shard.
   */
  static openSync(
    dir: string | URL,
    options: ParseHeaderOptions = {},
  ): NpyStackReader {
    options = checkOptions(options, "read", dir, HEADER_OPTIONS);
    const path = toPath(dir);
    const fs = pathFs();
    checkStackFolder(fs, path, "read", false);
    const r = new NpyStackReader(path, fs, options.maxHeaderSize);
    const scan = scanForReading(path, fs, options.maxHeaderSize);
    for (const n of scan.chunks) r.#push(n);
    if (scan.shape !== null && scan.dtype !== undefined) {
      r.#setLayout(scan.shape, scan.dtype.str, scan.fortranOrder ?? false);
    }
    // As refreshSync: a shard sealed since the scan is read by its new name.
    r.refreshSync();
    if (r.#dtype === "") {
      throw new TypeError(
        `Cannot read the stack "${path}": it holds no shard yet (no info, no {n}.npy, no {n}.npy.part); append to it first`,
      );
    }
    return r;
  }

  #push(rows: number): void {
    noteShard(this.#ids, this.#dir, this.#chunks.length);
    this.#chunks.push(rows);
    this.#starts.push(this.#starts[this.#starts.length - 1]! + rows);
  }

  #setLayout(shape: number[], dtype: string, fortran: boolean): void {
    this.#shape = [...shape];
    this.#dtype = dtype;
    this.#itemsize = parseDType(dtype).itemsize;
    this.#fortran = fortran;
  }

  #axis(): number {
    return Math.max(growthAxis(this.#fortran, this.#shape.length), 0);
  }

  /** Reads the live shard's covered rows; `false` if it vanished (sealed). */
  #refreshLive(): boolean {
    this.#liveRows = 0;
    this.#liveFile = false;
    const n = this.#chunks.length;
    const head = liveShardHead(this.#fs, this.#dir, n, this.#maxHeaderSize);
    if (head === "sealed") return false;
    if (head === null) return true;
    if (this.#dtype === "") {
      this.#setLayout(head.shape, head.dtype, head.fortranOrder);
    }
    this.#liveRows = shardRows(head, this.#fortran);
    this.#liveFile = true;
    return true;
  }

  /** The whole rows sealed and live. */
  get length(): number {
    return this.#starts[this.#starts.length - 1]! + this.#liveRows;
  }

  /** The shape of the whole stack, as `from_npy_stack` gives it (plus the live rows). */
  get shape(): number[] {
    const s = [...this.#shape];
    if (s.length > 0) s[this.#axis()] = this.length;
    return s;
  }

  /** The descr text of the dtype. */
  get dtype(): string {
    return this.#dtype;
  }

  /** Whether the shards grow along their last axis. */
  get fortranOrder(): boolean {
    return this.#fortran;
  }

  /** The number of sealed shards seen. */
  get shards(): number {
    return this.#chunks.length;
  }

  /**
   * Rows of each sealed shard along the growth axis, as Dask's
   * `from_npy_stack(dir).chunks[axis]` (the live shard left out).
   *
   * @example Rows per shard
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir, { shardRows: 2 }).append([1, 2, 3, 4, 5]);
   * assert.deepEqual(NpyStackReader.openSync(dir).chunks, [2, 2]);
   * ```
   */
  get chunks(): number[] {
    return [...this.#chunks];
  }

  /**
   * The axis the stack grows along: 0, or the last in Fortran order.
   *
   * @example A Fortran-order stack
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const w = NpyStackWriterSync.open(dir, { fortranOrder: true });
   * w.append({ data: [1, 2, 3, 4], shape: [2, 2], fortranOrder: true });
   * assert.equal(NpyStackReader.openSync(dir).growthAxis, 1);
   * ```
   */
  get growthAxis(): number {
    return this.#axis();
  }

  /**
   * The shard files in order, each a `.npy` file of its own: the sealed
   * `DIR/{n}.npy`, then the live `DIR/{n}.npy.part` once it has a header.
   *
   * @example Files that np.load reads
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir, { shardRows: 2 }).append([1, 2, 3]);
   * assert.deepEqual(NpyStackReader.openSync(dir).files, [`${dir}/0.npy`, `${dir}/1.npy.part`]);
   * ```
   */
  get files(): string[] {
    const out = this.#chunks.map((_, n) => shardPath(this.#dir, n));
    if (this.#liveFile) out.push(partPath(this.#dir, this.#chunks.length));
    return out;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new TypeError(
        `Cannot read the stack "${this.#dir}": the reader is closed; open it again`,
      );
    }
  }

  /**
   * Looks for newly sealed shards and rows added to the live shard
   * (whole rows only, in order); synchronously.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
   * stack.append([1]);
   * const reader = NpyStackReader.openSync(dir);
   * stack.append([2, 3]);
   * assert.equal(reader.refreshSync(), 3);
   * assert.equal(reader.shards, 1);
   * ```
   *
   * @returns The new length.
   * @throws {TypeError} when the reader is closed.
   */
  refreshSync(): number {
    this.#checkOpen();
    for (let attempt = 0; attempt < 100; attempt++) {
      let n = this.#chunks.length;
      while (this.#fs.exists(shardPath(this.#dir, n))) {
        const head = shardHead(
          shardPath(this.#dir, n),
          this.#maxHeaderSize,
        );
        if (this.#dtype === "") {
          this.#setLayout(head.shape, head.dtype, head.fortranOrder);
        }
        this.#push(shardRows(head, this.#fortran));
        n++;
      }
      if (this.#refreshLive()) break;
    }
    return this.length;
  }

  /**
   * Looks for newly sealed shards and rows added to the live shard;
   * see {@linkcode NpyStackReader.refreshSync}.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await using stack = await NpyStackWriter.open(dir);
   * await stack.append([1]);
   * const reader = await NpyStackReader.open(dir);
   * await stack.append([2]);
   * assert.equal(await reader.refresh(), 2);
   * ```
   *
   * @returns The new length.
   * @throws {TypeError} when the reader is closed.
   */
  refresh(): Promise<number> {
    try {
      return Promise.resolve(this.refreshSync());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Reads rows `[start, end)` of the whole stack, synchronously; see
   * {@linkcode NpyStackReader.read}.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 1, dtype: "<i4" });
   * stack.append([[1, 2], [3, 4]]);
   * const r = NpyStackReader.openSync(dir).readSync(-1);
   * assert.deepEqual([...r.data as Int32Array], [3, 4]);
   * ```
   *
   * @param start First row (default 0); negative counts from the end.
   * @param end End, exclusive (default: the length); Python slice rules.
   * @returns `{ data, shape, dtype, fortranOrder }` as `readNpy` gives it.
   * @throws {TypeError} for a bound that is not an integer, or a closed reader.
   * @throws {NpyFormatError} when a shard is broken.
   */
  readSync(start: number = 0, end?: number): NpyArray {
    this.#checkOpen();
    const [s, e] = this.#range(start, end);
    const data = stackRowsSync(
      {
        dir: this.#dir,
        chunks: this.#chunks,
        starts: this.#starts,
        liveRows: this.#liveRows,
        fortran: this.#fortran,
        dtype: this.#dtype,
        shape: this.#shape,
        maxHeaderSize: this.#maxHeaderSize,
        ids: this.#ids,
      },
      s,
      e,
    );
    const shape = [...this.#shape];
    shape[this.#axis()] = e - s;
    return { data, shape, dtype: this.#dtype, fortranOrder: this.#fortran };
  }

  /**
   * Reads rows `[start, end)` along the growth axis, across shard
   * boundaries: `np.concatenate` of the shards' rows, as
   * `da.from_npy_stack(dir)[start:end].compute()` gives them. Bounds work
   * like Python slices.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 3 });
   * stack.append(new Int16Array([0, 1, 2, 3, 4, 5, 6]));
   * const reader = await NpyStackReader.open(dir);
   * assert.deepEqual([...(await reader.read(2, 6)).data as Int16Array], [2, 3, 4, 5]);
   * ```
   *
   * @param start First row (default 0); negative counts from the end.
   * @param end End, exclusive (default: the length).
   * @returns `{ data, shape, dtype, fortranOrder }`.
   * @throws {TypeError} for a bound that is not an integer, or a closed reader.
   * @throws {NpyFormatError} when a shard is broken.
   */
  read(start: number = 0, end?: number): Promise<NpyArray> {
    try {
      return Promise.resolve(this.readSync(start, end));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #range(start: number, end: number | undefined): [number, number] {
    return rowRange(this.#dir, this.length, start, end);
  }

  /**
   * Iterates over rows in batches (about 1 MiB each by default), reading
   * one batch at a time.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
   * stack.append(new Float32Array(5));
   * const reader = await NpyStackReader.open(dir);
   * const sizes = [];
   * for await (const b of reader.batches({ batchItems: 3 })) sizes.push(b.shape[0]);
   * assert.deepEqual(sizes, [3, 2]);
   * ```
   *
   * @param options `batchItems` (rows per batch), `start`, `end`.
   * @returns An async iterator of `{ data, shape, dtype, fortranOrder }`.
   * @throws {RangeError} for a `batchItems` that is not a positive integer.
   * @throws {TypeError} for options that are not an object or hold another key.
   */
  async *batches(
    options: NpyBatchOptions = {},
  ): AsyncGenerator<NpyArray, void, undefined> {
    const shown = `the stack ${JSON.stringify(this.#dir)}`;
    options = checkBatchOptions(options, shown);
    const step = options.batchItems ?? this.#defaultBatch();
    if (!Number.isSafeInteger(step) || step < 1) {
      throw new RangeError(
        `Cannot read the stack "${this.#dir}": batchItems must be a positive integer, not ${
          String(step)
        }`,
      );
    }
    let [at, end] = this.#range(options.start ?? 0, options.end);
    while (at < end) {
      const next = Math.min(end, at + step);
      yield await this.read(at, next);
      at = next;
    }
  }

  #defaultBatch(): number {
    const rowBytes = itemsPerRow(this.#shape, this.#fortran) * this.#itemsize;
    return Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, rowBytes)));
  }

  /**
   * The batches as a `ReadableStream`; an empty range, one zero-row batch.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
   * stack.append([1, 2, 3]);
   * let rows = 0;
   * for await (const b of (await NpyStackReader.open(dir)).readable()) rows += b.shape[0]!;
   * assert.equal(rows, 3);
   * ```
   *
   * @param options `batchItems`, `start`, `end`.
   * @returns A stream of `{ data, shape, dtype, fortranOrder }`.
   */
  readable(options: NpyBatchOptions = {}): ReadableStream<NpyArray> {
    return readableOf(this.batches(options), () => this.read(0, 0));
  }

  /**
   * Ends the reader (it holds no open file between calls), synchronously.
   * Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir).append([1]);
   * const reader = NpyStackReader.openSync(dir);
   * reader.closeSync();
   * assert.throws(() => reader.readSync(), TypeError);
   * ```
   */
  closeSync(): void {
    this.#closed = true;
  }

  /**
   * Ends the reader; see {@linkcode NpyStackReader.closeSync}.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir).append([1]);
   * const reader = await NpyStackReader.open(dir);
   * await reader.close();
   * await assert.rejects(reader.read(), TypeError);
   * ```
   *
   * @returns When the reader is closed.
   */
  close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }

  /**
   * Closes the reader at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir).append([1, 2]);
   * {
   *   await using reader = await NpyStackReader.open(dir);
   *   assert.equal(reader.length, 2);
   * }
   * ```
   *
   * @returns When the reader is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Closes the reader at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { NpyStackReader, NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyStackWriterSync.open(dir).append([1, 2]);
   * {
   *   using reader = NpyStackReader.openSync(dir);
   *   assert.equal(reader.length, 2);
   * }
   * ```
   */
  [Symbol.dispose](): void {
    this.closeSync();
  }
}
