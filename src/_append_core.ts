/**
 * The state and the I/O steps of a writer, shared by
 * {@linkcode NpyAppendArray} and {@linkcode NpyAppendArraySync}.
 *
 * @module
 */

import { descrValue, type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import { type Casting, checkCasting } from "./casting.ts";
import {
  GROWTH_AXIS_MAX_DIGITS,
  headerText,
  wrapHeaderText,
} from "./header.ts";
import { pyRepr } from "./py_literal.ts";
import {
  type ArrayInput,
  prepareArray,
  type PrepareOptions,
} from "./array_input.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { optionError, withFileName } from "./_error_label.ts";
import { type IoSteps, runSync, sync, truncate, write } from "./_io.ts";
import type { FileLikeSync } from "./file_like.ts";
import { checkFileState, growthAxis } from "./_layout.ts";

/** Options of `NpyAppendArray.open` and `NpyAppendArraySync.open`. */
export interface NpyAppendArrayOptions {
  /** Start a new file even if one exists (default `false`). */
  deleteIfExists?: boolean;
  /**
   * Rewrite the header after every append so the file is always complete
   * (default `true`). With `false`, the header is written by
   * `updateHeader()` and `close()` only; a file cut off in between is
   * repaired by `recover`.
   */
  rewriteHeaderOnAppend?: boolean;
  /** The dtype of a new file; for an existing file it must match. */
  dtype?: DTypeSpec;
  /** A new file grows along its last axis (Fortran order). */
  fortranOrder?: boolean;
  /** How appended data may be cast to the file's dtype (default `"same_kind"`). */
  casting?: Casting;
  /**
   * Flush data to stable storage before the header that covers it is
   * written, and the header after (default `false`).
   */
  fsync?: boolean;
  /** Largest header accepted when opening an existing file (default 10,000). */
  maxHeaderSize?: number;
  /**
   * Collect appends in memory, up to this many bytes, and write them in
   * one call when the buffer is full and at `updateHeader()` and `close()`
   * (default 0: every append is written at once). Needs
   * `rewriteHeaderOnAppend: false`. Many times faster for small appends,
   * but appends still in the buffer are lost if the process dies before
   * `close()`; arrays as large as the buffer are written directly.
   */
  bufferBytes?: number;
  /**
   * Make every append until `close()` one all-or-nothing change (default
   * `false`; paths only). The file's size and header are first recorded in
   * `<file>.journal`; `close()` commits (removes the record), `abort()`
   * rolls the file back, and after a kill the next writer's `open` or
   * `recover` rolls it back; readers refuse the file meanwhile.
   */
  atomic?: boolean;
}

/** Bytes allocated at once for the headers of appends. */
const SLAB_BYTES = 1 << 16;

/** A header with blank growth digits, for {@linkcode AppendCore.header}. */
interface HeaderTemplate {
  headerLength: number;
  rank: number;
  /** The shape it was made for (only the growth axis may differ). */
  shape: number[];
  /** Offset of the growth axis digits. */
  at: number;
  /** The bytes after the digits, up to the closing brace. */
  after: Uint8Array;
  bytes: Uint8Array;
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** Writer state; every method that does I/O is a generator of steps. */
export class AppendCore {
  readonly label: string;
  readonly rewriteHeaderOnAppend: boolean;
  readonly casting: Casting;
  readonly fsync: boolean;
  dtype: DType | undefined;
  fortranOrder: boolean;
  /** `null` until the file holds a header. */
  shape: number[] | null = null;
  headerLength = 0;
  dataEnd = 0;
  /** Bytes in the file when opened as new (to cut away on creation). */
  staleSize = 0;
  closed = false;
  /** A failed append could not be undone: further appends are refused. */
  broken = false;
  headerDirty = false;
  #descrText = "";
  #version = 1;
  #wantDType: DType | undefined;
  /** See {@linkcode AppendCore.header}; `false` when it cannot be used. */
  #template: HeaderTemplate | null | false = null;
  #slab: Uint8Array = new Uint8Array(0);
  #slabAt = 0;
  #slabOf: HeaderTemplate | null = null;
  /** Reused across appends while dtype and order stay the same. */
  #prepareOptions: PrepareOptions | null = null;
  /** Option `bufferBytes`. */
  readonly bufferBytes: number;
  #buffer: Uint8Array | null = null;
  /** Bytes in `#buffer`: the last ones before `dataEnd`. */
  #buffered = 0;
  /** The shape that the bytes before the buffer hold. */
  #flushedShape: number[] | null = null;

  constructor(label: string, options: NpyAppendArrayOptions) {
    this.label = label;
    this.rewriteHeaderOnAppend = options.rewriteHeaderOnAppend ?? true;
    this.casting = optionError(
      label,
      () => checkCasting(options.casting ?? "same_kind"),
    );
    this.fsync = options.fsync ?? false;
    this.fortranOrder = options.fortranOrder ?? false;
    this.bufferBytes = options.bufferBytes ?? 0;
    if (!Number.isSafeInteger(this.bufferBytes) || this.bufferBytes < 0) {
      throw new RangeError(
        `Cannot open ${label}: bufferBytes must be a non-negative integer, not ${
          String(options.bufferBytes)
        }`,
      );
    }
    if (this.bufferBytes > 0 && this.rewriteHeaderOnAppend) {
      throw new RangeError(
        `Cannot open ${label}: bufferBytes needs rewriteHeaderOnAppend: false, since a header rewritten on every append must cover data in the file`,
      );
    }
    if (
      options.fortranOrder !== undefined &&
      typeof options.fortranOrder !== "boolean"
    ) {
      throw new TypeError(
        `Cannot open ${label}: fortranOrder must be a boolean`,
      );
    }
    this.#wantDType = options.dtype === undefined
      ? undefined
      : optionError(label, () => parseDType(options.dtype!));
    if (this.#wantDType?.hasObject) {
      throw new TypeError(
        `Cannot open ${label}: dtype "${this.#wantDType.str}" holds Python objects, which cannot be written`,
      );
    }
    this.dtype = this.#wantDType;
  }

  /** Adopts an existing file, refusing what cannot be appended to. */
  adopt(info: FileInfo, options: NpyAppendArrayOptions): void {
    const { header } = info;
    checkFileState(info, "append", { verb: "append to", label: this.label });
    if (
      this.#wantDType !== undefined && this.#wantDType.str !== header.dtype.str
    ) {
      throw new TypeError(
        `Cannot append to ${this.label}: dtype "${this.#wantDType.str}" does not match file dtype "${header.dtype.str}"`,
      );
    }
    if (
      options.fortranOrder !== undefined &&
      options.fortranOrder !== header.fortranOrder
    ) {
      throw new TypeError(
        `Cannot append to ${this.label}: fortranOrder ${options.fortranOrder} does not match the file (${header.fortranOrder})`,
      );
    }
    this.dtype = header.dtype;
    this.fortranOrder = header.fortranOrder;
    this.shape = [...header.shape];
    this.headerLength = header.headerLength;
    this.#version = header.version[0];
    this.#template = null;
    this.dataEnd = info.fileSize;
    this.#descrText = pyRepr(descrValue(header.dtype));
  }

  get growthAxis(): number {
    return growthAxis(this.fortranOrder, this.shape?.length ?? 1);
  }

  checkOpen(): void {
    if (this.closed) {
      throw new TypeError(
        `Cannot append to ${this.label}: the writer is closed`,
      );
    }
  }

  /** The header for `shape`, padded to the file's header length. */
  header(shape: readonly number[]): Uint8Array {
    if (this.headerLength !== 0) {
      const fast = this.#quickHeader(shape);
      if (fast !== undefined) return fast;
    }
    return wrapHeaderText(
      headerText(this.#descrText, this.fortranOrder, shape),
      this.headerLength === 0 ? undefined : this.headerLength,
      this.#version,
    );
  }

  /**
   * The header from a cached template, re-encoding only the growth axis
   * digits (appends rewrite it every time); `undefined` when the template
   * does not apply. Only the growth axis changes once the file exists, and
   * the growth space keeps the text length constant, so the template is
   * the header for a growth length of 0 with the digits blanked.
   */
  #quickHeader(shape: readonly number[]): Uint8Array | undefined {
    let t = this.#template;
    if (t === false) return undefined;
    if (t === null || t.headerLength !== this.headerLength) {
      const made = this.#makeTemplate(shape);
      this.#template = made;
      if (made === false) return undefined;
      t = made;
    }
    const axis = this.growthAxis;
    if (shape.length !== t.rank) return undefined;
    for (let i = 0; i < shape.length; i++) {
      if (i !== axis && shape[i] !== t.shape[i]) return undefined;
    }
    const n = shape[axis]!;
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    if (digits > GROWTH_AXIS_MAX_DIGITS) return undefined;
    // Headers come from a slab filled with copies of the template:
    // allocating each one costs more than encoding it on some runtimes,
    // and each write still gets bytes of its own.
    const size = t.bytes.length;
    let slab = this.#slab;
    if (this.#slabOf !== t || this.#slabAt + size > slab.length) {
      slab = new Uint8Array(Math.max(1, Math.floor(SLAB_BYTES / size)) * size);
      slab.set(t.bytes);
      for (let filled = size; filled < slab.length; filled *= 2) {
        slab.copyWithin(filled, 0, Math.min(filled, slab.length - filled));
      }
      this.#slab = slab;
      this.#slabOf = t;
      this.#slabAt = 0;
    }
    const start = this.#slabAt;
    this.#slabAt = start + size;
    let m = n;
    for (let i = start + t.at + digits - 1; i >= start + t.at; i--) {
      const q = Math.floor(m / 10);
      slab[i] = 48 + m - q * 10;
      m = q;
    }
    const after = t.after;
    const to = start + t.at + digits;
    for (let i = 0; i < after.length; i++) slab[to + i] = after[i]!;
    return slab.subarray(start, start + size);
  }

  #makeTemplate(shape: readonly number[]): HeaderTemplate | false {
    const axis = this.growthAxis;
    const slow = (n: number) => {
      const s = [...shape];
      s[axis] = n;
      return wrapHeaderText(
        headerText(this.#descrText, this.fortranOrder, s),
        this.headerLength,
        this.#version,
      );
    };
    let zero: Uint8Array, one: Uint8Array;
    try {
      zero = slow(0);
      one = slow(1);
    } catch {
      return false;
    }
    let at = 0;
    while (at < zero.length && zero[at] === one[at]) at++;
    let close = zero.length - 1;
    while (close > at && zero[close] !== 0x7d) close--;
    if (at >= zero.length || close <= at) return false;
    const after = zero.slice(at + 1, close + 1);
    const bytes = zero.slice();
    bytes.fill(0x20, at, bytes.length - 1);
    const t: HeaderTemplate = {
      headerLength: this.headerLength,
      rank: shape.length,
      shape: [...shape],
      at,
      after,
      bytes,
    };
    // Check the template against the slow path once.
    const saved = this.#template;
    this.#template = t;
    const probe = this.#quickHeader(shape);
    this.#template = saved;
    const want = slow(shape[axis]!);
    if (probe === undefined || probe.length !== want.length) return false;
    for (let i = 0; i < want.length; i++) {
      if (probe[i] !== want[i]) return false;
    }
    return t;
  }

  #grownShape(inShape: readonly number[]): number[] {
    const shape = this.shape!;
    const axis = this.growthAxis;
    let ok = inShape.length === shape.length;
    for (let i = 0; ok && i < shape.length; i++) {
      ok = i === axis || inShape[i] === shape[i];
    }
    if (!ok) {
      const want = shape.map((n, i) => (i === axis ? "n" : String(n)));
      throw new RangeError(
        `Cannot append array of shape ${
          shapeText(inShape)
        } to ${this.label}: its shape must be (${want.join(", ")}${
          want.length === 1 ? "," : ""
        }), matching the file ${
          shapeText(shape)
        } on every axis but axis ${axis}`,
      );
    }
    const out = shape.slice();
    out[axis] = shape[axis]! + inShape[axis]!;
    if (!Number.isSafeInteger(out[axis]! * 1)) {
      throw new RangeError(
        `Cannot append to ${this.label}: the array grows too large`,
      );
    }
    return out;
  }

  /** Appends one array. */
  #checkUsable(): void {
    this.checkOpen();
    if (this.broken) {
      // Appending after the stray bytes would mix them into the data.
      throw new Error(
        `Cannot append to ${this.label}: an earlier write failed and could not be undone; close the writer, then call recover`,
      );
    }
  }

  /**
   * The hot path of the sync writer: an append to an existing file, with no
   * fsync and no buffer, done with direct calls instead of the step
   * machinery. Returns `false`, having done nothing, when another path is
   * needed; the I/O and the rollback are those of {@linkcode append}.
   */
  appendDirect(input: ArrayInput, file: FileLikeSync): boolean {
    if (this.shape === null || this.fsync || this.bufferBytes > 0) {
      return false;
    }
    this.#checkUsable();
    const prepared = prepareArray(input, this.#options());
    const shape = this.#grownShape(prepared.shape);
    if (shape[this.growthAxis] === this.shape[this.growthAxis]) return true;
    const bytes = prepared.bytes;
    const oldEnd = this.dataEnd;
    const oldShape = this.shape;
    try {
      if (bytes.length > 0) file.writeSync(bytes, oldEnd);
    } catch (e) {
      runSync(this.#rollback(oldEnd, null), file);
      throw e;
    }
    this.dataEnd = oldEnd + bytes.length;
    this.shape = shape;
    if (!this.rewriteHeaderOnAppend) {
      this.headerDirty = true;
      return true;
    }
    try {
      file.writeSync(this.header(shape), 0);
    } catch (e) {
      this.dataEnd = oldEnd;
      this.shape = oldShape;
      runSync(this.#rollback(oldEnd, oldShape), file);
      throw e;
    }
    return true;
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
        label: this.label,
      };
    }
    return po;
  }

  *append(input: ArrayInput): IoSteps<void> {
    this.#checkUsable();
    const prepared = prepareArray(input, this.#options());
    if (this.shape === null) {
      yield* this.#create(prepared.dtype, prepared.shape, prepared.bytes);
      return;
    }
    const shape = this.#grownShape(prepared.shape);
    const bytes = prepared.bytes;
    if (shape[this.growthAxis] === this.shape[this.growthAxis]) return;
    if (this.bufferBytes > 0) {
      if (this.#buffered + bytes.length > this.bufferBytes) {
        yield* this.flush();
      }
      if (bytes.length < this.bufferBytes) {
        if (this.#buffered === 0) this.#flushedShape = this.shape;
        const buffer = this.#buffer ??= new Uint8Array(this.bufferBytes);
        const at = this.#buffered;
        if (bytes.length <= 64) {
          // Cheaper than set() for a few bytes.
          for (let i = 0; i < bytes.length; i++) buffer[at + i] = bytes[i]!;
        } else buffer.set(bytes, at);
        this.#buffered = at + bytes.length;
        this.dataEnd += bytes.length;
        this.shape = shape;
        this.headerDirty = true;
        return;
      }
    }
    const oldEnd = this.dataEnd;
    const oldShape = this.shape;
    try {
      if (bytes.length > 0) {
        yield { op: "write", buffer: bytes, position: oldEnd };
      }
      if (this.fsync) yield* sync();
    } catch (e) {
      yield* this.#rollback(oldEnd, null);
      throw e;
    }
    this.dataEnd = oldEnd + bytes.length;
    this.shape = shape;
    if (!this.rewriteHeaderOnAppend) {
      this.headerDirty = true;
      return;
    }
    try {
      yield { op: "write", buffer: this.header(shape), position: 0 };
      if (this.fsync) yield* sync();
    } catch (e) {
      this.dataEnd = oldEnd;
      this.shape = oldShape;
      yield* this.#rollback(oldEnd, oldShape);
      throw e;
    }
  }

  /** Best effort to put the file back as it was before a failed append. */
  *#rollback(end: number, shape: number[] | null): IoSteps<void> {
    try {
      if (shape !== null) yield* write(this.header(shape), 0);
      yield* truncate(end);
    } catch {
      // The header still covers only whole, acknowledged appends; the
      // stray bytes are what `recover` cuts away. Later appends would
      // land among them, so they are refused.
      this.broken = true;
    }
  }

  *#create(
    dtype: DType,
    shape: readonly number[],
    bytes: Uint8Array,
  ): IoSteps<void> {
    if (shape.length === 0) {
      throw new RangeError(
        `Cannot append a 0-d array to ${this.label}: arrays need at least one axis to grow along`,
      );
    }
    this.dtype = dtype;
    this.#descrText = pyRepr(descrValue(dtype));
    this.headerLength = 0;
    this.#version = 1;
    this.#template = null;
    const header = this.header(shape);
    const end = header.length + bytes.length;
    try {
      yield* this.#createSteps(header, shape, bytes, end);
    } catch (e) {
      // Leave an empty file, not part of a header that a later first
      // append might not overwrite entirely.
      this.dtype = this.#wantDType;
      yield* this.#rollback(0, null);
      if (!this.broken) this.staleSize = 0;
      throw e;
    }
    this.headerLength = header.length;
    this.dataEnd = end;
    this.shape = [...shape];
  }

  *#createSteps(
    header: Uint8Array,
    shape: readonly number[],
    bytes: Uint8Array,
    end: number,
  ): IoSteps<void> {
    if (this.fsync) {
      const empty = [...shape];
      empty[growthAxis(this.fortranOrder, shape.length)] = 0;
      yield* write(this.header(empty), 0);
      yield* write(bytes, header.length);
      if (this.staleSize > end) yield* truncate(end);
      yield* sync();
      yield* write(header, 0);
      yield* sync();
    } else {
      const all = new Uint8Array(end);
      all.set(header);
      all.set(bytes, header.length);
      yield* write(all, 0);
      if (this.staleSize > end) yield* truncate(end);
    }
  }

  /** Writes the appends held in the buffer (option `bufferBytes`). */
  *flush(): IoSteps<void> {
    const n = this.#buffered;
    if (n === 0) return;
    const start = this.dataEnd - n;
    try {
      yield* write(this.#buffer!.subarray(0, n), start);
    } catch (e) {
      // The buffered appends are lost; the file keeps what came before.
      this.#buffered = 0;
      this.dataEnd = start;
      this.shape = this.#flushedShape;
      yield* this.#rollback(start, null);
      throw e;
    }
    this.#buffered = 0;
  }

  /** Writes the header for the current shape. */
  *updateHeader(): IoSteps<void> {
    yield* this.flush();
    if (this.shape === null) return;
    if (this.fsync) yield* sync();
    yield* write(this.header(this.shape), 0);
    if (this.fsync) yield* sync();
    this.headerDirty = false;
  }

  /** Final header; the caller closes the file. */
  *close(): IoSteps<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.headerDirty) yield* this.updateHeader();
  }
}

/** Reads an existing file's header into the core (generator). */
export function* adoptExisting(
  core: AppendCore,
  options: NpyAppendArrayOptions,
): IoSteps<void> {
  let info: FileInfo;
  try {
    info = yield* inspect(options.maxHeaderSize);
  } catch (e) {
    throw withFileName(e, "open", core.label);
  }
  core.adopt(info, options);
}
