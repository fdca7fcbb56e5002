/**
 * Per-element encoders and decoders between JS values and the bytes of a
 * dtype, with the range checks of the casting rules.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import type { Casting } from "./casting.ts";

/** Writes one JS value as one element of a dtype at `offset`. */
export type ElementWriter = (
  view: DataView,
  offset: number,
  value: unknown,
  where: () => string,
) => void;

/** Reads one element of a dtype at `offset` as a JS value. */
export type ElementReader = (view: DataView, offset: number) => unknown;

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

/** Describes a value briefly for an error message. */
export function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object"
    ? `an object (${value.constructor?.name ?? "Object"})`
    : typeof value;
}

function rangeError(value: unknown, dtype: DType, where: () => string): never {
  throw new RangeError(
    `Cannot append value ${
      show(value)
    } ${where()}: it does not fit dtype "${dtype.str}" (use casting "unsafe" to convert anyway)`,
  );
}

function typeError(value: unknown, dtype: DType, where: () => string): never {
  throw new TypeError(
    `Cannot append value ${
      show(value)
    } ${where()}: dtype "${dtype.str}" needs ${describeWanted(dtype)}`,
  );
}

function describeWanted(dtype: DType): string {
  switch (dtype.kind) {
    case "b":
      return "booleans (or 0 and 1)";
    case "i":
    case "u":
      return "integer numbers or bigints";
    case "f":
      return "numbers";
    case "c":
      return "numbers or {re, im} objects";
    case "U":
      return "strings";
    case "S":
      return "latin1 strings or Uint8Arrays";
    case "M":
    case "m":
      return "bigints or integer numbers";
    case "V":
      return dtype.fields ? "plain objects with its fields" : "Uint8Arrays";
    default:
      return "a supported value";
  }
}

function toBigIntChecked(
  value: unknown,
  dtype: DType,
  unsafe: boolean,
  where: () => string,
): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number") {
    if (Number.isInteger(value)) {
      if (!unsafe && dtype.itemsize === 8 && !Number.isSafeInteger(value)) {
        throw new RangeError(
          `Cannot append value ${
            show(value)
          } ${where()}: it is not a safe integer, so its exact value is unknown; pass a bigint (or use casting "unsafe")`,
        );
      }
      return BigInt(value);
    }
    if (!unsafe) rangeError(value, dtype, where);
    return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
  }
  if (unsafe && typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    if (Number.isFinite(n)) return BigInt(Math.trunc(n));
  }
  return typeError(value, dtype, where);
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

/** Rounds a number to the nearest float16, returned as its 16 bits. */
export function toFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs === Infinity) return sign | 0x7c00;
  if (abs >= 65520) return sign | 0x7c00; // rounds to infinity
  if (abs < 2 ** -24 / 2 || abs === 0) {
    // rounds to zero (exactly half rounds to even: zero)
    return sign;
  }
  if (abs < 2 ** -14) {
    // subnormal: multiples of 2**-24, round half to even
    const q = abs / 2 ** -24;
    let m = Math.round(q);
    if (Math.abs(q - Math.trunc(q) - 0.5) === 0 && m % 2 === 1) m -= 1;
    return sign | m;
  }
  // normal: use exact math on the float64 value
  let e = Math.floor(Math.log2(abs));
  if (2 ** e > abs) e -= 1;
  if (2 ** (e + 1) <= abs) e += 1;
  const scaled = abs / 2 ** e - 1; // in [0, 1)
  const q = scaled * 1024;
  let m = Math.floor(q);
  const rest = q - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m += 1;
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** Decodes float16 bits to a number. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function toNumberChecked(
  value: unknown,
  dtype: DType,
  unsafe: boolean,
  where: () => string,
): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (unsafe && typeof value === "string") {
    const n = Number(value);
    if (!Number.isNaN(n) || value.trim().toLowerCase() === "nan") return n;
  }
  return typeError(value, dtype, where);
}

function floatWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const le = dtype.byteOrder !== ">";
  const size = dtype.itemsize;
  const max = FLOAT_MAX[size]!;
  const check = (value: unknown, n: number, where: () => string): void => {
    if (!unsafe && Number.isFinite(n) && Math.abs(n) > max) {
      // Values that round to the largest finite value still fit.
      const rounded = size === 4
        ? Math.fround(n)
        : size === 2
        ? fromFloat16Bits(toFloat16Bits(n))
        : n;
      if (!Number.isFinite(rounded)) rangeError(value, dtype, where);
    }
  };
  if (size === 8) {
    return (view, offset, value, where) => {
      const n = toNumberChecked(value, dtype, unsafe, where);
      view.setFloat64(offset, n, le);
    };
  }
  if (size === 4) {
    return (view, offset, value, where) => {
      const n = toNumberChecked(value, dtype, unsafe, where);
      check(value, n, where);
      view.setFloat32(offset, n, le);
    };
  }
  return (view, offset, value, where) => {
    const n = toNumberChecked(value, dtype, unsafe, where);
    check(value, n, where);
    view.setUint16(offset, toFloat16Bits(n), le);
  };
}

function complexWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const half = dtype.itemsize / 2;
  const part = floatWriter(
    { ...dtype, kind: "f", itemsize: half, str: `${dtype.byteOrder}f${half}` },
    unsafe,
  );
  return (view, offset, value, where) => {
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

function boolWriter(dtype: DType, unsafe: boolean): ElementWriter {
  return (view, offset, value, where) => {
    if (value === true || value === 1 || value === 1n) {
      view.setUint8(offset, 1);
    } else if (value === false || value === 0 || value === 0n) {
      view.setUint8(offset, 0);
    } else if (unsafe) {
      view.setUint8(offset, value ? 1 : 0);
    } else if (
      typeof value === "number" || typeof value === "bigint"
    ) {
      rangeError(value, dtype, where);
    } else {
      typeError(value, dtype, where);
    }
  };
}

function unicodeWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const n = dtype.itemsize / 4;
  const le = dtype.byteOrder !== ">";
  return (view, offset, value, where) => {
    let s: string;
    if (typeof value === "string") s = value;
    else if (unsafe && value !== undefined && value !== null) s = String(value);
    else return typeError(value, dtype, where);
    let i = 0;
    for (const ch of s) {
      if (i >= n) {
        if (unsafe) break;
        rangeError(value, dtype, where);
      }
      view.setUint32(offset + 4 * i, ch.codePointAt(0)!, le);
      i++;
    }
    for (; i < n; i++) view.setUint32(offset + 4 * i, 0, le);
  };
}

function bytesWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const n = dtype.itemsize;
  return (view, offset, value, where) => {
    let bytes: Uint8Array;
    if (value instanceof Uint8Array) bytes = value;
    else if (typeof value === "string" && dtype.kind === "S") {
      bytes = new Uint8Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c > 0xff) {
          if (!unsafe) {
            throw new RangeError(
              `Cannot append value ${
                show(value)
              } ${where()}: dtype "${dtype.str}" holds latin1 characters only; pass a Uint8Array for other bytes`,
            );
          }
        }
        bytes[i] = c & 0xff;
      }
    } else if (Array.isArray(value) && dtype.kind === "V") {
      bytes = Uint8Array.from(value as number[]);
    } else return typeError(value, dtype, where);
    if (bytes.length > n) {
      if (!unsafe) rangeError(value, dtype, where);
      bytes = bytes.subarray(0, n);
    }
    const target = new Uint8Array(view.buffer, view.byteOffset + offset, n);
    target.set(bytes);
    target.fill(0, bytes.length);
  };
}

function timeWriter(dtype: DType, unsafe: boolean): ElementWriter {
  const le = dtype.byteOrder !== ">";
  const i8 = { ...dtype, kind: "i" as const };
  return (view, offset, value, where) => {
    const v = toBigIntChecked(value, i8, unsafe, where);
    if ((v < INT_RANGES.i8![0] || v > INT_RANGES.i8![1]) && !unsafe) {
      rangeError(value, dtype, where);
    }
    view.setBigInt64(offset, BigInt.asIntN(64, v), le);
  };
}

function recordWriter(dtype: DType, casting: Casting): ElementWriter {
  const fields = dtype.fields!.map((f) => ({
    field: f,
    write: elementWriter(f.dtype, casting),
    count: f.shape.reduce((a, b) => a * b, 1),
  }));
  const size = dtype.itemsize;
  return (view, offset, value, where) => {
    if (value instanceof Uint8Array) {
      if (value.length !== size) {
        throw new RangeError(
          `Cannot append record ${where()}: ${value.length} bytes given, dtype "${dtype.str}" has ${size}`,
        );
      }
      new Uint8Array(view.buffer, view.byteOffset + offset, size).set(value);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      typeError(value, dtype, where);
    }
    const rec = value as Record<string, unknown>;
    new Uint8Array(view.buffer, view.byteOffset + offset, size).fill(0);
    for (const { field, write, count } of fields) {
      if (!(field.name in rec)) {
        throw new TypeError(
          `Cannot append record ${where()}: field "${field.name}" is missing`,
        );
      }
      const fieldWhere = () => `${where()} field "${field.name}"`;
      const v = rec[field.name];
      const at = offset + field.offset;
      if (field.shape.length === 0) {
        write(view, at, v, fieldWhere);
        continue;
      }
      const flat = flattenFieldValue(v, field.shape, fieldWhere);
      if (flat.length !== count) {
        throw new RangeError(
          `Cannot append record ${fieldWhere()}: ${flat.length} values given, shape (${
            field.shape.join(", ")
          }) needs ${count}`,
        );
      }
      for (let i = 0; i < count; i++) {
        write(view, at + i * field.dtype.itemsize, flat[i], fieldWhere);
      }
    }
  };
}

function flattenFieldValue(
  value: unknown,
  shape: readonly number[],
  where: () => string,
): ArrayLike<unknown> {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return value as unknown as ArrayLike<unknown>;
  }
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot append record ${where()}: a sub-array of shape (${
        shape.join(", ")
      }) needs an array`,
    );
  }
  return value.flat(shape.length - 1) as unknown[];
}

/**
 * A writer of JS values into one element of `dtype`, checking ranges
 * unless `casting` is `"unsafe"`.
 *
 * @param dtype The target dtype.
 * @param casting The casting mode.
 * @returns The element writer.
 */
export function elementWriter(dtype: DType, casting: Casting): ElementWriter {
  const unsafe = casting === "unsafe";
  if (dtype.fields !== undefined) return recordWriter(dtype, casting);
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
      return unicodeWriter(dtype, unsafe);
    case "S":
    case "V":
      return bytesWriter(dtype, unsafe);
    case "M":
    case "m":
      return timeWriter(dtype, unsafe);
    default:
      throw new TypeError(
        `Cannot write dtype "${dtype.str}": Python objects are not supported`,
      );
  }
}

/**
 * A reader of one element of `dtype` as a plain JS value: numbers for
 * integers up to 32 bits and floats, bigints for 64-bit integers and
 * datetimes, booleans, strings for `U`, `Uint8Array` for `S`/`V`,
 * `{re, im}` for complex, objects for records.
 *
 * @param dtype The dtype.
 * @returns The element reader.
 */
export function elementReader(dtype: DType): ElementReader {
  const le = dtype.byteOrder !== ">";
  if (dtype.fields !== undefined) {
    const fields = dtype.fields.map((f) => ({
      f,
      read: elementReader(f.dtype),
      count: f.shape.reduce((a, b) => a * b, 1),
    }));
    return (view, offset) => {
      const rec: Record<string, unknown> = {};
      for (const { f, read, count } of fields) {
        const at = offset + f.offset;
        if (f.shape.length === 0) rec[f.name] = read(view, at);
        else {
          const items: unknown[] = [];
          for (let i = 0; i < count; i++) {
            items.push(read(view, at + i * f.dtype.itemsize));
          }
          rec[f.name] = nest(items, f.shape);
        }
      }
      return rec;
    };
  }
  const size = dtype.itemsize;
  switch (dtype.kind) {
    case "b":
      return (view, offset) => view.getUint8(offset) !== 0;
    case "i":
      if (size === 1) return (view, offset) => view.getInt8(offset);
      if (size === 2) return (view, offset) => view.getInt16(offset, le);
      if (size === 4) return (view, offset) => view.getInt32(offset, le);
      return (view, offset) => view.getBigInt64(offset, le);
    case "u":
      if (size === 1) return (view, offset) => view.getUint8(offset);
      if (size === 2) return (view, offset) => view.getUint16(offset, le);
      if (size === 4) return (view, offset) => view.getUint32(offset, le);
      return (view, offset) => view.getBigUint64(offset, le);
    case "f":
      if (size === 2) {
        return (view, offset) => fromFloat16Bits(view.getUint16(offset, le));
      }
      if (size === 4) return (view, offset) => view.getFloat32(offset, le);
      return (view, offset) => view.getFloat64(offset, le);
    case "c": {
      const half = size / 2;
      const part = elementReader({
        ...dtype,
        kind: "f",
        itemsize: half,
        str: `${dtype.byteOrder}f${half}`,
      }) as (v: DataView, o: number) => number;
      return (view, offset) => ({
        re: part(view, offset),
        im: part(view, offset + half),
      });
    }
    case "U": {
      const n = size / 4;
      return (view, offset) => {
        let end = n;
        while (end > 0 && view.getUint32(offset + 4 * (end - 1), le) === 0) {
          end--;
        }
        let s = "";
        for (let i = 0; i < end; i++) {
          const code = view.getUint32(offset + 4 * i, le);
          s += code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
            ? String.fromCodePoint(code)
            : "\ufffd";
        }
        return s;
      };
    }
    case "S":
    case "V":
      return (view, offset) =>
        new Uint8Array(
          view.buffer.slice(
            view.byteOffset + offset,
            view.byteOffset + offset + size,
          ),
        );
    case "M":
    case "m":
      return (view, offset) => view.getBigInt64(offset, le);
    default:
      throw new TypeError(
        `Cannot read dtype "${dtype.str}": Python objects are not supported`,
      );
  }
}

/**
 * Nests a flat C-order list into arrays of `shape`.
 *
 * @param flat The items in C order.
 * @param shape The shape.
 * @returns Nested arrays.
 */
export function nest(
  flat: readonly unknown[],
  shape: readonly number[],
): unknown[] {
  if (shape.length <= 1) return [...flat];
  const [first, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < first!; i++) {
    out.push(nest(flat.slice(i * step, (i + 1) * step), rest));
  }
  return out;
}
