/**
 * CSV fields to values and back, the way `np.loadtxt` reads them: floats
 * (`nan`, `inf`, `-inf` included; an empty field is NaN), integers,
 * booleans as `0`/`1`, complex numbers as `1+2j`, strings, datetimes as
 * ISO 8601 text (`NaT` for not-a-time), timedeltas as integers.
 *
 * @module
 */

import type { DType, NpyData } from "../../mod.ts";
import { CsvError } from "./_csv_parse.ts";
import { formatDatetime, parseDatetime, timeUnit } from "./_csv_datetime.ts";
import {
  complexFieldText,
  F16,
  F32,
  floatText,
  halfToNumber,
  roundToHalf,
  shortFloatText,
} from "./_float_text.ts";

/** A column buffer for one batch, and how to fill it from fields. */
export interface FieldStore {
  /** The batch data, to append (a typed array or a plain array). */
  readonly data: ArrayLike<unknown> & { length: number };
  /** The dtype of `data` for the writer (native byte order). */
  readonly dataDType: string;
  /** Values per item: 2 for complex, else 1. */
  readonly per: number;
  /**
   * Stores one field at item `index`.
   *
   * @throws {CsvError} when the field cannot be read as the dtype.
   */
  set(index: number, field: string, line: number, column: number): void;
  /** The first `items` items, for appending. */
  take(items: number): ArrayLike<unknown>;
}

const NATIVE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "<" : ">";

function bad(
  label: string,
  line: number,
  column: number,
  field: string,
  what: string,
): CsvError {
  const shown = field.length > 40 ? `${field.slice(0, 40)}...` : field;
  return new CsvError(
    `Cannot read ${label} line ${line}, column ${column}: "${shown}" is not ${what}`,
  );
}

/** A finite `v` that rounds to infinity in a float of `size` bytes. */
function overflows(v: number, size: number): boolean {
  if (size >= 8 || !Number.isFinite(v)) return false;
  return !Number.isFinite(size === 4 ? Math.fround(v) : roundToHalf(v));
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

const SPECIAL: Record<string, number> = {
  "nan": NaN,
  "+nan": NaN,
  "-nan": NaN,
  "inf": Infinity,
  "+inf": Infinity,
  "infinity": Infinity,
  "+infinity": Infinity,
  "-inf": -Infinity,
  "-infinity": -Infinity,
};

/**
 * Reads a float field: decimal numbers, `nan`, `inf`, `-inf` (any case);
 * a blank field is NaN (missing).
 *
 * @param s The field.
 * @returns The number, or `undefined` when it is not one.
 */
export function parseFloatField(s: string): number | undefined {
  if (s.length === 0) return NaN;
  const v = Number(s);
  if (v === v) {
    // Number() also reads "", "0x1f", "0b1", "0o7": not numbers for NumPy.
    const c0 = s.charCodeAt(0);
    if (c0 === 48 && s.length > 1) {
      const c1 = s.charCodeAt(1) | 32;
      if (c1 === 120 || c1 === 98 || c1 === 111) return undefined;
    } else if (c0 === 32 || c0 === 9 || c0 === 13) {
      const t = s.trim();
      if (t === "") return NaN;
      return parseFloatField(t);
    }
    return v;
  }
  const special = SPECIAL[s.trim().toLowerCase()];
  return special;
}

const INT_RE = /^\s*[+-]?[0-9]+\s*$/;

/**
 * Reads a complex field: `1+2j`, `-1.5e3-2j`, `3j`, `4`, `nan+nanj`,
 * optionally in parentheses.
 *
 * @param s The field.
 * @returns `[re, im]`, or `undefined`.
 */
export function parseComplexField(s: string): [number, number] | undefined {
  let t = s.trim();
  if (t === "") return [NaN, NaN];
  if (t.startsWith("(") && t.endsWith(")")) t = t.slice(1, -1);
  const last = t[t.length - 1];
  if (last !== "j" && last !== "J") {
    const re = parseFloatField(t);
    return re === undefined ? undefined : [re, 0];
  }
  const body = t.slice(0, -1);
  // Split at the last sign that is not part of an exponent.
  for (let k = body.length - 1; k > 0; k--) {
    const ch = body[k];
    if ((ch === "+" || ch === "-") && !/[eE]/.test(body[k - 1]!)) {
      const re = parseFloatField(body.slice(0, k));
      const imText = body.slice(k);
      const im = imText === "+" || imText === "-"
        ? (imText === "-" ? -1 : 1)
        : parseFloatField(imText);
      if (re === undefined || im === undefined) return undefined;
      return [re, im];
    }
  }
  const im = body === "" || body === "+"
    ? 1
    : body === "-"
    ? -1
    : parseFloatField(body);
  return im === undefined ? undefined : [0, im];
}

type IntCtor = new (
  n: number,
) =>
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

const INT_RANGES: Record<string, [number, number, IntCtor]> = {
  i1: [-128, 127, Int8Array],
  u1: [0, 255, Uint8Array],
  i2: [-32768, 32767, Int16Array],
  u2: [0, 65535, Uint16Array],
  i4: [-2147483648, 2147483647, Int32Array],
  u4: [0, 4294967295, Uint32Array],
};

/**
 * A field store for `items` items of `dtype`.
 *
 * @param dtype The file's dtype.
 * @param items Items per batch.
 * @param label The input's name, for messages.
 * @returns The store.
 * @throws {TypeError} for dtypes that CSV cannot hold.
 */
export function fieldStore(
  dtype: DType,
  items: number,
  label: string,
): FieldStore {
  const size = dtype.itemsize;
  // Beyond the dtype: what the writer's casting would refuse, said here
  // with the CSV's line and column and a dtype that holds the field.
  const tooBig = (what: string) =>
    `${what} that "${dtype.str}" holds (it rounds to infinity); use --dtype ${dtype.kind}${
      dtype.kind === "c" ? 16 : 8
    } for a new OUT`;
  const long = (n: number) =>
    `text that "${dtype.str}" holds (${n} characters); use --dtype ${dtype.kind}${n} for a new OUT`;
  switch (dtype.kind) {
    case "f": {
      const data = new Float64Array(items);
      return {
        data,
        dataDType: `${NATIVE}f8`,
        per: 1,
        set(i, field, line, column) {
          const v = parseFloatField(field);
          if (v === undefined) {
            throw bad(label, line, column, field, "a number");
          }
          if (overflows(v, size)) {
            throw bad(label, line, column, field, tooBig("a number"));
          }
          data[i] = v;
        },
        take: (n) => data.subarray(0, n),
      };
    }
    case "c": {
      const data = new Float64Array(2 * items);
      return {
        data,
        dataDType: `${NATIVE}c16`,
        per: 2,
        set(i, field, line, column) {
          const v = parseComplexField(field);
          if (v === undefined) {
            throw bad(label, line, column, field, "a complex number");
          }
          if (overflows(v[0], size / 2) || overflows(v[1], size / 2)) {
            throw bad(
              label,
              line,
              column,
              field,
              tooBig("a complex number"),
            );
          }
          data[2 * i] = v[0];
          data[2 * i + 1] = v[1];
        },
        take: (n) => data.subarray(0, 2 * n),
      };
    }
    case "b": {
      const data = new Uint8Array(items);
      return {
        data,
        dataDType: "|b1",
        per: 1,
        set(i, field, line, column) {
          const t = field.trim();
          if (t === "1" || t === "True" || t === "true") data[i] = 1;
          else if (t === "0" || t === "False" || t === "false") data[i] = 0;
          else {
            throw bad(label, line, column, field, "a boolean (0 or 1)");
          }
        },
        take: (n) => data.subarray(0, n),
      };
    }
    case "i":
    case "u": {
      // An integer field in [lo, hi], or an error naming where it is.
      const intField = <T extends number | bigint>(
        field: string,
        parse: (text: string) => T,
        lo: T,
        hi: T,
        line: number,
        column: number,
      ): T => {
        if (!INT_RE.test(field)) {
          throw bad(
            label,
            line,
            column,
            field,
            isBlank(field)
              ? "an integer (missing values need a float dtype)"
              : "an integer",
          );
        }
        const v = parse(field);
        if (v < lo || v > hi) {
          throw bad(label, line, column, field, `in the range of ${dtype.str}`);
        }
        return v;
      };
      const key = `${dtype.kind}${size}`;
      const range = INT_RANGES[key];
      if (range !== undefined) {
        const [lo, hi, Ctor] = range;
        const data = new Ctor(items);
        return {
          data,
          dataDType: `${size === 1 ? "|" : NATIVE}${key}`,
          per: 1,
          set(i, field, line, column) {
            data[i] = intField(field, Number, lo, hi, line, column);
          },
          take: (n) => data.subarray(0, n),
        };
      }
      const signed = dtype.kind === "i";
      const data = signed
        ? new BigInt64Array(items)
        : new BigUint64Array(items);
      const lo = signed ? -(1n << 63n) : 0n;
      const hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
      return {
        data,
        dataDType: `${NATIVE}${dtype.kind}8`,
        per: 1,
        set(i, field, line, column) {
          data[i] = intField(
            field,
            (t) => BigInt(t.trim()),
            lo,
            hi,
            line,
            column,
          );
        },
        take: (n) => data.subarray(0, n),
      };
    }
    case "M":
    case "m": {
      const data = new BigInt64Array(items);
      const unit = timeUnit(dtype.str);
      const datetime = dtype.kind === "M";
      if (unit === undefined) break;
      return {
        data,
        dataDType: NATIVE + dtype.str.slice(1),
        per: 1,
        set(i, field, line, column) {
          const t = field.trim();
          const v = datetime
            ? parseDatetime(t, unit)
            : t === "NaT" || t === ""
            ? -(1n << 63n)
            : INT_RE.test(t)
            ? BigInt(t)
            : undefined;
          if (v === undefined || v < -(1n << 63n) || v >= 1n << 63n) {
            throw bad(
              label,
              line,
              column,
              field,
              datetime
                ? `a datetime in ISO 8601 that "${dtype.str}" holds exactly (such as ${
                  formatDatetime(0n, unit)
                }, or NaT)`
                : "an integer count of the unit (or NaT)",
            );
          }
          data[i] = v;
        },
        take: (n) => data.subarray(0, n),
      };
    }
    case "S": {
      // np.loadtxt encodes an S field as latin-1 (é is b'\xe9'), and
      // to-csv writes S bytes back so; the library's strings are ASCII.
      const data: Uint8Array[] = new Array(items).fill(new Uint8Array(0));
      return {
        data,
        dataDType: dtype.str,
        per: 1,
        set(i, field, line, column) {
          const b = new Uint8Array(field.length);
          for (let k = 0; k < field.length; k++) {
            const c = field.charCodeAt(k);
            if (c > 0xff) {
              throw bad(
                label,
                line,
                column,
                field,
                `latin-1 text, which np.loadtxt encodes into "${dtype.str}"; use a U dtype such as "<U${field.length}"`,
              );
            }
            b[k] = c;
          }
          if (b.length > size) {
            throw bad(label, line, column, field, long(b.length));
          }
          data[i] = b;
        },
        take: (n) => data.slice(0, n),
      };
    }
    case "U": {
      const data: string[] = new Array(items).fill("");
      return {
        data,
        dataDType: dtype.str,
        per: 1,
        set(i, field, line, column) {
          // Code points, as NumPy counts (a lone surrogate is one).
          if (field.length > size / 4) {
            const n = Array.from(field).length;
            if (n > size / 4) throw bad(label, line, column, field, long(n));
          }
          data[i] = field;
        },
        take: (n) => data.slice(0, n),
      };
    }
  }
  throw new TypeError(
    `Cannot read CSV as dtype "${dtype.str}": use a number, bool, complex, string, datetime or timedelta dtype with a unit`,
  );
}

/** Formats item `i` of decoded data as CSV text. */
export type Formatter = (data: NpyData, i: number) => string;

const NEEDS_QUOTES = /[",\n\r#]|^\s|\s$/;

/**
 * Quotes a string field when it holds the delimiter, a quote, a line
 * break, a comment character or edge spaces, or is empty and `lone`
 * (RFC 4180).
 *
 * @param s The text.
 * @param delimiter The delimiter.
 * @param lone The field is alone on its line: empty, it would be a blank
 * line, which np.loadtxt and from-csv skip.
 * @returns The field text.
 */
export function quoteField(s: string, delimiter: string, lone = false): string {
  if (s.length === 0) return lone ? '""' : s;
  if (NEEDS_QUOTES.test(s) || s.includes(delimiter)) {
    return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}

/**
 * A value that CSV text cannot carry back exactly; the caller adds where
 * it is.
 */
export class UnwritableField extends Error {
  /**
   * Creates the error.
   *
   * @param reason What the value holds and why, after "row R, column C".
   */
  constructor(readonly reason: string) {
    super(reason);
    this.name = "UnwritableField";
  }
}

/**
 * A string without CR: np.loadtxt reads through universal newlines, so a
 * CR, quoted or not, reads back as a line break (and so does from-csv).
 */
function noCr(s: string): string {
  if (s.indexOf("\r") === -1) return s;
  throw new UnwritableField(
    "holds a carriage return (\\r), which np.loadtxt and from-csv read as a line break; replace it (np.char.replace) or keep the data as .npy",
  );
}

/**
 * How to write items of `dtype` as CSV fields.
 *
 * @param dtype The file's dtype.
 * @param delimiter The delimiter (for quoting strings).
 * @param label The file's name, for messages.
 * @param lone Each field is alone on its line (one column).
 * @returns The formatter.
 * @throws {TypeError} for structured and void dtypes; the formatter throws
 * {@linkcode UnwritableField} for a string holding a CR.
 */
export function formatter(
  dtype: DType,
  delimiter: string,
  label: string,
  lone = false,
): Formatter {
  const size = dtype.itemsize;
  switch (dtype.kind) {
    case "b":
      return (d, i) => ((d as Uint8Array)[i] ? "1" : "0");
    case "i":
    case "u":
      return (d, i) => String((d as Int32Array)[i]);
    case "f": {
      if (size === 8) return (d, i) => floatText((d as Float64Array)[i]!);
      if (size === 4) {
        return (d, i) => shortFloatText((d as Float32Array)[i]!, F32);
      }
      const isBits = d0IsBits();
      return (d, i) => {
        const raw = (d as Float32Array)[i]!;
        const v = isBits ? halfToNumber(raw) : raw;
        return shortFloatText(v, F16);
      };
    }
    case "c": {
      const part = size === 16
        ? floatText
        : (x: number) => shortFloatText(x, F32);
      return (d, i) => {
        const a = d as Float64Array;
        const re = a[2 * i]!;
        return complexFieldText(
          part(re),
          part(a[2 * i + 1]!),
          re === 0 && 1 / re > 0,
        );
      };
    }
    case "M": {
      const unit = timeUnit(dtype.str);
      return (d, i) => {
        const v = (d as BigInt64Array)[i]!;
        return unit === undefined ? "NaT" : formatDatetime(v, unit);
      };
    }
    case "m":
      return (d, i) => {
        const v = (d as BigInt64Array)[i]!;
        return v === -(1n << 63n) ? "NaT" : String(v);
      };
    case "U":
      return (d, i) => quoteField(noCr((d as string[])[i]!), delimiter, lone);
    case "S":
      return (d, i) => {
        const b = (d as Uint8Array[])[i]!;
        let s = "";
        for (let k = 0; k < b.length; k++) s += String.fromCharCode(b[k]!);
        return quoteField(noCr(s), delimiter, lone);
      };
  }
  throw new TypeError(
    `Cannot write "${label}" as CSV: its dtype "${dtype.str}" is ${
      dtype.fields !== undefined ? "structured" : "raw bytes"
    }; CSV holds numbers, booleans and strings`,
  );
}

function d0IsBits(): boolean {
  return (globalThis as { Float16Array?: unknown }).Float16Array === undefined;
}
