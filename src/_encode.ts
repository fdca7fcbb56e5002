/**
 * Encoding flat data into the bytes of a dtype: typed arrays by type
 * (sharing memory where the bytes already fit), plain values one by one,
 * and moving items between C and Fortran order.
 *
 * @module
 */

import { type DType, NATIVE_LITTLE_ENDIAN } from "./dtype.ts";
import { castAllowed, type Casting } from "./casting.ts";
import type { TypedArray } from "./array_input.ts";
import { elementWriter } from "./_element_writers.ts";
import { tooLargeToAppend, tryBytes } from "./_alloc.ts";
import { fromFloat16Bits } from "./_float16.ts";
import {
  convertNaNBits,
  floatBits,
  isNaNBits,
  setFloatBits,
} from "./_nan_bits.ts";
import { typedArrayDType } from "./_typed_arrays.ts";
import { rescaleTime, splitTimeUnit } from "./_time_units.ts";
import { product } from "./_input_normalize.ts";
import { complexText, floatText, timeText } from "./_number_text.ts";

/** Moves items of `shape` from `from` order into the other order. */
export function reorder(
  bytes: Uint8Array,
  shape: readonly number[],
  itemsize: number,
  from: "C" | "F",
): Uint8Array {
  // Moves items from `from` order into the other order.
  const n = shape.length;
  const count = product(shape);
  const out = new Uint8Array(bytes.length);
  // Strides (in items) of the source layout.
  const srcStride = new Array<number>(n);
  let acc = 1;
  if (from === "C") {
    for (let a = n - 1; a >= 0; a--) {
      srcStride[a] = acc;
      acc *= shape[a]!;
    }
  } else {
    for (let a = 0; a < n; a++) {
      srcStride[a] = acc;
      acc *= shape[a]!;
    }
  }
  // Walk the destination order, tracking the source position.
  const index = new Array<number>(n).fill(0);
  const axes = from === "C"
    ? [...Array(n).keys()] // destination is F: first axis fastest
    : [...Array(n).keys()].reverse(); // destination is C: last axis fastest
  let src = 0;
  for (let k = 0; k < count; k++) {
    out.set(bytes.subarray(src * itemsize, (src + 1) * itemsize), k * itemsize);
    for (const a of axes) {
      index[a]!++;
      src += srcStride[a]!;
      if (index[a]! < shape[a]!) break;
      src -= srcStride[a]! * shape[a]!;
      index[a] = 0;
    }
  }
  return out;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * Encodes plain values one by one with the element writer of `dtype`;
 * `from`, the dtype the input names for them, if any.
 */
export function encodeValues(
  data: ArrayLike<unknown>,
  dtype: DType,
  casting: Casting,
  label: string,
  from?: DType,
): Uint8Array {
  const size = dtype.itemsize;
  const out = tryBytes(data.length * size);
  if (out instanceof RangeError) throw tooManyValues(data, dtype, label, out);
  const view = new DataView(out.buffer);
  const write = elementWriter(dtype, casting, from);
  let i = 0;
  const where = () => `at index ${i} to ${label}`;
  for (; i < data.length; i++) write(view, i * size, data[i], where);
  return out;
}

/**
 * The error of plain values whose bytes the runtime cannot give one
 * buffer: an empty slot of a sparse array (`a.length = 2 ** 32 - 1`), as
 * nested input names it, else the size and smaller batches.
 */
function tooManyValues(
  data: ArrayLike<unknown>,
  dtype: DType,
  label: string,
  cause: RangeError,
): Error {
  for (let i = 0; i < data.length; i++) {
    if (!(i in data)) {
      return new TypeError(
        `Cannot append to ${label}: item[${i}] is an empty slot of a sparse array; fill every item`,
      );
    }
  }
  const what = `its ${data.length} items of dtype "${dtype.str}"`;
  return tooLargeToAppend(label, what, data.length * dtype.itemsize, cause);
}

/**
 * The dtype of one number of a typed array holding `dtype`'s items: the
 * float half of a complex dtype (the array holds re, im pairs), else the
 * dtype itself.
 */
function partOf(dtype: DType): DType {
  return dtype.kind === "c"
    ? { ...dtype, kind: "f", itemsize: dtype.itemsize / 2 }
    : dtype;
}

/**
 * Encodes a typed array whose numbers have dtype `from` (the part dtype
 * of a complex `from`; judged by value when `undefined`) into numbers of
 * `dtype` (the part dtype for a complex file). Where the bytes already
 * fit, the result shares the caller's memory. Float conversions keep NaN
 * signs and payloads as NumPy does.
 */
export function encodeTyped(
  data: TypedArray,
  from: DType | undefined,
  dtype: DType,
  casting: Casting,
  label: string,
): Uint8Array {
  const nativeOrder = NATIVE_LITTLE_ENDIAN ? "<" : ">";
  if (
    from !== undefined && (from.kind === "M" || from.kind === "m") &&
    from.kind === dtype.kind && from.unit !== dtype.unit &&
    data instanceof BigInt64Array
  ) {
    // Another time unit: values rescaled as NumPy's astype does.
    const scaled = rescaleTime(
      data,
      from.unit!,
      dtype.unit!,
      casting === "unsafe",
      from.kind === "M",
    );
    if (typeof scaled === "string") {
      throw new RangeError(`Cannot append to ${label}: ${scaled}`);
    }
    data = scaled;
    from = { ...from, unit: dtype.unit! };
  }
  const part = from === undefined ? undefined : partOf(from);
  if (
    part !== undefined && part.kind === dtype.kind &&
    part.itemsize === dtype.itemsize && part.unit === dtype.unit
  ) {
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (dtype.byteOrder === "|" || dtype.byteOrder === nativeOrder) return view;
    const copy = view.slice();
    swapBytes(copy, dtype.itemsize);
    return copy;
  }
  if (
    from === undefined && dtype.kind === "b" && data instanceof Uint8Array &&
    casting !== "unsafe"
  ) {
    for (let i = 0; i < data.length; i++) {
      if (data[i]! > 1) {
        throw new RangeError(
          `Cannot append value ${
            data[i]
          } at index ${i} to ${label}: dtype "|b1" holds 0 and 1 only (use casting "unsafe" to convert anyway)`,
        );
      }
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (
    (dtype.kind === "U" || dtype.kind === "S") && from !== undefined &&
    "biufcMm".includes(from.kind)
  ) {
    // Numbers and times into text ("unsafe"): as NumPy's str() of each.
    const texts = typedTexts(data, from, label);
    if (from.kind === "M") checkDateRoom(texts, dtype, label);
    return encodeValues(texts, dtype, casting, label);
  }
  // A cast the rule allows: values are still range-checked unless the cast
  // is safe or the mode unsafe.
  const exact = from !== undefined && castAllowed(from, dtype, "safe");
  const mode = exact ? "unsafe" : casting;
  // float16 given as raw bits (a `Uint16Array` said to be `f2`): their
  // values, whatever the target (integers, times and bools too).
  const values = part?.kind === "f" && part.itemsize === 2 &&
      typedArrayDType(data)?.kind !== "f"
    ? halfValues(data)
    : data;
  if (part === undefined || part.kind !== "f" || dtype.kind !== "f") {
    return encodeValues(values, dtype, mode, label);
  }
  // float to float: values by value, then NaNs by their bits.
  const out = encodeValues(values, dtype, mode, label);
  copyNaNs(values, data, part.itemsize, out, dtype);
  return out;
}

/**
 * The items of a typed array holding `from`'s values (complex ones as
 * (re, im) pairs) as NumPy's casts to text write them.
 */
function typedTexts(data: TypedArray, from: DType, label: string): string[] {
  const size = from.itemsize;
  if (from.kind === "c") {
    const out: string[] = [];
    for (let i = 0; i + 1 < data.length; i += 2) {
      out.push(complexText(Number(data[i]), Number(data[i + 1]), size));
    }
    return out;
  }
  const values = from.kind === "f" && size === 2 &&
      typedArrayDType(data)?.kind !== "f"
    ? halfValues(data)
    : data;
  const unit = splitTimeUnit(from.unit ?? "generic");
  return Array.from(values as ArrayLike<number | bigint>, (v) => {
    if (from.kind === "f") return floatText(Number(v), size);
    if (from.kind === "b") return v ? "True" : "False";
    if (from.kind === "i" || from.kind === "u") return String(v);
    const text = timeText(BigInt(v), from.kind, unit.count, unit.base);
    if (text === undefined) {
      throw new TypeError(
        `Cannot append to ${label}: a generic datetime ("${from.str}") has no text form; give it a unit`,
      );
    }
    return text;
  });
}

/**
 * NumPy refuses a datetime whose ISO text is longer than the `U`/`S` item
 * (its "string ... too short"), under every casting; it does not cut it.
 */
function checkDateRoom(texts: string[], dtype: DType, label: string): void {
  const room = dtype.kind === "U" ? dtype.itemsize / 4 : dtype.itemsize;
  const i = texts.findIndex((t) => t.length > room);
  if (i < 0) return;
  throw new RangeError(
    `Cannot append value "${
      texts[i]
    }" at index ${i} to ${label}: it does not fit dtype "${dtype.str}" (NumPy refuses a datetime's text cut short, in every casting; use a longer ${dtype.kind})`,
  );
}

/** float16 bits (a `Uint16Array` where the runtime has no `Float16Array`) as numbers. */
function halfValues(bits: TypedArray): Float64Array {
  const out = new Float64Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    out[i] = fromFloat16Bits(Number(bits[i]));
  }
  return out;
}

/**
 * Rewrites every NaN of `out` (floats of `dtype`) from the bits of the
 * same item of `data` (native-order floats of `fromSize` bytes, whose
 * values are `values`), as NumPy converts NaNs.
 */
function copyNaNs(
  values: ArrayLike<unknown>,
  data: TypedArray,
  fromSize: number,
  out: Uint8Array,
  dtype: DType,
): void {
  const size = dtype.itemsize;
  const count = out.length / size;
  if (data.byteLength !== count * fromSize) return;
  const src = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dst = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = dtype.byteOrder !== ">";
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v === v) continue;
    const bits = floatBits(src, i * fromSize, fromSize, NATIVE_LITTLE_ENDIAN);
    if (isNaNBits(bits, fromSize)) {
      const to = convertNaNBits(bits, fromSize, size);
      setFloatBits(dst, i * size, size, to, le);
    }
  }
}
