/**
 * Reading rows of a `.npy` file: random ranges along the growth axis,
 * batches (`for await`, `ReadableStream`), and following a file that a
 * writer is still appending to.
 *
 * @module
 */

import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { type IoSteps, readFully, runAsync, runSync, size } from "./_io.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { decodeItems } from "./decode.ts";
import type { NpyHeader } from "./header.ts";
import { openTarget } from "./_open_target.ts";
import { withFileName } from "./_error_label.ts";
import type { NpyArray, ReadNpyOptions } from "./read_npy.ts";
import {
  bytesPerRow,
  fileState,
  fileStateError,
  growthAxis,
  itemsPerRow,
  wholeRows,
} from "./_layout.ts";

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

const BATCH_BYTES = 1 << 20;

/** The layout facts of an opened file. */
interface Layout {
  header: NpyHeader;
  /** Index of the growth axis; -1 for a 0-d array, which has none. */
  axis: number;
  /** Items in one slice along the growth axis. */
  rowItems: number;
  /** Bytes in one slice along the growth axis. */
  rowBytes: number;
  /** Slices readable now. */
  length: number;
}

function layoutOf(
  info: FileInfo,
  label: string,
  allowIncomplete: boolean,
  refresh: boolean,
): Layout {
  const { header } = info;
  if (header.dtype.hasObject) {
    throw new NpyFormatError(
      `Cannot read ${label}: its dtype "${header.dtype.str}" holds Python objects (pickled), which cannot be read here`,
    );
  }
  if (header.shape.length === 0) {
    // A 0-d file opens (shape and dtype are known); row reads refuse it.
    if (info.dataLength < info.expectedDataLength) {
      throw new NpyFormatError(
        `Cannot read ${label}: it holds ${info.dataLength} data bytes but its header says ${info.expectedDataLength}; save the array again`,
      );
    }
    return {
      header,
      axis: -1,
      rowItems: 1,
      rowBytes: header.dtype.itemsize,
      length: 0,
    };
  }
  const axis = growthAxis(header.fortranOrder, header.shape.length);
  const rowItems = itemsPerRow(header.shape, header.fortranOrder);
  const rowBytes = bytesPerRow(header);
  let length = header.shape[axis]!;
  const state = fileState(info, "read");
  // More bytes than the header covers while following a writer (refresh)
  // is an append in progress: keep to the header, which the writer
  // rewrites after the data.
  const following = refresh && info.dataLength > info.expectedDataLength;
  if (state.state === "needs-recovery" && !following) {
    if (!allowIncomplete) {
      throw fileStateError(state, "read", {
        verb: "read",
        label,
        offersAllowIncomplete: true,
      });
    }
    length = wholeRows(header, info.dataLength);
  }
  return { header, axis, rowItems, rowBytes, length };
}

/**
 * Reads the header until two reads in a row agree, so a header being
 * rewritten by a writer at the same moment is not taken half-written, then
 * the file size: read after the header, it covers all the data the header
 * counts (a writer writes the data first).
 */
function* stableInspect(maxHeaderSize: number | undefined): IoSteps<FileInfo> {
  let info = yield* inspect(maxHeaderSize);
  for (let i = 0; i < 8; i++) {
    const again = yield* inspect(maxHeaderSize);
    if (sameHeader(info.header, again.header)) break;
    info = again;
  }
  const fileSize = yield* size();
  const dataLength = fileSize - info.header.headerLength;
  return {
    ...info,
    fileSize,
    dataLength,
    needsRecovery: fileState({ ...info, dataLength }, "read").state ===
      "needs-recovery",
  };
}

function sameHeader(a: NpyHeader, b: NpyHeader): boolean {
  return a.headerLength === b.headerLength && a.dtype.str === b.dtype.str &&
    a.fortranOrder === b.fortranOrder && a.shape.length === b.shape.length &&
    a.shape.every((n, i) => n === b.shape[i]);
}

function* rangeSteps(
  layout: Layout,
  start: number,
  end: number,
): IoSteps<NpyArray> {
  const { header, axis, rowItems, rowBytes } = layout;
  const n = end - start;
  const count = n * rowItems;
  const bytes = new Uint8Array(n * rowBytes);
  const got = yield* readFully(
    bytes,
    header.headerLength + start * rowBytes,
  );
  if (got !== bytes.length) {
    throw new NpyFormatError(
      `Truncated .npy file: expected ${bytes.length} bytes of items [${start}, ${end}), read ${got}`,
    );
  }
  const shape = [...header.shape];
  shape[axis] = n;
  return {
    data: decodeItems(bytes, header.dtype, count, { copy: false }),
    shape,
    dtype: header.dtype.str,
    fortranOrder: header.fortranOrder,
  };
}

function clampIndex(value: number, length: number, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot read items: ${name} must be an integer, got ${
        typeof value === "number" ? value : typeof value
      }`,
    );
  }
  if (value < 0) return Math.max(0, length + value);
  return Math.min(value, length);
}

function checkBatchItems(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot read batches: batchItems must be a positive integer, got "${value}"`,
    );
  }
  return value;
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
  readonly #label: string;
  readonly #sync: FileLikeSync | null;
  readonly #async: FileLike | null;
  readonly #owned: boolean;
  readonly #options: NpyReaderOptions;
  #layout: Layout;
  #closed = false;

  private constructor(
    label: string,
    sync: FileLikeSync | null,
    async: FileLike | null,
    owned: boolean,
    options: NpyReaderOptions,
    layout: Layout,
  ) {
    this.#label = label;
    this.#sync = sync;
    this.#async = async;
    this.#owned = owned;
    this.#options = options;
    this.#layout = layout;
  }

  static #prepare(
    target: Target,
    options: NpyReaderOptions,
    needSync: boolean,
  ): {
    label: string;
    sync: FileLikeSync | null;
    async: FileLike | null;
    owned: boolean;
  } {
    if (options.batchItems !== undefined) checkBatchItems(options.batchItems);
    const t = openTarget(target, { mode: "read", verb: "read", needSync });
    return {
      label: t.label,
      sync: t.file,
      async: t.asyncFile,
      owned: t.path !== null,
    };
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
    const p = NpyReader.#prepare(target, options, false);
    if (p.sync !== null) return NpyReader.#finishSync(p, options);
    const info = await runAsync(
      stableInspect(options.maxHeaderSize),
      p.async!,
    ).catch((e) => {
      throw withFileName(e, "read", p.label);
    });
    const layout = layoutOf(
      info,
      p.label,
      options.allowIncomplete ?? false,
      false,
    );
    return new NpyReader(p.label, null, p.async, false, options, layout);
  }

  static #finishSync(
    p: { label: string; sync: FileLikeSync | null; owned: boolean },
    options: NpyReaderOptions,
  ): NpyReader {
    const file = p.sync!;
    try {
      const info = runSync(stableInspect(options.maxHeaderSize), file);
      const layout = layoutOf(
        info,
        p.label,
        options.allowIncomplete ?? false,
        false,
      );
      return new NpyReader(p.label, file, null, p.owned, options, layout);
    } catch (e) {
      if (p.owned) file.closeSync?.();
      throw withFileName(e, "read", p.label);
    }
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
    return NpyReader.#finishSync(
      NpyReader.#prepare(target, options, true),
      options,
    );
  }

  /** Items along the growth axis that can be read now. */
  get length(): number {
    return this.#layout.length;
  }

  /** The shape of the readable part, growth axis included. */
  get shape(): number[] {
    const shape = [...this.#layout.header.shape];
    if (this.#layout.axis >= 0) shape[this.#layout.axis] = this.#layout.length;
    return shape;
  }

  /** The descr text of the dtype, as the header holds it. */
  get dtype(): string {
    return this.#layout.header.dtype.str;
  }

  /** Whether the file is in Fortran order (growth along the last axis). */
  get fortranOrder(): boolean {
    return this.#layout.header.fortranOrder;
  }

  /** The default number of items per batch. */
  get batchItems(): number {
    const { rowBytes, rowItems, length } = this.#layout;
    // Rows that hold no items at all cost nothing: one batch takes them.
    if (rowBytes === 0 && rowItems === 0) {
      return this.#options.batchItems ?? Math.max(1, length);
    }
    return this.#options.batchItems ??
      Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, rowBytes)));
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new TypeError(
        `Cannot read ${this.#label}: the reader is closed; open a new one`,
      );
    }
  }

  #run<T>(steps: () => IoSteps<T>): Promise<T> {
    try {
      this.#checkOpen();
      if (this.#sync !== null) {
        return Promise.resolve(runSync(steps(), this.#sync));
      }
      return runAsync(steps(), this.#async!).catch((e) => {
        throw withFileName(e, "read", this.#label);
      });
    } catch (e) {
      return Promise.reject(withFileName(e, "read", this.#label));
    }
  }

  #runSync<T>(steps: () => IoSteps<T>): T {
    this.#checkOpen();
    if (this.#sync === null) {
      throw new TypeError(
        `Cannot read ${this.#label} synchronously: it is an async-only FileLike; use the async methods`,
      );
    }
    try {
      return runSync(steps(), this.#sync);
    } catch (e) {
      throw withFileName(e, "read", this.#label);
    }
  }

  #range(start: number, end: number | undefined): [number, number] {
    if (this.#layout.axis < 0) {
      throw new RangeError(
        `Cannot read rows of ${this.#label}: it holds a 0-d array, which has no growth axis; use readNpy`,
      );
    }
    const length = this.#layout.length;
    const s = clampIndex(start, length, "start");
    const e = end === undefined ? length : clampIndex(end, length, "end");
    return [s, Math.max(s, e)];
  }

  /**
   * Reads items `[start, end)` along the growth axis, reading just their
   * bytes. Bounds work like Python slices: negative ones count from the
   * end, out-of-range ones are clamped, and `end <= start` gives an empty
   * array.
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
   * @throws {NpyFormatError} when the file got shorter than its header says.
   */
  read(start: number = 0, end?: number): Promise<NpyArray> {
    try {
      const [s, e] = this.#range(start, end);
      const layout = this.#layout;
      return this.#run(() => rangeSteps(layout, s, e));
    } catch (err) {
      return Promise.reject(err);
    }
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
    const [s, e] = this.#range(start, end);
    const layout = this.#layout;
    return this.#runSync(() => rangeSteps(layout, s, e));
  }

  #adopt(info: FileInfo): number {
    const next = layoutOf(
      info,
      this.#label,
      this.#options.allowIncomplete ?? false,
      true,
    );
    const old = this.#layout.header;
    const same = next.header.dtype.str === old.dtype.str &&
      next.header.fortranOrder === old.fortranOrder &&
      next.header.shape.length === old.shape.length &&
      next.header.shape.every((n, i) => i === next.axis || n === old.shape[i]);
    if (!same) {
      throw new NpyFormatError(
        `Cannot refresh ${this.#label}: its dtype, order or row shape changed; open it again`,
      );
    }
    this.#layout = next;
    return next.length;
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
    return this.#run(() => stableInspect(this.#options.maxHeaderSize))
      .then((info) => this.#adopt(info));
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
    return this.#adopt(
      this.#runSync(() => stableInspect(this.#options.maxHeaderSize)),
    );
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
   */
  async *batches(
    options: NpyBatchOptions = {},
  ): AsyncGenerator<NpyArray, void, undefined> {
    const step = checkBatchItems(options.batchItems ?? this.batchItems);
    let [at, end] = this.#range(options.start ?? 0, options.end);
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
   */
  *batchesSync(
    options: NpyBatchOptions = {},
  ): Generator<NpyArray, void, undefined> {
    const step = checkBatchItems(options.batchItems ?? this.batchItems);
    let [at, end] = this.#range(options.start ?? 0, options.end);
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
   * batch in memory at a time).
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
    const it = this.batches(options);
    return new ReadableStream<NpyArray>({
      async pull(controller) {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel() {
        await it.return();
      },
    }, { highWaterMark: 0 });
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
    try {
      this.closeSync();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
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
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) this.#sync?.closeSync?.();
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
