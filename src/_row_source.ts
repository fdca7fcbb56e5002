/**
 * The engine of {@linkcode NpyReader}: the opened file, its layout, and
 * the one read of rows (direct positioned reads on a sync file, the async
 * driver on an async-only one), decoding into arrays or filling a
 * caller's buffer.
 *
 * @module
 */

import { readBytes } from "./_alloc.ts";
import { unusableView } from "./_typed_arrays.ts";
import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import {
  type IoSteps,
  readFully,
  readFullySync,
  runAsync,
  runSync,
} from "./_io.ts";
import type { FileInfo } from "./_inspect.ts";
import {
  decodeItems,
  type NpyData,
  type NumericDecoder,
  numericDecoder,
  toNativeInPlace,
} from "./decode.ts";
import type { TypedArray } from "./array_input.ts";
import { openTarget, targetLabel } from "./_open_target.ts";
import { liveWriter } from "./_live_writer.ts";
import { hasUnsettled } from "./_journal_path.ts";
import { headerLengthFromPreamble } from "./header.ts";
import { withFileName } from "./_error_label.ts";
import type { NpyArray } from "./read_npy.ts";
import type { NpyReaderOptions } from "./npy_reader.ts";
import {
  checkBatchItems,
  clampIndex,
  type Layout,
  layoutOf,
  settledLayout,
  stableInspect,
} from "./_reader_layout.ts";
import { showFile } from "./_file_label.ts";
import { refuseMadeAnew } from "./_path_meta.ts";

const NO_COPY = { copy: false } as const;

/**
 * Reads of a numeric dtype of at most this many bytes go through the
 * reader's scratch buffer: one positioned read into it, then one copy into
 * a new typed array. That is one allocation per read, where
 * reading into a new byte buffer and viewing it as the typed array costs
 * two plus moving the buffer off the engine's heap (V8 keeps typed arrays
 * of up to 64 bytes on its heap until `.buffer` is asked for): 1.1 to 1.8
 * times faster for random single rows on Node and Bun. Above about 2 KiB
 * the copy costs what the allocations save, so larger reads go straight
 * into a new buffer.
 */
const SCRATCH_BYTES = 1024;

/** Throws when a read of items `[s, e)` stopped short of `bytes`. */
function checkGot(
  got: number,
  bytes: Uint8Array,
  s: number,
  e: number,
): undefined {
  if (got !== bytes.length) {
    throw new NpyFormatError(
      "truncated",
      `truncated .npy file: expected ${bytes.length} bytes of items [${s}, ${e}), read ${got}`,
    );
  }
  return undefined;
}

/** An opened file read by rows; see {@linkcode NpyReader}. */
export class RowSource {
  readonly label: string;
  readonly sync: FileLikeSync | null;
  readonly async: FileLike | null;
  readonly owned: boolean;
  readonly options: NpyReaderOptions;
  layout: Layout;
  closed = false;
  /** How the file's items decode, when they are numbers (fixed: refresh keeps the dtype). */
  readonly #decoder: NumericDecoder | undefined;
  /** The scratch buffer of small reads, made at the first. */
  #scratch: ArrayBuffer | null = null;
  /** The same bytes as the decoder's typed array. */
  #scratchTyped: TypedArray | null = null;
  /** The scratch's first bytes, as many as the last small read took. */
  #scratchView: Uint8Array | null = null;
  /** A read into the scratch is under way (a file that reads this reader again). */
  #scratchBusy = false;
  /**
   * A file whose header has no room to grow, the only kind an in-place
   * `ensureAppendable` moves the data of: its path (`""` for a file
   * object), checked after each read; `null` for the others.
   */
  #movable: string | null = null;
  /**
   * The size of a movable file when a full check last passed (`-1`: none
   * yet). A read of such a file checks only the size (one `fstat`) while
   * it stays this; see {@linkcode RowSource.checkNotMoved}.
   */
  #knownSize = -1;
  /** The path opened and its file's device and inode, checked at refresh. */
  #opened: { path: string; id: string | null } | null = null;

  private constructor(
    label: string,
    sync: FileLikeSync | null,
    async: FileLike | null,
    owned: boolean,
    options: NpyReaderOptions,
    layout: Layout,
  ) {
    this.label = label;
    this.sync = sync;
    this.async = async;
    this.owned = owned;
    this.options = options;
    this.layout = layout;
    this.#decoder = layout.axis < 0
      ? undefined
      : numericDecoder(layout.header.dtype);
  }

  static prepare(
    target: Target,
    options: NpyReaderOptions,
    needSync: boolean,
  ): {
    label: string;
    sync: FileLikeSync | null;
    async: FileLike | null;
    owned: boolean;
    path: string | null;
  } {
    if (options.batchItems !== undefined) {
      checkBatchItems(options.batchItems, targetLabel(target));
    }
    const t = openTarget(target, { mode: "read", verb: "read", needSync });
    return {
      label: t.label,
      sync: t.file,
      async: t.asyncFile,
      owned: t.path !== null,
      path: t.path,
    };
  }

  static async open(
    target: Target,
    options: NpyReaderOptions,
  ): Promise<RowSource> {
    const p = RowSource.prepare(target, options, false);
    if (p.sync !== null) return RowSource.finishSync(p, options);
    const { layout } = await runAsync(
      settledLayout(
        options.maxHeaderSize,
        p.label,
        options.allowIncomplete ?? false,
        liveWriter(p.path),
      ),
      p.async!,
    ).catch((e) => {
      throw withFileName(e, "read", p.label);
    });
    return new RowSource(p.label, null, p.async, false, options, layout);
  }

  static finishSync(
    p: {
      label: string;
      sync: FileLikeSync | null;
      owned: boolean;
      path: string | null;
    },
    options: NpyReaderOptions,
  ): RowSource {
    const file = p.sync!;
    try {
      const { info, layout } = runSync(
        settledLayout(
          options.maxHeaderSize,
          p.label,
          options.allowIncomplete ?? false,
          liveWriter(p.path),
        ),
        file,
      );
      const src = new RowSource(p.label, file, null, p.owned, options, layout);
      if (!info.appendable) src.#movable = p.path ?? "";
      if (p.owned && p.path !== null) {
        const f = file as { identity?: () => string | null };
        src.#opened = { path: p.path, id: f.identity?.() ?? null };
      }
      return src;
    } catch (e) {
      if (p.owned) file.closeSync?.();
      throw withFileName(e, "read", p.label);
    }
  }

  static openSync(target: Target, options: NpyReaderOptions): RowSource {
    return RowSource.finishSync(
      RowSource.prepare(target, options, true),
      options,
    );
  }

  checkOpen(): void {
    if (this.closed) {
      throw new TypeError(
        `Cannot read ${
          showFile(this.label)
        }: the reader is closed; open a new one`,
      );
    }
  }

  run<T>(steps: () => IoSteps<T>): Promise<T> {
    try {
      this.checkOpen();
      if (this.sync !== null) {
        return Promise.resolve(runSync(steps(), this.sync));
      }
      return runAsync(steps(), this.async!).catch((e) => {
        throw withFileName(e, "read", this.label);
      });
    } catch (e) {
      return Promise.reject(withFileName(e, "read", this.label));
    }
  }

  runSync<T>(steps: () => IoSteps<T>): T {
    const file = this.syncFile();
    try {
      return runSync(steps(), file);
    } catch (e) {
      throw withFileName(e, "read", this.label);
    }
  }

  /** The first item of a read, checked; refuses a 0-d file. */
  first(start: number): number {
    if (this.layout.axis < 0) {
      throw new RangeError(
        `Cannot read rows of ${
          showFile(this.label)
        }: it holds a 0-d array, which has no growth axis; use readNpy`,
      );
    }
    return clampIndex(start, this.layout.length, "start", this.label);
  }

  range(start: number, end: number | undefined): [number, number] {
    const s = this.first(start);
    return [s, this.end(s, end)];
  }

  end(s: number, end: number | undefined): number {
    const length = this.layout.length;
    return Math.max(
      s,
      end === undefined ? length : clampIndex(end, length, "end", this.label),
    );
  }

  /** The sync file, for a sync method. */
  syncFile(): FileLikeSync {
    this.checkOpen();
    if (this.sync === null) {
      throw new TypeError(
        `Cannot read ${
          showFile(this.label)
        } synchronously: it is an async-only FileLike; use the async methods`,
      );
    }
    return this.sync;
  }

  /**
   * The one read of rows: the bytes of items `[s, e)` into `bytes`, with
   * one direct positioned read on a sync file (no promise, generator or
   * step object), or the async driver on an async-only one.
   */
  fill(
    bytes: Uint8Array,
    s: number,
    e: number,
    file: FileLikeSync | null,
  ): Promise<void> | undefined {
    const position = this.layout.header.headerLength +
      s * this.layout.rowBytes;
    if (file !== null) {
      const got = readFullySync(file, bytes, position);
      // After the read, never before: see checkNotMoved.
      if (this.#movable !== null) {
        const size = file.sizeSync();
        if (size !== this.#knownSize) this.checkNotMoved(file, size);
      }
      return checkGot(got, bytes, s, e);
    }
    return runAsync(readFully(bytes, position), this.async!).then(
      (got) => checkGot(got, bytes, s, e),
      (err) => {
        throw withFileName(err, "read", this.label);
      },
    );
  }

  /**
   * Items `[s, e)` of a numeric file read from a sync file through the
   * scratch buffer (see {@linkcode SCRATCH_BYTES}) and copied into a new
   * typed array in native byte order; `undefined` when the read is empty,
   * too large, or of a dtype that is not numeric.
   */
  small(s: number, e: number, file: FileLikeSync): NpyData | undefined {
    const d = this.#decoder;
    const need = (e - s) * this.layout.rowBytes;
    if (
      d === undefined || need === 0 || need > SCRATCH_BYTES ||
      this.#scratchBusy
    ) {
      return undefined;
    }
    let view = this.#scratchView;
    if (view === null || view.byteLength !== need) {
      this.#scratch ??= new ArrayBuffer(SCRATCH_BYTES);
      view = this.#scratchView = new Uint8Array(this.#scratch, 0, need);
      this.#scratchTyped = new d.ctor(
        this.#scratch,
        0,
        (e - s) * this.layout.rowItems * d.per,
      );
    }
    this.#scratchBusy = true;
    try {
      this.fill(view, s, e, file);
    } finally {
      this.#scratchBusy = false;
    }
    toNativeInPlace(view, need, d);
    const typed = this.#scratchTyped!;
    // A new array of the length, then a copy: one allocation (on the
    // engine's heap for small ones), faster than `slice` on V8 and JSC.
    const out = new (d.ctor as unknown as new (n: number) => TypedArray)(
      typed.length,
    );
    out.set(typed as never);
    return out as NpyData;
  }

  /** The result of a read of `n` items whose bytes are `bytes`. */
  array(bytes: Uint8Array, n: number): NpyArray {
    const { header, rowItems } = this.layout;
    return this.result(
      decodeItems(bytes, header.dtype, n * rowItems, NO_COPY),
      n,
    );
  }

  /** The result of a read of `n` items decoded as `data`. */
  result(data: NpyData, n: number): NpyArray {
    const { header, axis } = this.layout;
    const shape = header.shape.slice();
    shape[axis] = n;
    return {
      data,
      shape,
      dtype: header.dtype.str,
      fortranOrder: header.fortranOrder,
    };
  }

  /** `buffer` as the bytes that items `[s, e)` fill, after checks. */
  into(buffer: ArrayBufferView, s: number, e: number): Uint8Array {
    const why = unusableView(buffer);
    if (why !== undefined) {
      throw new TypeError(
        `Cannot read ${showFile(this.label)} into the buffer: ${why}`,
      );
    }
    if (!ArrayBuffer.isView(buffer)) {
      throw new TypeError(
        `Cannot read ${
          showFile(this.label)
        } into the buffer: pass a Uint8Array or another ArrayBufferView, got ${
          buffer === null ? "null" : typeof buffer
        }`,
      );
    }
    const need = (e - s) * this.layout.rowBytes;
    if (buffer.byteLength < need) {
      throw new RangeError(
        `Cannot read items [${s}, ${e}) of ${
          showFile(this.label)
        }: they take ${need} bytes and the buffer holds ${buffer.byteLength}; pass a buffer of at least ${need} bytes`,
      );
    }
    if (buffer instanceof Uint8Array && buffer.byteLength === need) {
      return buffer;
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, need);
  }

  read(start: number = 0, end?: number): Promise<NpyArray> {
    try {
      const s = this.first(start);
      const e = this.end(s, end);
      this.checkOpen();
      if (this.sync !== null) {
        // A sync file (every path) is read at once, as readSync does.
        const data = this.small(s, e, this.sync);
        if (data !== undefined) {
          return Promise.resolve(this.result(data, e - s));
        }
      }
      const bytes = readBytes((e - s) * this.layout.rowBytes);
      const pending = this.fill(bytes, s, e, this.sync);
      if (pending === undefined) {
        return Promise.resolve(this.array(bytes, e - s));
      }
      // The decoder's refusals (a hostile header's counts) name the file
      // too.
      return pending.then(() => this.array(bytes, e - s)).catch((err) =>
        Promise.reject(withFileName(err, "read", this.label))
      );
    } catch (err) {
      return Promise.reject(withFileName(err, "read", this.label));
    }
  }

  readSync(start: number = 0, end?: number): NpyArray {
    const s = this.first(start);
    const e = this.end(s, end);
    const file = this.syncFile();
    try {
      const data = this.small(s, e, file);
      if (data !== undefined) return this.result(data, e - s);
      const bytes = readBytes((e - s) * this.layout.rowBytes);
      this.fill(bytes, s, e, file);
      // Decoded in the try: its refusals name the file too.
      return this.array(bytes, e - s);
    } catch (err) {
      throw withFileName(err, "read", this.label);
    }
  }

  readInto(
    buffer: ArrayBufferView,
    start: number = 0,
    end?: number,
  ): Promise<number> {
    try {
      const s = this.first(start);
      const e = this.end(s, end);
      this.checkOpen();
      const bytes = this.into(buffer, s, e);
      const pending = this.fill(bytes, s, e, this.sync);
      if (pending === undefined) return Promise.resolve(bytes.byteLength);
      return pending.then(() => bytes.byteLength);
    } catch (err) {
      return Promise.reject(withFileName(err, "read", this.label));
    }
  }

  readIntoSync(
    buffer: ArrayBufferView,
    start: number = 0,
    end?: number,
  ): number {
    const s = this.first(start);
    const e = this.end(s, end);
    const file = this.syncFile();
    const bytes = this.into(buffer, s, e);
    try {
      this.fill(bytes, s, e, file);
    } catch (err) {
      throw withFileName(err, "read", this.label);
    }
    return bytes.byteLength;
  }

  /**
   * After a read of a file that an in-place `ensureAppendable` may move,
   * whose size (`size`, taken after the read) is not the one the last
   * full check saw: the rows read were where the header says only if no
   * move is under way (its record beside the file) and the header kept
   * its length. Passing, it remembers `size`, and later reads check only
   * the size.
   *
   * Why no interleaving lets moved bytes pass (a move, `shiftInPlace`,
   * does in order: R, create its record; G, grow the file by the shift;
   * D, move the data; H, write the longer header; X, remove the record;
   * a move undone before D truncates back and moved nothing):
   * - Full check, in the order size (t1, after the read), record (t2),
   *   header length (t3). No record at t2 means the move either had not
   *   done R by t2, or had done X; after X, H is done, so t3 sees the
   *   new length and throws. So R came after t2, and the read, before
   *   t1, saw no moved byte; and the size at t1 is from before R.
   * - Fast check: the size after a read equals the one remembered at t1.
   *   A move after t1 grows the file (G) before it moves a byte (D), and
   *   moving never shrinks it, so a read that overlapped D (or followed
   *   it) sees a size above the one at the move's start. The file's size
   *   at the move's start is at least the remembered one unless the file
   *   was cut in between, and the size is remembered only for a whole
   *   file (exactly its header's rows), which nothing in this library
   *   cuts: `recover` cuts only partial rows or a tail, and a rollback
   *   only what an append added (after a move). Any other file takes the
   *   full check at every read.
   * - Checking before the read instead would let a move that starts
   *   between the check and the read pass.
   * A file object (no path) has no record to look at: the header length
   * alone is checked, as before.
   */
  checkNotMoved(file: FileLikeSync, size: number): void {
    const path = this.#movable!;
    const pre = new Uint8Array(12);
    if (
      (path !== "" && hasUnsettled(path)) ||
      readFullySync(file, pre, 0) !== 12 ||
      headerLengthFromPreamble(pre) !== this.layout.header.headerLength
    ) {
      throw new NpyFormatError(
        "changed",
        "its header was rewritten in place to grow (ensureAppendable) while it was read, which moves the data; open it again or call refresh()",
        { file: this.label, verb: "read" },
      );
    }
    // Only a whole file (exactly the header's rows, no partial row, no
    // tail) is trusted by its size: `recover` could cut any other one.
    const { header, axis, rowBytes } = this.layout;
    const whole = header.headerLength + header.shape[axis]! * rowBytes;
    this.#knownSize = size === whole ? size : -1;
  }

  adopt(info: FileInfo): number {
    const next = layoutOf(
      info,
      this.label,
      this.options.allowIncomplete ?? false,
      true,
    );
    const old = this.layout.header;
    const same = next.header.dtype.str === old.dtype.str &&
      next.header.fortranOrder === old.fortranOrder &&
      next.header.shape.length === old.shape.length &&
      next.header.shape.every((n, i) => i === next.axis || n === old.shape[i]);
    if (!same) {
      throw new NpyFormatError(
        "changed",
        "its dtype, order or row shape changed; open it again",
        { file: this.label, verb: "refresh" },
      );
    }
    this.layout = next;
    if (info.appendable) this.#movable = null;
    this.#knownSize = -1;
    return next.length;
  }

  refresh(): Promise<number> {
    try {
      refuseMadeAnew(this.#opened, this.label);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.run(() => stableInspect(this.options.maxHeaderSize))
      .then((info) => this.adopt(info));
  }

  refreshSync(): number {
    refuseMadeAnew(this.#opened, this.label);
    return this.adopt(
      this.runSync(() => stableInspect(this.options.maxHeaderSize)),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) this.sync?.closeSync?.();
  }
}
