/**
 * The state and the I/O steps of a writer, shared by
 * {@linkcode NpyAppendArray} and {@linkcode NpyAppendArraySync}.
 *
 * @module
 */

import { READING_INPUT, ReentryGuard } from "./_reentry.ts";
import { descrValue, type DType } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import { checkWriterOptions } from "./_options_check.ts";
import { headerText, wrapHeaderText } from "./header.ts";
import { HeaderMaker } from "./_header_maker.ts";
import { pyRepr } from "./py_literal.ts";
import {
  type ArrayInput,
  prepareArray,
  type PrepareOptions,
} from "./array_input.ts";
import type { FileInfo } from "./_inspect.ts";
import { showFile } from "./_error_label.ts";
import { closeError, undoRefusal } from "./_close_error.ts";
import { atomicUpdateRefusal, unborn } from "./_journal_commit.ts";

import { adoptedOrder, headerMakerOf } from "./_adopt_existing.ts";
import {
  fileObjectError,
  type IoSteps,
  MAX_IO_BYTES,
  runSync,
  SMALL_CREATE_BYTES,
  sync,
  truncate,
  write,
  writeAllSync,
} from "./_io.ts";
import type { FileLikeSync } from "./file_like.ts";
import {
  bytesPerRow,
  checkFileState,
  checkNumpySize,
  grownShape,
  growthAxis,
  type Layout,
} from "./_layout.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";

/** The verb of a refused `updateHeader()`. */
export const UPDATE_HEADER = "update the header of";

/** Writer state; every method that does I/O is a generator of steps. */
export class AppendCore {
  /** The file's path, or `"the file object"` (raw: a path for code). */
  readonly label: string;
  /** The file as messages show it (a path quoted: see `showFile`). */
  readonly shown: string;
  readonly rewriteHeaderOnAppend: boolean;
  readonly casting: Casting;
  readonly fsync: boolean;
  dtype: DType | undefined;
  fortranOrder: boolean;
  /** `null` until the file holds a header. */
  shape: number[] | null = null;
  headerLength = 0;
  dataEnd = 0;
  /** A failed append could not be undone: tried again at each append and close; appends refused meanwhile. */
  broken = false;
  /** The undo to try again while `broken` (cut to `end`, header of `shape`), and why it failed. */
  #undo: { end: number; shape: number[] | null; why: unknown } | null = null;
  headerDirty = false;
  /** The header must state the order adopted before any data (`adoptedOrder`). */
  #reorder = false;
  /** A new 1-d file keeps a Fortran header (a stack's live shard: it tells a reopen the stack's order). */
  keepsOrder = false;
  /** Bytes in the file when opened as new (to cut away on creation). */
  #staleSize = 0;
  #closed = false;
  /** Refuses calls from the input of an append being read. */
  readonly #guard = new ReentryGuard();
  /** The shape the header on disk describes. */
  #diskShape: number[] | null = null;
  /** The end of the data the last good sync covered; whether one failed. */
  #syncedEnd = 0;
  #syncFailed = false;
  /** Makes the headers of the file, once it has one. */
  #headers: HeaderMaker | null = null;
  #want: { dtype?: DType | undefined; unsized?: TypeError | undefined };
  /** Reused across appends while dtype and order stay the same. */
  #prepareOptions: PrepareOptions | null = null;
  readonly bufferBytes: number;
  /** `atomic`: headers at `close()` only, so NumPy never reads rows a kill undoes. */
  #atCommit = false;
  #buffer: Uint8Array | null = null;
  /** Bytes in `#buffer`: the last ones before `dataEnd`. */
  #buffered = 0;

  constructor(label: string, options: NpyAppendArrayOptions) {
    this.label = label;
    this.shown = showFile(label);
    const checked = checkWriterOptions(options, this.shown, true);
    this.#atCommit = options.atomic === true;
    this.rewriteHeaderOnAppend = checked.rewriteHeaderOnAppend &&
      !options.atomic;
    this.casting = checked.casting;
    this.fsync = checked.fsync;
    this.fortranOrder = checked.fortranOrder;
    this.bufferBytes = checked.bufferBytes;
    this.#want = checked;
    this.dtype = checked.dtype;
  }

  /** Starts a new file over `size` old bytes (empty, or `deleteIfExists`): the first append writes over them and cuts the rest. */
  startOver(size: number): void {
    this.#staleSize = size;
  }

  /** Whether {@linkcode close} has run (or the writer was closed unused). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Refuses an unsized `"S"`/`"U"` dtype text for a file it makes. */
  refuseUnsized(): void {
    if (this.shape === null && this.#want.unsized) throw this.#want.unsized;
  }

  /** Closes a writer that has no file to write to. */
  markClosed(): void {
    this.#closed = true;
  }

  /** Adopts an existing file, refusing what cannot be appended to. */
  adopt(info: FileInfo, options: NpyAppendArrayOptions): void {
    const { header } = info;
    checkFileState(info, "append", { verb: "append to", label: this.label });
    const order = adoptedOrder(this.shown, this.#want, options, header);
    this.dtype = header.dtype;
    this.#reorder = order !== header.fortranOrder;
    this.fortranOrder = order;
    this.shape = [...header.shape];
    this.headerLength = header.headerLength;
    this.#headers = headerMakerOf(header, order);
    this.#diskShape = this.shape;
    this.dataEnd = this.#syncedEnd = info.fileSize;
  }

  get growthAxis(): number {
    return growthAxis(this.fortranOrder, this.shape?.length ?? 1);
  }

  /** The file's layout (once it has a shape and dtype). */
  #layout(): Layout {
    const { shape, fortranOrder, dtype } = this;
    return { shape: shape!, fortranOrder, dtype: dtype! };
  }

  /**
   * Refuses a call made while an append reads its input: a getter, Proxy
   * or `valueOf` of that input calling back into the writer would write
   * before that append, or close the file under it.
   */
  checkIdle(verb = "append to"): void {
    this.#guard.check(verb, this.shown);
  }

  /** Refuses a call on a closed or busy writer; `verb` names the call. */
  checkOpen(verb = "append to"): void {
    this.checkIdle(verb);
    if (this.#closed) {
      throw new TypeError(
        `Cannot ${verb} ${this.shown}: the writer is closed`,
      );
    }
  }

  /** The header for `shape`, padded to the file's header length. */
  header(shape: readonly number[]): Uint8Array {
    return this.#headers!.header(shape);
  }

  #checkUsable(): void {
    this.checkOpen();
    if (this.broken) {
      // Appending after the stray bytes would mix them into the data.
      throw undoRefusal(
        this.#undo?.why,
        `Cannot append to ${this.shown}: an earlier write failed and could not be undone; close the writer, then call recover`,
        this.shape?.[this.growthAxis] ?? 0,
      );
    }
  }

  /**
   * Tries the failed undo again (the disk may take it now: a transient
   * I/O error, a disk remounted); a no-op unless `broken`. When it fails
   * again, `broken` stays and {@linkcode append} refuses as before.
   */
  *#retryUndo(): IoSteps<void> {
    const undo = this.#undo;
    if (!this.broken || undo === null || this.#closed) return;
    this.broken = false;
    this.#undo = null;
    yield* this.#rollback(undo.end, undo.shape);
  }

  /** The input prepared, calls back into the writer refused meanwhile. */
  #prepare(input: ArrayInput): ReturnType<typeof prepareArray> {
    const before = this.#guard.enter(READING_INPUT);
    try {
      return prepareArray(input, this.#options());
    } finally {
      this.#guard.leave(before);
    }
  }

  #options(): PrepareOptions {
    let po = this.#prepareOptions;
    if (
      po === null || po.dtype !== this.dtype ||
      po.fortranOrder !== this.fortranOrder
    ) {
      po = this.#prepareOptions = {
        dtype: this.dtype,
        fortranOrder: this.fortranOrder,
        casting: this.casting,
        label: this.shown,
      };
    }
    return po;
  }

  /**
   * Appends one array: the one append path of both writers. Nothing in
   * the writer changes before its I/O has succeeded: a failed append
   * leaves dtype, shape, header length and buffer as they were, and the
   * file cut back to where it was.
   */
  *append(input: ArrayInput): IoSteps<void> {
    this.checkOpen();
    yield* this.#retryUndo();
    this.#checkUsable();
    const prepared = this.#prepare(input);
    if (this.shape === null) {
      yield* this.#create(prepared.dtype, prepared.shape, prepared.bytes);
      return;
    }
    const shape = grownShape(this.#layout(), prepared.shape, this.shown);
    const bytes = prepared.bytes;
    const axis = this.growthAxis;
    if (shape[axis] === this.shape[axis]) return;
    if (this.#reorder && !this.#atCommit) yield* this.#writeHeader();
    this.#reorder = false;
    if (this.bufferBytes > 0) {
      if (this.#buffered + bytes.length > this.bufferBytes) {
        yield* this.flush();
      }
      if (bytes.length < this.bufferBytes) {
        const buffer = this.#buffer ??= new Uint8Array(this.bufferBytes);
        const at = this.#buffered;
        if (bytes.length <= 64) {
          // Cheaper than set() for a few bytes.
          for (let i = 0; i < bytes.length; i++) buffer[at + i] = bytes[i]!;
        } else buffer.set(bytes, at);
        this.#buffered = at + bytes.length;
        this.#grown(bytes.length, shape, false);
        return;
      }
    }
    yield* this.#write(bytes, shape);
  }

  /** Writes the data of an append to an existing file, then its header. */
  *#write(bytes: Uint8Array, shape: number[]): IoSteps<void> {
    const oldEnd = this.dataEnd;
    const header = this.rewriteHeaderOnAppend ? this.header(shape) : null;
    let headerTouched = false;
    try {
      yield* write(bytes, oldEnd);
      if (this.fsync) yield* this.#syncData(oldEnd + bytes.length);
      if (header !== null) {
        headerTouched = true;
        yield* write(header, 0);
        if (this.fsync) yield* sync();
      }
    } catch (e) {
      yield* this.#rollback(oldEnd, headerTouched ? this.#diskShape : null);
      throw yield* this.#unsynced(e);
    }
    this.#grown(bytes.length, shape, header !== null);
  }

  /** A sync of the data up to `end`; a failure stays marked. */
  *#syncData(end: number): IoSteps<void> {
    this.#syncFailed = true;
    yield* sync();
    this.#syncFailed = false;
    this.#syncedEnd = end;
  }

  /**
   * After a failed sync of the data, the rows written since the last one
   * that succeeded (`bufferBytes`) are cut off: no header may cover them,
   * as no later sync can (Linux marks the pages it could not write clean).
   * Returns `e`, or the error saying how many rows were given up.
   */
  *#unsynced(e: unknown): IoSteps<unknown> {
    const end = this.#syncedEnd;
    const failed = this.#syncFailed;
    this.#syncFailed = false;
    if (!failed || this.shape === null || this.dataEnd <= end) return e;
    const rows = (this.dataEnd - end) / bytesPerRow(this.#layout());
    yield* this.#rollback(end, null);
    const held = this.#dropRows(rows, this.dataEnd - end);
    return closeError(e, this.label, { unsynced: rows, lost: 0, held });
  }

  /**
   * The sync writer's shortcut into {@linkcode append} (an existing file,
   * no fsync, no buffer, under 1 GiB): `#write` by direct calls (a
   * generator costs 80 ns, a third of a small append's CPU time).
   */
  appendSync(input: ArrayInput, file: FileLikeSync): void {
    const old = this.shape;
    if (old === null || this.fsync || this.bufferBytes > 0 || this.#reorder) {
      runSync(this.append(input), file);
      return;
    }
    if (this.broken) {
      this.checkOpen();
      runSync(this.#retryUndo(), file);
    }
    this.#checkUsable();
    const prepared = this.#prepare(input);
    const shape = grownShape(this.#layout(), prepared.shape, this.shown);
    const bytes = prepared.bytes;
    if (shape[this.growthAxis] === old[this.growthAxis]) return;
    if (bytes.byteLength > MAX_IO_BYTES) {
      runSync(this.#write(bytes, shape), file);
      return;
    }
    const oldEnd = this.dataEnd;
    const header = this.rewriteHeaderOnAppend ? this.header(shape) : null;
    let headerTouched = false;
    try {
      if (bytes.byteLength > 0) writeAllSync(file, bytes, oldEnd);
      if (header !== null) {
        headerTouched = true;
        writeAllSync(file, header, 0);
      }
    } catch (e) {
      runSync(
        this.#rollback(oldEnd, headerTouched ? this.#diskShape : null),
        file,
      );
      throw fileObjectError(e);
    }
    this.#grown(bytes.length, shape, header !== null);
  }

  /** The state change of a successful append of `n` bytes. */
  #grown(n: number, shape: number[], headerWritten: boolean): void {
    this.dataEnd += n;
    this.shape = shape;
    if (headerWritten) this.#diskShape = shape;
    else this.headerDirty = true;
  }

  /** Cuts file and state back to `rows` in place (a group's undo: no free space); returns why it failed (tried again as `#rollback`'s). */
  *cutBack(rows: number): IoSteps<unknown> {
    yield* this.#retryUndo();
    const shape = this.shape, axis = this.growthAxis;
    if (shape === null || this.broken || this.#closed) return this.#undo?.why;
    const extra = shape[axis]! - rows;
    this.#dropRows(extra, extra * bytesPerRow(this.#layout()));
    this.#syncedEnd = Math.min(this.#syncedEnd, this.dataEnd);
    this.#diskShape = this.shape;
    this.headerDirty = false;
    yield* this.#rollback(this.dataEnd, this.shape);
    return this.#undo?.why;
  }

  /** Best effort to put the file back as it was before a failed write. */
  *#rollback(end: number, shape: number[] | null): IoSteps<void> {
    try {
      if (shape !== null) yield* write(this.header(shape), 0);
      yield* truncate(end);
    } catch (why) {
      // `recover` would count the stray bytes' whole rows, and appends
      // would land after them: refused until the undo, tried again at
      // each append and at close, succeeds.
      this.broken = true;
      this.#undo = { end, shape, why };
    }
  }

  /**
   * Writes a new file from the caller's bytes, without copying them
   * (except small ones, cheaper in one write): a header for no rows, the
   * data at the header's offset, then the header that covers it, so that
   * a file cut off in between is empty or needs only `recover`.
   */
  *#create(
    dtype: DType,
    shape: readonly number[],
    bytes: Uint8Array,
  ): IoSteps<void> {
    if (shape.length === 0) {
      throw new RangeError(
        `Cannot append a 0-d array to ${this.shown}: arrays need at least one axis to grow along`,
      );
    }
    checkNumpySize(shape, dtype.itemsize, this.shown);
    const descrText = pyRepr(descrValue(dtype));
    // A 1-d array is C-contiguous too: np.save's C order (see DECISIONS).
    const order = this.fortranOrder && (shape.length > 1 || this.keepsOrder);
    const header = wrapHeaderText(
      headerText(descrText, order, shape),
    );
    const end = header.length + bytes.length;
    // The old bytes of a file object started afresh are cut first: one
    // that cannot truncate fails here, before any byte changed.
    if (this.#staleSize > end) yield* truncate(end);
    const empty = [...shape];
    empty[growthAxis(order, shape.length)] = 0;
    try {
      const small = !this.fsync && bytes.length <= SMALL_CREATE_BYTES;
      if (small && !this.#atCommit) {
        const all = new Uint8Array(end);
        all.set(header);
        all.set(bytes, header.length);
        yield* write(all, 0);
      } else {
        const first = headerText(descrText, order, empty);
        yield* write(unborn(first, header.length, this.#atCommit), 0);
        yield* write(bytes, header.length);
        if (this.fsync) yield* sync();
        if (!this.#atCommit) yield* write(header, 0);
        if (this.fsync && !this.#atCommit) yield* sync();
      }
    } catch (e) {
      // An empty file, not part of a header a later append may not cover.
      yield* this.#rollback(0, null);
      if (!this.broken) this.#staleSize = 0;
      throw e;
    }
    this.#staleSize = 0;
    this.dtype = dtype;
    this.fortranOrder = order;
    this.#headers = new HeaderMaker(
      descrText,
      order,
      header.length,
      // The major version byte after the magic string.
      header[6]!,
    );
    this.headerLength = header.length;
    this.dataEnd = this.#syncedEnd = end;
    this.shape = [...shape];
    this.#diskShape = this.#atCommit ? null : this.shape;
    this.headerDirty = this.#atCommit;
  }

  /**
   * Writes the appends held in the buffer (option `bufferBytes`). When the
   * write fails, the file is cut back and the buffer keeps them, so a later
   * `updateHeader()` or `close()` can write them still.
   */
  *flush(): IoSteps<void> {
    const n = this.#buffered;
    if (n === 0) return;
    const start = this.dataEnd - n;
    try {
      yield* write(this.#buffer!.subarray(0, n), start);
    } catch (e) {
      yield* this.#rollback(start, null);
      throw e;
    }
    this.#buffered = 0;
  }

  /**
   * The sync writer's shortcut into {@linkcode updateHeader} (no buffer
   * held, no fsync): the same write, rollback and state change, by a
   * direct call; `false`, having done nothing, when the steps are needed.
   */
  updateHeaderDirect(file: FileLikeSync): boolean {
    this.#checkUpdate();
    const shape = this.shape;
    if (shape === null || this.fsync || this.#buffered > 0) return false;
    try {
      writeAllSync(file, this.header(shape), 0);
    } catch (e) {
      runSync(this.#rollback(this.dataEnd, this.#diskShape), file);
      throw fileObjectError(e);
    }
    this.#diskShape = shape;
    this.headerDirty = false;
    return true;
  }

  /** Writes the header for the current shape (a failed write puts the old one back). */
  *updateHeader(): IoSteps<void> {
    this.#checkUpdate();
    yield* this.#writeHeader();
  }

  #checkUpdate(): void {
    this.checkOpen(UPDATE_HEADER);
    if (this.#atCommit) throw atomicUpdateRefusal(this.shown);
  }

  *#writeHeader(): IoSteps<void> {
    yield* this.flush();
    if (this.shape === null) return;
    try {
      if (this.fsync) yield* this.#syncData(this.dataEnd);
    } catch (e) {
      throw yield* this.#unsynced(e);
    }
    const shape = this.shape;
    try {
      yield* write(this.header(shape), 0);
      if (this.fsync) yield* sync();
    } catch (e) {
      yield* this.#rollback(this.dataEnd, this.#diskShape);
      throw e;
    }
    this.#diskShape = shape;
    this.headerDirty = false;
  }

  /**
   * Writes the buffered appends for `close()`. The first failure throws,
   * saying how many rows wait, and changes nothing (the writer stays open
   * for another `close()`). A second, or `giveUp` (a `using` block ends),
   * gives the rows up: shape and end go back to the rows in the file,
   * {@linkcode lostRows} counts them, {@linkcode lostCause} keeps the
   * error, and the caller closes, then throws {@linkcode closeError}.
   */
  *flushForClose(giveUp: boolean): IoSteps<void> {
    if (this.#closed) return;
    // A failed append's undo that failed is tried again first.
    yield* this.#retryUndo();
    try {
      yield* this.flush();
    } catch (e) {
      const rows = this.bufferedRows;
      if (!this.#closeFailed && !giveUp) {
        this.#closeFailed = true;
        throw closeError(e, this.label, {
          waiting: rows,
          lost: 0,
          held: this.shape![this.growthAxis]! - rows,
        });
      }
      this.lostRows = rows;
      this.lostCause = e;
      this.#dropRows(rows, this.#buffered);
      this.#buffered = 0;
    }
  }

  /** Takes the last `rows` (`bytes`) off the state; returns the rows left. */
  #dropRows(rows: number, bytes: number): number {
    const shape = [...this.shape!];
    shape[this.growthAxis]! -= rows;
    this.dataEnd -= bytes;
    this.shape = shape;
    this.headerDirty = this.#diskShape?.[this.growthAxis] !==
      shape[this.growthAxis];
    return shape[this.growthAxis]!;
  }

  /** Rows given up by {@linkcode flushForClose} (0: none). */
  lostRows = 0;
  /** The error that made {@linkcode flushForClose} give rows up. */
  lostCause: unknown = null;
  /** A `close()` failed to write the buffer once. */
  #closeFailed = false;

  /** Rows held by the buffer (option `bufferBytes`), not yet written. */
  get bufferedRows(): number {
    if (this.#buffered === 0) return 0;
    const row = bytesPerRow(this.#layout());
    return row === 0 ? 0 : this.#buffered / row;
  }

  /**
   * Final header; the caller closes the file. The writer is closed even
   * when the header cannot be written, but not when the buffered appends
   * cannot be (they are kept for another `close()`: see
   * {@linkcode flushForClose}).
   */
  *close(): IoSteps<void> {
    if (this.#closed) return;
    yield* this.flushForClose(false);
    this.#closed = true;
    if (this.headerDirty) yield* this.#writeHeader();
  }
}
