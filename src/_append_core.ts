/**
 * The state and the I/O steps of a writer, shared by
 * {@linkcode NpyAppendArray} and {@linkcode NpyAppendArraySync}.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { descrValue, type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import { type Casting, checkCasting } from "./casting.ts";
import { headerText, wrapHeaderText } from "./header.ts";
import { pyRepr } from "./_py_literal.ts";
import { type ArrayInput, prepareArray } from "./array_input.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { withFileName } from "./_error_label.ts";
import { type IoSteps, sync, truncate, write } from "./_io.ts";

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
  headerDirty = false;
  #descrText = "";
  #wantDType: DType | undefined;

  constructor(label: string, options: NpyAppendArrayOptions) {
    this.label = label;
    this.rewriteHeaderOnAppend = options.rewriteHeaderOnAppend ?? true;
    this.casting = checkCasting(options.casting ?? "same_kind");
    this.fsync = options.fsync ?? false;
    this.fortranOrder = options.fortranOrder ?? false;
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
      : parseDType(options.dtype);
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
    if (header.dtype.hasObject) {
      throw new NpyFormatError(
        `Cannot append to ${this.label}: its dtype "${header.dtype.str}" holds Python objects, which this library cannot write`,
      );
    }
    if (header.shape.length === 0) {
      throw new RangeError(
        `Cannot append to ${this.label}: it holds a 0-d array, which has no axis to grow; use deleteIfExists to start over`,
      );
    }
    if (!info.appendable) {
      throw new RangeError(
        `Cannot append to ${this.label}: its header has no room to grow; call ensureAppendable first`,
      );
    }
    if (info.needsRecovery) {
      throw new RangeError(
        `Cannot append to ${this.label}: it holds ${info.dataLength} data bytes but its header says ${info.expectedDataLength}; call recover first`,
      );
    }
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
    this.dataEnd = info.fileSize;
    this.#descrText = pyRepr(descrValue(header.dtype));
  }

  get growthAxis(): number {
    return this.fortranOrder ? (this.shape?.length ?? 1) - 1 : 0;
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
    return wrapHeaderText(
      headerText(this.#descrText, this.fortranOrder, shape),
      this.headerLength === 0 ? undefined : this.headerLength,
    );
  }

  #grownShape(inShape: readonly number[]): number[] {
    const shape = this.shape!;
    const axis = this.growthAxis;
    const ok = inShape.length === shape.length &&
      inShape.every((n, i) => i === axis || n === shape[i]);
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
    const out = [...shape];
    out[axis] = shape[axis]! + inShape[axis]!;
    if (!Number.isSafeInteger(out[axis]! * 1)) {
      throw new RangeError(
        `Cannot append to ${this.label}: the array grows too large`,
      );
    }
    return out;
  }

  /** Appends one array. */
  *append(input: ArrayInput): IoSteps<void> {
    this.checkOpen();
    const prepared = prepareArray(input, {
      dtype: this.dtype,
      fortranOrder: this.fortranOrder,
      casting: this.casting,
      label: this.label,
    });
    if (this.shape === null) {
      yield* this.#create(prepared.dtype, prepared.shape, prepared.bytes);
      return;
    }
    const shape = this.#grownShape(prepared.shape);
    const bytes = prepared.bytes;
    if (shape[this.growthAxis] === this.shape[this.growthAxis]) return;
    const oldEnd = this.dataEnd;
    const oldShape = this.shape;
    try {
      yield* write(bytes, oldEnd);
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
      yield* write(this.header(shape), 0);
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
      // stray bytes are what `recover` cuts away.
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
    const header = this.header(shape);
    const end = header.length + bytes.length;
    if (this.fsync) {
      const empty = [...shape];
      empty[this.fortranOrder ? shape.length - 1 : 0] = 0;
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
    this.headerLength = header.length;
    this.dataEnd = end;
    this.shape = [...shape];
  }

  /** Writes the header for the current shape. */
  *updateHeader(): IoSteps<void> {
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
