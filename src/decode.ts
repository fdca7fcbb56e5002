/**
 * Turning the bytes of a dtype into the JS form of the dtype table: typed
 * arrays in native byte order for numbers, strings, byte arrays, records.
 *
 * @module
 */

import {
  decodeCost,
  type DType,
  NATIVE_LITTLE_ENDIAN,
  OBJECTS_FIX,
} from "./dtype.ts";
import { elementReader } from "./_element_readers.ts";
import { type TypedArrayFit, typedArrayFor } from "./_typed_arrays.ts";
import { NpyFormatError } from "./errors.ts";
import type { TypedArray } from "./array_input.ts";

/**
 * The JS form of decoded array data: a typed array (any but
 * `Uint8ClampedArray`, which no dtype decodes to) for numbers, strings,
 * byte arrays, or records.
 */
export type NpyData =
  | Exclude<TypedArray, Uint8ClampedArray>
  | string[]
  | Uint8Array[]
  | Record<string, unknown>[];

/**
 * The typed array type that holds `dtype`'s items, if it is numeric.
 *
 * @param dtype The dtype.
 * @returns The constructor name, such as `"Float64Array"`, or `undefined`.
 */
export function typedArrayName(dtype: DType): string | undefined {
  return typedArrayFor(dtype)?.ctor.name;
}

/** Options of {@linkcode decodeItems}. */
export interface DecodeOptions {
  /**
   * `false`: numeric data may be returned as a view of the input bytes
   * (byte-swapped in place when the file's byte order is not native),
   * saving a copy. Default `true`: the input is left untouched.
   */
  copy?: boolean;
}

/**
 * How the items of a numeric dtype decode, worked out once per dtype (a
 * reader keeps it for its file): the typed array, its elements per item,
 * and the byte-swap unit.
 */
export interface NumericDecoder extends TypedArrayFit {
  /**
   * Bytes of one element to reverse when the dtype's byte order is not
   * this machine's; 0 when no swap is needed.
   */
  readonly swapUnit: number;
  /**
   * `b1`: a byte other than 0 and 1 (NumPy's `True`, as in an array made
   * by `np.frombuffer(..., bool)`) is read as 1.
   */
  readonly bools: boolean;
}

const DECODERS = new WeakMap<DType, NumericDecoder | null>();

/**
 * The decoder of a numeric dtype's items (see {@linkcode typedArrayName}),
 * or `undefined` for strings, bytes, records and objects. Made once per
 * dtype object.
 *
 * @param dtype The dtype.
 * @returns The typed array, elements per item and swap unit.
 */
export function numericDecoder(dtype: DType): NumericDecoder | undefined {
  let d = DECODERS.get(dtype);
  if (d === undefined) {
    const fit = typedArrayFor(dtype);
    const nativeOrder = NATIVE_LITTLE_ENDIAN ? "<" : ">";
    const swap = dtype.byteOrder !== "|" && dtype.byteOrder !== nativeOrder;
    d = fit === undefined ? null : {
      ctor: fit.ctor,
      per: fit.per,
      swapUnit: swap && dtype.itemsize / fit.per > 1
        ? dtype.itemsize / fit.per
        : 0,
      bools: dtype.kind === "b",
    };
    DECODERS.set(dtype, d);
  }
  return d ?? undefined;
}

/**
 * Reverses each `unit`-byte element of the first `length` bytes of `u8`
 * (big- to little-endian or back); nothing when `unit` is 0.
 *
 * @param u8 The bytes, changed in place.
 * @param length How many bytes (a multiple of `unit`).
 * @param unit Bytes per element, or 0.
 */
export function swapInPlace(
  u8: Uint8Array,
  length: number,
  unit: number,
): void {
  if (unit === 0) return;
  for (let i = 0; i < length; i += unit) {
    for (let a = i, b = i + unit - 1; a < b; a++, b--) {
      const t = u8[a]!;
      u8[a] = u8[b]!;
      u8[b] = t;
    }
  }
}

/**
 * Puts the first `length` bytes of `u8`, items of a numeric dtype as
 * stored, into the form its typed array gives: native byte order (see
 * {@linkcode swapInPlace}), and `b1` bytes as 0 or 1, the values
 * `np.load(...).astype(np.uint8)` gives.
 *
 * @param u8 The bytes, changed in place.
 * @param length How many bytes.
 * @param decoder The dtype's decoder.
 */
export function toNativeInPlace(
  u8: Uint8Array,
  length: number,
  decoder: NumericDecoder,
): void {
  if (decoder.bools) {
    for (let i = 0; i < length; i++) if (u8[i]! > 1) u8[i] = 1;
    return;
  }
  swapInPlace(u8, length, decoder.swapUnit);
}

/**
 * Why the items of a dtype holding Python objects (pickled by NumPy) are
 * not read, and the fix; the readers' one message.
 *
 * @param dtype The dtype.
 * @returns The message, without the file's name.
 */
export function objectsReadWhy(dtype: DType): string {
  return `its dtype "${dtype.str}" holds Python objects (pickled), which cannot be read here; ${OBJECTS_FIX}`;
}

/** Most items of a zero-byte dtype (`V0`, `[]`) decoded at once. */
const MAX_EMPTY_ITEMS = 1 << 12;
/** Most values decoding may make beyond 8 per data byte. */
const MAX_FREE_VALUES = 1 << 16;

/**
 * Decodes `count` items of `dtype` from `bytes`.
 *
 * @example
 * ```ts
 * import { parseDType } from "@x/npy-append-array";
 * import { decodeItems } from "./decode.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([0, 1, 0, 2]);
 * const data = decodeItems(bytes, parseDType(">i2"), 2);
 * assert.deepEqual([...(data as Int16Array)], [1, 2]);
 * ```
 *
 * @param bytes At least `count * dtype.itemsize` bytes.
 * @param dtype The dtype.
 * @param count The number of items.
 * @param options `copy: false` lets numeric results share memory with
 * `bytes` (byte-swapping it in place for the other byte order).
 * @returns Numbers as typed arrays in native order (complex interleaved;
 * `b1` as 0 and 1),
 * `U` as strings, `S` as `Uint8Array`s without trailing zeros, `V` as
 * `Uint8Array`s, records as plain objects.
 * @throws {NpyFormatError} for Python objects, or more than 2**12 items of
 * a zero-byte dtype.
 */
export function decodeItems(
  bytes: Uint8Array,
  dtype: DType,
  count: number,
  options: DecodeOptions = {},
): NpyData {
  if (dtype.hasObject) {
    throw new NpyFormatError(
      "unsupported-dtype",
      objectsReadWhy(dtype),
      { verb: "read" },
    );
  }
  const size = dtype.itemsize;
  if (size === 0 && count > MAX_EMPTY_ITEMS) {
    // Zero-byte items cost nothing on disk, so only this cap keeps a
    // shape in a header from driving a huge allocation.
    throw new NpyFormatError(
      "too-large",
      `${count} items of dtype "${dtype.str}", which has zero bytes per item, were asked for: at most ${MAX_EMPTY_ITEMS} such items are read at once; read a smaller range`,
      { verb: "read" },
    );
  }
  // The same for values inside records (sub-arrays with a zero dimension
  // or of zero-byte items): at most what the bytes justify.
  const values = count * decodeCost(dtype);
  if (values > Math.max(MAX_FREE_VALUES, 8 * count * size)) {
    throw new NpyFormatError(
      "too-large",
      `${count} items of dtype "${dtype.str}" would make ${values} values from ${
        count * size
      } bytes (sub-arrays of zero-byte items or with a zero dimension); at most ${MAX_FREE_VALUES} values, or 8 per data byte, are made at once`,
      { verb: "read" },
    );
  }
  const length = count * size;
  const c = numericDecoder(dtype);
  if (c !== undefined) {
    // Without a copy the result views `bytes` itself: possible when its
    // offset suits the typed array's alignment.
    const inPlace = options.copy === false &&
      bytes.buffer instanceof ArrayBuffer &&
      bytes.byteOffset % (size / c.per) === 0;
    const copy = inPlace
      ? bytes.buffer as ArrayBuffer
      : new ArrayBuffer(length);
    const base = inPlace ? bytes.byteOffset : 0;
    // The byte view only where bytes move (no allocation for the common
    // in-place, native-order read of a few rows).
    const u8 = inPlace && c.swapUnit === 0
      ? bytes
      : new Uint8Array(copy, base, length);
    if (!inPlace) u8.set(bytes.subarray(0, length));
    toNativeInPlace(u8, length, c);
    return new c.ctor(copy, base, count * c.per) as NpyData;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const read = elementReader(dtype);
  const out: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i * size);
  return out as NpyData;
}
