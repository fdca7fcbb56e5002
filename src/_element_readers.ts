/**
 * Per-element decoders from the bytes of a dtype to plain JS values.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import { fromFloat16Bits } from "./_float16.ts";
import { NpyFormatError } from "./errors.ts";
import { floatBits, isNaNBits, NAN_BITS, type SavedNaNs } from "./_nan_bits.ts";

/** Reads one element of a dtype at `offset` as a JS value. */
export type ElementReader = (view: DataView, offset: number) => unknown;

/**
 * A reader of one element of `dtype` as a plain JS value: numbers for
 * integers up to 32 bits and floats, bigints for 64-bit integers and
 * datetimes, booleans, strings for `U` (as NumPy, without trailing NULs),
 * `Uint8Array` for `S` (without trailing zeros, as NumPy) and `V`,
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
      let nans: Record<string, SavedNaNs> | undefined;
      for (const { f, read, count } of fields) {
        const at = offset + f.offset;
        const items: unknown[] = [];
        for (let i = 0; i < count; i++) {
          items.push(read(view, at + i * f.dtype.itemsize));
        }
        rec[f.name] = f.shape.length === 0 ? items[0] : nest(items, f.shape);
        const saved = savedNaNs(view, at, f.dtype, items);
        if (saved !== undefined) (nans ??= {})[f.name] = saved;
      }
      if (nans !== undefined) {
        Object.defineProperty(rec, NAN_BITS, { value: nans });
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
        let last = 0;
        for (let i = 0; i < end; i++) {
          const code = view.getUint32(offset + 4 * i, le);
          // A lone surrogate stays one UTF-16 unit, so writing the string
          // back gives the same code point. No JS string holds a value
          // past U+10FFFF, or tells a high and a low surrogate stored as
          // two code points from the one code point they pair into.
          if (
            code > 0x10ffff ||
            (code >= 0xdc00 && code <= 0xdfff && last >= 0xd800 &&
              last <= 0xdbff)
          ) {
            throw unreadableCodePoint(dtype, last, code);
          }
          s += code <= 0xffff
            ? String.fromCharCode(code)
            : String.fromCodePoint(code);
          last = code;
        }
        return s;
      };
    }
    case "S":
      // Without trailing zeros, as NumPy gives `S` items (in records too).
      return (view, offset) => {
        let end = size;
        while (end > 0 && view.getUint8(offset + end - 1) === 0) end--;
        return new Uint8Array(
          view.buffer.slice(
            view.byteOffset + offset,
            view.byteOffset + offset + end,
          ),
        );
      };
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
 * The bits of the NaN parts of a float or complex field read at `at`, or
 * `undefined` when it holds none.
 */
function savedNaNs(
  view: DataView,
  at: number,
  dtype: DType,
  items: readonly unknown[],
): SavedNaNs | undefined {
  if (dtype.fields !== undefined) return undefined;
  if (dtype.kind !== "f" && dtype.kind !== "c") return undefined;
  const size = dtype.kind === "c" ? dtype.itemsize / 2 : dtype.itemsize;
  const le = dtype.byteOrder !== ">";
  let saved: Map<number, bigint> | undefined;
  const per = dtype.kind === "c" ? 2 : 1;
  for (let p = 0; p < items.length * per; p++) {
    const item = items[per === 1 ? p : p >> 1];
    const v = per === 1
      ? item
      : (item as { re: number; im: number })[p & 1 ? "im" : "re"];
    if (v === v) continue;
    const bits = floatBits(view, at + p * size, size, le);
    if (isNaNBits(bits, size)) (saved ??= new Map()).set(p, bits);
  }
  return saved === undefined
    ? undefined
    : { kind: dtype.kind, size, parts: saved };
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

/** Shows a code point as Python escapes it (`\U00110000`, `\ud800`). */
function escaped(code: number): string {
  return code > 0xffff
    ? `\\U${code.toString(16).padStart(8, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * The error for a `U` item no JS string holds: a code point past U+10FFFF
 * (which NumPy reads into a broken Python string), or a surrogate pair
 * stored as two code points (a JS string would be its one code point).
 */
function unreadableCodePoint(
  dtype: DType,
  last: number,
  code: number,
): NpyFormatError {
  const what = code > 0x10ffff
    ? `the code point ${
      escaped(code)
    }, past U+10FFFF (the last in Unicode; NumPy reads it into a broken Python string)`
    : `the surrogates ${escaped(last)}${
      escaped(code)
    } as two code points, which a JS string cannot tell from the one code point ${
      escaped(0x10000 + ((last - 0xd800) << 10) + (code - 0xdc00))
    }`;
  return new NpyFormatError(
    "unsupported-dtype",
    `a "${dtype.str}" string holds ${what}; read its raw bytes with readInto, or fix the strings in NumPy (a.view("<u4") shows their code points) and save the file again`,
    { verb: "read" },
  );
}
