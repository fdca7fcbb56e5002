/**
 * Per-element encoders from JS values to the bytes of a dtype, with the
 * range checks of the casting rules.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import { fromFloat16Bits, toFloat16Bits } from "./_float16.ts";
import {
  genericDateRefusal,
  NAT,
  rescaleTime,
  splitTimeUnit,
} from "./_time_units.ts";
import { rangeError, refuseValue, typeError } from "./_write_errors.ts";
import { bytesWriter, unicodeWriter } from "./_text_writers.ts";
import { itemBytes } from "./_typed_arrays.ts";
import {
  negativeNaN,
  pyComplexText,
  pyFloatText,
  pyIntText,
} from "./_py_number_text.ts";
import { subarrayItems } from "./_field_values.ts";
import {
  convertNaNBits,
  floatParts,
  NAN_BITS,
  type SavedNaNs,
  setFloatBits,
  setSignBit,
} from "./_nan_bits.ts";

/** Writes one JS value as one element of a dtype at `offset`. */
export type ElementWriter = (
  view: DataView,
  offset: number,
  value: unknown,
  where: () => string,
) => void;

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  i1: [-(2n ** 7n), 2n ** 7n - 1n],
  i2: [-(2n ** 15n), 2n ** 15n - 1n],
  i4: [-(2n ** 31n), 2n ** 31n - 1n],
  i8: [-(2n ** 63n), 2n ** 63n - 1n],
  u1: [0n, 2n ** 8n - 1n],
  u2: [0n, 2n ** 16n - 1n],
  u4: [0n, 2n ** 32n - 1n],
  u8: [0n, 2n ** 64n - 1n],
};

/** The largest finite value of each float size. */
export const FLOAT_MAX: Record<number, number> = {
  2: 65504,
  4: 3.4028234663852886e38,
  8: Number.MAX_VALUE,
};

// Text into numbers (casting "unsafe" only) is read as NumPy's casts from
// strings read it, with Python's int() and float() (`_py_number_text.ts`).

function toBigIntChecked(
  value: unknown,
  dtype: DType,
  unsafe: boolean,
  where: () => string,
  named: DType = dtype,
): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number") {
    if (Number.isInteger(value)) {
      if (!unsafe && dtype.itemsize === 8 && !Number.isSafeInteger(value)) {
        refuseValue(
          RangeError,
          value,
          where,
          `it is not a safe integer, so its exact value is unknown; pass a bigint (or use casting "unsafe")`,
        );
      }
      return BigInt(value);
    }
    if (!unsafe) rangeError(value, dtype, where);
    return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
  }
  if (unsafe && typeof value === "string") {
    const n = pyIntText(value);
    if (n !== undefined) return n;
  }
  return typeError(value, named, where);
}

function intWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const key = `${dtype.kind}${dtype.itemsize}`;
  const [min, max] = INT_RANGES[key]!;
  const le = dtype.byteOrder !== ">";
  const size = dtype.itemsize;
  const minN = Number(min);
  const maxN = Number(max);
  const put = (view: DataView, offset: number, v: bigint): void => {
    switch (size) {
      case 1:
        view.setUint8(offset, Number(BigInt.asUintN(8, v)));
        break;
      case 2:
        view.setUint16(offset, Number(BigInt.asUintN(16, v)), le);
        break;
      case 4:
        view.setUint32(offset, Number(BigInt.asUintN(32, v)), le);
        break;
      default:
        view.setBigUint64(offset, BigInt.asUintN(64, v), le);
    }
  };
  const putNumber = (view: DataView, offset: number, v: number): void => {
    switch (size) {
      case 1:
        view.setUint8(offset, v & 0xff);
        break;
      case 2:
        view.setUint16(offset, v & 0xffff, le);
        break;
      case 4:
        view.setUint32(offset, v >>> 0, le);
        break;
      default:
        view.setBigUint64(offset, BigInt.asUintN(64, BigInt(v)), le);
    }
  };
  return (view, offset, value, where) => {
    if (
      typeof value === "number" && Number.isSafeInteger(value) &&
      value >= minN && value <= maxN
    ) {
      putNumber(view, offset, value);
      return;
    }
    const v = toBigIntChecked(value, dtype, unsafe, where);
    if ((v < min || v > max) && !unsafe) rangeError(value, dtype, where);
    put(view, offset, v);
  };
}

/**
 * A bigint as a JS number rounded to odd (cut to 53 bits, the last bit set
 * when any cut bit was), so that rounding it once more to float32 or
 * float16 gives what one correct rounding of the integer gives, as NumPy's
 * casts do; `Number(v)` then `Math.fround` would round twice.
 */
function roundToOdd(v: bigint): number {
  const abs = v < 0n ? -v : v;
  const cut = abs.toString(2).length - 53;
  if (cut <= 0) return Number(v);
  let top = abs >> BigInt(cut);
  if (top << BigInt(cut) !== abs) top |= 1n;
  const n = Number(top) * 2 ** cut;
  return v < 0n ? -n : n;
}

function toNumberChecked(
  value: unknown,
  dtype: DType,
  unsafe: boolean,
  where: () => string,
): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") {
    return dtype.itemsize < 8 ? roundToOdd(value) : Number(value);
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (unsafe && typeof value === "string") {
    const n = pyFloatText(value);
    if (n !== undefined) return n;
  }
  return typeError(value, dtype, where);
}

const NAN_SCRATCH = new DataView(new ArrayBuffer(8));

function floatWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const le = dtype.byteOrder !== ">";
  const size = dtype.itemsize;
  const max = FLOAT_MAX[size]!;
  const check = (value: unknown, n: number, where: () => string): void => {
    if (unsafe) return;
    if (Number.isFinite(n) ? Math.abs(n) > max : typeof value === "bigint") {
      // Values that round to the largest finite value fit; bigints beyond a
      // double's do not (NumPy: "int too large to convert to float").
      const rounded = size === 4
        ? Math.fround(n)
        : size === 2
        ? fromFloat16Bits(toFloat16Bits(n))
        : n;
      if (!Number.isFinite(rounded)) rangeError(value, dtype, where);
    }
  };
  // float("-nan") has its sign bit set (text under "unsafe").
  const textNaNSign = (view: DataView, offset: number, value: unknown) => {
    if (typeof value === "string" && negativeNaN(value)) {
      setSignBit(view, offset, size, le);
    }
  };
  if (size === 8) {
    return (view, offset, value, where) => {
      const n = toNumberChecked(value, dtype, unsafe, where);
      if (typeof value === "bigint") check(value, n, where);
      view.setFloat64(offset, n, le);
      if (n !== n) textNaNSign(view, offset, value);
    };
  }
  if (size === 4) {
    return (view, offset, value, where) => {
      const n = toNumberChecked(value, dtype, unsafe, where);
      check(value, n, where);
      view.setFloat32(offset, n, le);
      if (n !== n) textNaNSign(view, offset, value);
    };
  }
  return (view, offset, value, where) => {
    const n = toNumberChecked(value, dtype, unsafe, where);
    check(value, n, where);
    if (Number.isNaN(n)) {
      // Sign and top payload bits, as NumPy's double to half conversion.
      NAN_SCRATCH.setFloat64(0, n);
      const bits = convertNaNBits(NAN_SCRATCH.getBigUint64(0), 8, 2);
      setFloatBits(view, offset, 2, bits, le);
      textNaNSign(view, offset, value);
      return;
    }
    view.setUint16(offset, toFloat16Bits(n), le);
  };
}

function complexWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const half = dtype.itemsize / 2;
  const part = floatWriter(
    { ...dtype, kind: "f", itemsize: half }, // messages name the file's dtype
    unsafe,
  );
  const le = dtype.byteOrder !== ">";
  return (view, offset, value, where) => {
    if (typeof value === "string") {
      // Text as Python's complex() reads it (NumPy's cast from U).
      const z = unsafe ? pyComplexText(value) : undefined;
      if (z === undefined) return typeError(value, dtype, where);
      part(view, offset, z.re, where);
      part(view, offset + half, z.im, where);
      // A JS NaN may lose its sign: "-nan" keeps it, as in NumPy.
      if (z.reNegNaN) setSignBit(view, offset, half, le);
      if (z.imNegNaN) setSignBit(view, offset + half, half, le);
      return;
    }
    if (
      typeof value === "object" && value !== null && !Array.isArray(value) &&
      "re" in value
    ) {
      const c = value as { re: unknown; im?: unknown };
      part(view, offset, c.re, where);
      part(view, offset + half, c.im ?? 0, where);
      return;
    }
    if (Array.isArray(value) && value.length === 2) {
      part(view, offset, value[0], where);
      part(view, offset + half, value[1], where);
      return;
    }
    part(view, offset, value, where);
    part(view, offset + half, 0, where);
  };
}

// NumPy's truth of a value cast to bool: `x != 0`, so NaN is true and a
// complex number is true when either part is; text is read by Python's int().
function truth(value: unknown, dtype: DType, where: () => string): boolean {
  if (typeof value === "number") return value !== 0;
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value === "string") {
    const n = pyIntText(value);
    return n === undefined ? typeError(value, dtype, where) : n !== 0n;
  }
  if (Array.isArray(value) && value.length === 2) {
    return truth(value[0], dtype, where) || truth(value[1], dtype, where);
  }
  if (typeof value === "object" && value !== null && "re" in value) {
    const c = value as { re: unknown; im?: unknown };
    return truth(c.re, dtype, where) || truth(c.im ?? 0, dtype, where);
  }
  return typeError(value, dtype, where);
}

function boolWriter(dtype: DType, unsafe: boolean): ElementWriter {
  return (view, offset, value, where) => {
    if (value === true || value === 1 || value === 1n) {
      view.setUint8(offset, 1);
    } else if (value === false || value === 0 || value === 0n) {
      view.setUint8(offset, 0);
    } else if (unsafe) {
      view.setUint8(offset, truth(value, dtype, where) ? 1 : 0);
    } else if (
      typeof value === "number" || typeof value === "bigint"
    ) {
      rangeError(value, dtype, where);
    } else {
      typeError(value, dtype, where);
    }
  };
}

/**
 * A Date in a datetime unit, as NumPy's `astype` from `M8[ms]`: floored
 * (years and months by the UTC calendar); an invalid Date is NaT.
 */
function dateTicks(date: Date, unit: string, wrap: boolean): bigint | string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return NAT;
  const u = splitTimeUnit(unit);
  if (u.base === "Y" || u.base === "M") {
    const years = BigInt(date.getUTCFullYear() - 1970);
    const n = u.base === "Y" ? years : years * 12n + BigInt(date.getUTCMonth());
    const c = BigInt(u.count);
    return n >= 0n || n % c === 0n ? n / c : n / c - 1n;
  }
  const out = rescaleTime(new BigInt64Array([BigInt(ms)]), "ms", unit, wrap);
  // (The caller names the Date's index; the one-value array's is no help.)
  return typeof out === "string"
    ? `${ms} ms does not fit 64 bits in unit "${unit}" (use casting "unsafe" to wrap as NumPy does)`
    : out[0]!;
}

function timeWriter(
  dtype: DType,
  unsafe: boolean,
  from?: DType,
): ElementWriter {
  const le = dtype.byteOrder !== ">";
  const i8 = { ...dtype, kind: "i" as const };
  // Values of a generic M8 (the source dtype says so) are its ticks.
  const generic = dtype.kind === "M" && dtype.unit === "generic" &&
    !(from?.kind === "M" && from.unit === "generic");
  return (view, offset, value, where) => {
    // NumPy reads text into M8 as a date ("2020" is the year): not here.
    if (typeof value === "string" && dtype.kind === "M") {
      typeError(value, dtype, where);
    }
    if (value instanceof Date) {
      if (dtype.kind !== "M" || dtype.unit === "generic") {
        typeError(value, dtype, where);
      }
      const ticks = dateTicks(value, dtype.unit!, unsafe);
      if (typeof ticks === "string") {
        refuseValue(RangeError, value, where, ticks);
      }
      view.setBigInt64(offset, ticks, le);
      return;
    }
    if (unsafe && typeof value === "number" && Number.isNaN(value)) {
      // NaN is NaT, as NumPy >= 1.18 on every platform (integers get 0).
      view.setBigInt64(offset, NAT, le);
      return;
    }
    const v = toBigIntChecked(value, i8, unsafe, where, dtype);
    if ((v < INT_RANGES.i8![0] || v > INT_RANGES.i8![1]) && !unsafe) {
      rangeError(value, dtype, where);
    }
    const why = generic && !unsafe
      ? genericDateRefusal(v, dtype.str)
      : undefined;
    if (why !== undefined) refuseValue(RangeError, value, where, why);
    view.setBigInt64(offset, BigInt.asIntN(64, v), le);
  };
}

function recordWriter(
  dtype: DType,
  casting: Casting,
  from?: DType,
): ElementWriter {
  // The source's fields, where it is this very record.
  const same = from !== undefined && from.str === dtype.str;
  const fields = dtype.fields!.map((f) => ({
    field: f,
    write: elementWriter(f.dtype, casting, same ? f.dtype : undefined),
    count: f.shape.reduce((a, b) => a * b, 1),
    bytesLeaf: f.dtype.fields === undefined &&
      (f.dtype.kind === "S" || f.dtype.kind === "V"),
  }));
  const size = dtype.itemsize;
  return (view, offset, value, where) => {
    const own = itemBytes(value, where);
    if (own !== undefined) {
      if (own.length !== size) {
        throw new RangeError(
          `Cannot append record ${where()}: ${own.length} bytes given, dtype "${dtype.str}" has ${size}`,
        );
      }
      new Uint8Array(view.buffer, view.byteOffset + offset, size).set(own);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      typeError(value, dtype, where);
    }
    const rec = value as Record<string, unknown>;
    const nans = (value as { [NAN_BITS]?: Record<string, SavedNaNs> })[
      NAN_BITS
    ];
    new Uint8Array(view.buffer, view.byteOffset + offset, size).fill(0);
    for (const { field, write, count, bytesLeaf } of fields) {
      if (!(field.name in rec)) {
        throw new TypeError(
          `Cannot append record ${where()}: field "${field.name}" is missing`,
        );
      }
      const fieldWhere = () => `${where()} field "${field.name}"`;
      const v = rec[field.name];
      const at = offset + field.offset;
      let flat: ArrayLike<unknown> | undefined;
      if (field.shape.length === 0) {
        write(view, at, v, fieldWhere);
      } else {
        flat = subarrayItems(v, field.shape, count, bytesLeaf, fieldWhere);
        for (let i = 0; i < count; i++) {
          write(view, at + i * field.dtype.itemsize, flat[i], fieldWhere);
        }
      }
      const saved = nans?.[field.name];
      if (saved !== undefined) {
        restoreNaNs(view, at, field.dtype, flat ?? [v], saved);
      }
    }
  };
}

/**
 * Rewrites the NaN parts of a float or complex field written at `at` from
 * the bits its record was read with, where the value is still a NaN, as
 * NumPy converts NaNs between float sizes.
 */
function restoreNaNs(
  view: DataView,
  at: number,
  dtype: DType,
  flat: ArrayLike<unknown>,
  saved: SavedNaNs,
): void {
  if (dtype.fields !== undefined || dtype.kind !== saved.kind) return;
  const size = dtype.kind === "c" ? dtype.itemsize / 2 : dtype.itemsize;
  const le = dtype.byteOrder !== ">";
  const parts = floatParts(flat, dtype.kind);
  for (const [p, bits] of saved.parts) {
    const v = parts[p];
    if (typeof v !== "number" || v === v) continue;
    setFloatBits(
      view,
      at + p * size,
      size,
      convertNaNBits(bits, saved.size, size),
      le,
    );
  }
}

/**
 * A writer of JS values into one element of `dtype`, checking ranges
 * unless `casting` is `"unsafe"`.
 *
 * @param dtype The target dtype.
 * @param casting The casting mode.
 * @param from The dtype the values are of, where the input names one:
 * values named a generic `M8`'s are its ticks, not integers.
 * @returns The element writer.
 */
export function elementWriter(
  dtype: DType,
  casting: Casting,
  from?: DType,
): ElementWriter {
  const unsafe = casting === "unsafe";
  if (dtype.fields !== undefined) return recordWriter(dtype, casting, from);
  switch (dtype.kind) {
    case "b":
      return boolWriter(dtype, unsafe);
    case "i":
    case "u":
      return intWriter(dtype, unsafe);
    case "f":
      return floatWriter(dtype, unsafe);
    case "c":
      return complexWriter(dtype, unsafe);
    case "U":
      return unicodeWriter(dtype, casting, from);
    case "S":
    case "V":
      return bytesWriter(dtype, casting);
    case "M":
    case "m":
      return timeWriter(dtype, unsafe, from);
    default:
      throw new TypeError(
        `Cannot write dtype "${dtype.str}": Python objects are not supported`,
      );
  }
}
