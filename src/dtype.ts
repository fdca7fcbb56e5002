/**
 * NumPy data types: parsing NumPy's spellings (`"<f4"`, `"float32"`,
 * structured descrs) into one {@linkcode DType} description, and writing the
 * descr back exactly as NumPy's `dtype_to_descr` does.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { FIX_NAMED, NOT_NUMPYS_DESCR } from "./_header_refusals.ts";
import { parseTimeUnit, timeUnitText } from "./_time_units.ts";
import { isDType, rebuiltDType } from "./_dtype_rebuild.ts";
import { FLEXIBLE, flexibleWhy, NAMES, NUMPY1_NAMES } from "./_dtype_names.ts";
import { nearest } from "./_nearest.ts";
import { badDType, readFields } from "./_dtype_fields.ts";
import { clipped, clippedMessage, jsonOrShow } from "./_describe_value.ts";
import {
  type CommaItem,
  commaItems,
  isCommaString,
} from "./_dtype_commastring.ts";
import { MAX_ITEMSIZE } from "./_numpy_limits.ts";
import { parsePyLiteral, pyRepr, PyTuple, type PyValue } from "./py_literal.ts";

/** The one-letter kind of a dtype, as NumPy's `dtype.kind` (private). */
type DTypeKind = DType["kind"];

/** The byte order of a dtype: little, big, or not applicable (private). */
type ByteOrder = DType["byteOrder"];

/** One named field of a structured dtype. */
export interface DTypeField {
  /** The field name. */
  readonly name: string;
  /** The optional title NumPy allows beside a name. */
  readonly title?: string;
  /** Byte offset of the field inside one record. */
  readonly offset: number;
  /** The dtype of one element of the field. */
  readonly dtype: DType;
  /** Sub-array shape of the field, `[]` for a scalar field. */
  readonly shape: readonly number[];
  /**
   * For a field whose type is a sub-array of a sub-array, as NumPy's
   * `('c', ('<f8', (5,)), (2,))`: the shape of each level, outermost
   * first (`[[2], [5]]`); `shape` is their concatenation (`[2, 5]`), which
   * is how NumPy indexes the field. Absent for one level or none.
   */
  readonly levels?: readonly (readonly number[])[];
}

/**
 * A parsed NumPy dtype.
 *
 * @example
 * ```ts
 * import { parseDType } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dt = parseDType("float32");
 * assert.equal(dt.str, "<f4");
 * assert.equal(dt.itemsize, 4);
 * ```
 */
export interface DType {
  /** NumPy's `dtype.kind`; `"V"` for structured dtypes. */
  readonly kind:
    | "b"
    | "i"
    | "u"
    | "f"
    | "c"
    | "U"
    | "S"
    | "V"
    | "M"
    | "m"
    | "O";
  /** Bytes per item. */
  readonly itemsize: number;
  /** Byte order; `"|"` where it does not apply. */
  readonly byteOrder: "<" | ">" | "|";
  /**
   * The descr as the header holds it, without quotes for a simple dtype:
   * `"<f8"`, `"<U8"`, `"<M8[ns]"`, or the Python text of a structured
   * descr such as `"[('a', '<f4'), ('b', '<i8', (2,))]"`.
   */
  readonly str: string;
  /**
   * The time unit of `M8`/`m8` dtypes as the brackets of NumPy's
   * `dtype.str` hold it: `"ns"`, `"D"`, `"10ms"` (a multiple of a unit),
   * or `"generic"` for `M8`.
   */
  readonly unit?: string;
  /** The named fields of a structured dtype, in offset order. */
  readonly fields?: readonly DTypeField[];
  /** Whether the dtype holds Python objects anywhere. */
  readonly hasObject: boolean;
}

/**
 * A JS spelling of a structured field: `[name, format, shape?]`; the
 * format may itself be a sub-array (`["c", ["<f8", [5]], [2]]` is NumPy's
 * `('c', ('<f8', (5,)), (2,))`).
 */
export type FieldSpec =
  | readonly [
    string,
    | DTypeSpec
    | readonly [DTypeSpec | readonly unknown[], readonly number[] | number],
  ]
  | readonly [
    string,
    | DTypeSpec
    | readonly [DTypeSpec | readonly unknown[], readonly number[] | number],
    readonly number[] | number,
  ];

/**
 * What the `dtype` option accepts: a NumPy type string or name
 * (`"<f4"`, `"float32"`, `"uint8"`, `"bool"`, `"<U8"`, `"M8[ms]"`), the
 * Python text of a structured descr, a JS array of field specs, or a
 * `DType`.
 */
export type DTypeSpec = string | readonly FieldSpec[] | DType;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NATIVE: ByteOrder = LITTLE_ENDIAN ? "<" : ">";

const SIZES: Record<string, readonly number[]> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8],
  c: [8, 16],
};

function simple(
  kind: DTypeKind,
  itemsize: number,
  order: ByteOrder,
  unit?: string,
): DType {
  const byteOrder: ByteOrder =
    kind === "b" || kind === "S" || kind === "V" || kind === "O" ||
      ((kind === "i" || kind === "u") && itemsize === 1)
      ? "|"
      : order === "|"
      ? NATIVE
      : order;
  let str: string;
  if (kind === "U") str = `${byteOrder}U${itemsize / 4}`;
  else if (kind === "M" || kind === "m") {
    str = `${byteOrder}${kind}8${unit === "generic" ? "" : `[${unit}]`}`;
  } else if (kind === "O") str = "|O";
  else str = `${byteOrder}${kind}${itemsize}`;
  const dt: DType = {
    kind,
    itemsize,
    byteOrder,
    str,
    hasObject: kind === "O",
    ...(unit !== undefined ? { unit } : {}),
  };
  return Object.freeze(dt);
}

// Exactly what `np.dtype` accepts: a byte order only before a type code
// (`<f8`, `<d`, `<M8[ms]`), never before a name (`<float64`); a unit only
// after `M8`/`m8`; sized text types only as `U5`, `S5`, `a5`, `V5`.
// `strict` (a header's descr, where a file may hold any text) also
// refuses spaces around it, which the `dtype` option allows.
function parseSimple(spec: string, strict = false): DType {
  const text = strict ? spec : spec.trim();
  if (isCommaString(text)) return fromCommaString(spec, text, strict);
  let order: ByteOrder = "|";
  let rest = text;
  const first = rest[0];
  if (first === "<" || first === ">" || first === "|" || first === "=") {
    order = first === "=" ? NATIVE : first;
    rest = rest.slice(1);
  }
  if (strict && /\s$|^\s/.test(text)) {
    badDType(spec, "spaces around a type string are not allowed");
  }
  if (rest !== text && /^(?!datetime64|timedelta64)[a-z]{2,}/.test(rest)) {
    badDType(spec, "a byte order goes before a type code, not a type name");
  }
  const named = NAMES[rest];
  if (named !== undefined) rest = named;
  const timeMatch = /^(datetime64|timedelta64|M8|m8|M|m)(?:\[([^\]]*)\])?$/
    .exec(rest);
  if (timeMatch?.[2] !== undefined && timeMatch[1]!.length === 1) {
    badDType(spec, "a unit needs M8 or m8 before it");
  }
  if (timeMatch) {
    const kind: DTypeKind = timeMatch[1]!.startsWith("d") ||
        timeMatch[1]!.startsWith("M")
      ? "M"
      : "m";
    const text = timeMatch[2];
    if (text === undefined || text === "generic") {
      return simple(kind, 8, order, "generic");
    }
    const unit = parseTimeUnit(text);
    if (typeof unit === "string") badDType(spec, unit);
    return simple(kind, 8, order, timeUnitText(unit));
  }
  const strMatch = /^([USaV])(\d+)$/.exec(rest);
  if (strMatch) {
    const n = Number(strMatch[2]);
    const letter = strMatch[1]!;
    const unicode = letter === "U";
    if (!Number.isSafeInteger(n) || (unicode ? 4 * n : n) > MAX_ITEMSIZE) {
      badDType(spec, "size too large (NumPy's items are under 2**31 bytes)");
    }
    if (unicode) {
      return simple("U", 4 * n, order);
    }
    if (letter === "V") return simple("V", n, order);
    return simple("S", n, order);
  }
  const m = /^([biufcO])(\d*)$/.exec(rest);
  if (m) {
    const kind = m[1] as DTypeKind;
    if (kind === "O") {
      if (m[2] !== "" && m[2] !== "8") badDType(spec, "bad object size");
      return simple("O", 8, "|");
    }
    // NumPy's "c" is a one-byte string (its character code), "S1".
    if (kind === "c" && m[2] === "") return simple("S", 1, "|");
    if (m[2] === "") badDType(spec, "missing item size");
    const size = Number(m[2]);
    if (!SIZES[kind]!.includes(size)) {
      badDType(
        spec,
        (kind === "f" || kind === "c") &&
          (size === 16 || size === 32 || size === 12 || size === 24)
          ? longDoubleWhy(kind)
          : `no ${kind}${size} type`,
      );
    }
    return simple(kind, size, order);
  }
  const numpy1 = Object.hasOwn(NUMPY1_NAMES, rest)
    ? `"${rest}" is NumPy 1.x's name of "${
      NUMPY1_NAMES[rest]
    }" (NumPy 2 removed it); `
    : "";
  if (rest === "cfloat") {
    badDType(
      spec,
      `${numpy1}use "complex128" ("<c16"), which NumPy 1.x meant, or "complex64" ("<c8") for pairs of float32 (C's float)`,
    );
  }
  const flexible = FLEXIBLE[rest];
  if (flexible !== undefined) {
    if (numpy1 !== "") badDType(spec, numpy1 + flexibleWhy(flexible));
    // NumPy's flexible type, np.dtype("S") == np.dtype("S0"): size 0.
    return simple(flexible[1][1] as DTypeKind, 0, order);
  }
  const long = LONG_DOUBLE_NAMES.exec(rest);
  if (long) {
    badDType(spec, numpy1 + longDoubleWhy(long[1] === undefined ? "f" : "c"));
  }
  // Names of 4 letters or more (a one-letter code is no misspelling),
  // also for Python's spelling (`np.float32`).
  const near = nearest(
    rest.replace(/^(np|numpy)\./, ""),
    Object.keys(NAMES).filter((n) => n.length >= 4),
  );
  return badDType(
    spec,
    `unknown type; ${
      near === undefined ? "" : `did you mean "${near}"? Or `
    }use a type string such as "<f8" or a name such as "float64"`,
  );
}

// NumPy's comma strings (`"<i4,<i4"`, `"2i4,3f8"`: records of fields f0,
// f1, ...) as `np.dtype` reads them; one item with a repeat (`"6i4"`) is a
// sub-array dtype, which np.save writes as its base with the repeat in the
// array's shape: refused, saying so. A header holding either is refused
// with np.save's spelling, as other headers np.save never writes.
function fromCommaString(spec: string, text: string, strict: boolean): DType {
  const items = commaItems(text, LITTLE_ENDIAN ? "<" : ">");
  if (typeof items === "string") {
    return badDType(spec, `a comma string NumPy does not read: ${items}`);
  }
  const parts = items.map((item) => commaPart(item, spec));
  const fix =
    "which np.save writes instead; only what np.save writes is read here: load the file with np.load and save it again with np.save";
  if (parts.length === 1) {
    const { dtype, shape } = parts[0]!;
    if (shape.length === 0) {
      if (strict) badDType(spec, `NumPy reads it as "${dtype.str}", ${fix}`);
      return dtype;
    }
    const each = `${shape.join("x")} of "${dtype.str}" per item`;
    return badDType(
      spec,
      strict
        ? `NumPy reads it as a sub-array dtype (${each}), and np.load cannot read the file (the items do not reshape to the header's shape); np.save writes such an array with descr '${dtype.str}' and (${
          shape.join(", ")
        }) at the end of its shape: write the header so`
        : `NumPy reads it as a sub-array dtype (${each}), which np.save writes as "${dtype.str}" with the array's shape ending in [${
          shape.join(", ")
        }]: use dtype "${dtype.str}" and append rows of shape [n, ${
          shape.join(", ")
        }]`,
    );
  }
  // The field list np.dtype makes of it, read as any other.
  const dt = fromFieldList(
    parts.map(({ dtype, shape }, i) =>
      shape.length === 0 ? [`f${i}`, dtype.str] : [`f${i}`, dtype.str, shape]
    ),
    spec,
    0,
  );
  if (strict) badDType(spec, `NumPy reads it as the record ${dt.str}, ${fix}`);
  return dt;
}

/** One item of a comma string: its dtype and its sub-array shape. */
function commaPart(
  item: CommaItem,
  spec: string,
): { dtype: DType; shape: readonly number[] } {
  const { type, shape, count } = item;
  const flexible = FLEXIBLE[type.replace(/^[<>|=]/, "")];
  if (count && flexible !== undefined) {
    const size = `${flexible[1].slice(0, -1)}${shape![0]}`;
    badDType(
      spec,
      `NumPy reads the count before "${type}" as its size: write "${size}"`,
    );
  }
  // NumPy 1.24 reads a count of 1 as no repeat (deprecated), as `(t, 1)`.
  const dtype = parseSimple(type);
  return {
    dtype,
    shape: shape === null || (count && shape[0] === 1) ? [] : shape,
  };
}

/**
 * The fix for a file whose dtype holds Python objects (pickled by NumPy),
 * which is neither read nor appended to.
 */
export const OBJECTS_FIX =
  'convert the array in NumPy to a fixed-size dtype (text: a.astype("U"), numbers: a.astype("<f8")) and save it again';

/** NumPy's names of its long double types; group 1 marks complex ones. */
const LONG_DOUBLE_NAMES =
  /^(?:g|float96|float128|longdouble|longfloat|(G|complex192|complex256|clongdouble|clongfloat|longcomplex))$/;

/**
 * Why a long double dtype (`f16`, `c32`; `f12`, `c24` on 32-bit x86) is
 * refused, and the fix: JS has no wider float than float64.
 */
function longDoubleWhy(kind: string): string {
  const to = kind === "c" ? "<c16" : "<f8";
  return `long double types are not supported (JS numbers are float64); convert the array in NumPy with a.astype("${to}"), which rounds, and use "${to}"`;
}

/** A field list (a structured descr) as a dtype. */
function fromFieldList(
  list: readonly unknown[],
  spec: string,
  depth: number,
  strict = false,
): DType {
  const { fields, itemsize } = readFields(list, spec, depth, strict, fromAny);
  return structured(fields, itemsize);
}

/**
 * Makes a structured dtype from fields at explicit offsets.
 *
 * @param fields The named fields, with offsets.
 * @param itemsize The record size, at least the end of the last field.
 * @returns The dtype, its `str` written as NumPy's `dtype.descr`.
 */
export function structured(
  fields: readonly DTypeField[],
  itemsize: number,
): DType {
  const sorted = [...fields].sort((a, b) => a.offset - b.offset);
  const dt: DType = {
    kind: "V",
    itemsize,
    byteOrder: "|",
    str: pyRepr(descrOf(sorted, itemsize)),
    fields: Object.freeze(sorted),
    hasObject: sorted.some((f) => f.dtype.hasObject),
  };
  return Object.freeze(dt);
}

function descrOf(fields: readonly DTypeField[], itemsize: number): PyValue {
  const out: PyValue[] = [];
  let at = 0;
  for (const f of fields) {
    if (f.offset < at) {
      throw new TypeError(
        `Cannot use structured dtype: field "${f.name}" overlaps another`,
      );
    }
    if (f.offset > at) {
      out.push(new PyTuple(["", `|V${f.offset - at}`]));
    }
    const name: PyValue = f.title !== undefined
      ? new PyTuple([f.title, f.name])
      : f.name;
    const tuple = (shape: readonly number[]) =>
      new PyTuple(shape.map((n) => BigInt(n)));
    const levels = f.levels !== undefined && f.levels.length > 1 &&
        f.levels.flat().join() === f.shape.join()
      ? f.levels
      : [f.shape];
    let type: PyValue = descrValue(f.dtype);
    for (let i = levels.length - 1; i >= 1; i--) {
      type = new PyTuple([type, tuple(levels[i]!)]);
    }
    const items: PyValue[] = [name, type];
    if (levels[0]!.length > 0) items.push(tuple(levels[0]!));
    out.push(new PyTuple(items));
    at = f.offset +
      f.dtype.itemsize * f.shape.reduce((a, b) => a * b, 1);
  }
  if (itemsize > at) out.push(new PyTuple(["", `|V${itemsize - at}`]));
  return out;
}

/**
 * The descr of `dtype` as a Python value, as `numpy.lib.format.dtype_to_descr`
 * returns it: a string for simple dtypes, a list of tuples for structured.
 *
 * @param dtype The dtype.
 * @returns The descr value.
 */
export function descrValue(dtype: DType): PyValue {
  if (dtype.fields === undefined) return dtype.str;
  return descrOf(dtype.fields, dtype.itemsize);
}

function fromAny(
  value: unknown,
  spec: string,
  depth: number,
  strict = false,
): DType {
  if (typeof value === "string") return parseSimple(value, strict);
  if (Array.isArray(value)) return fromFieldList(value, spec, depth, strict);
  if (value instanceof PyTuple) {
    return badDType(
      spec,
      "sub-array dtypes at the top level are not supported",
    );
  }
  if (isDType(value)) return rebuiltDType(value, spec);
  return badDType(spec, notADType(value));
}

/** Why `value` is no dtype, and what to pass instead. */
function notADType(value: unknown): string {
  const fix = 'pass a type string such as "<f4" or "float32"';
  if (
    typeof value === "function" &&
    typeof (value as { BYTES_PER_ELEMENT?: unknown }).BYTES_PER_ELEMENT ===
      "number"
  ) {
    // `dtype: Float32Array`: the class, where NumPy takes np.float32.
    return `a typed array class is not a dtype: ${fix} (Float32Array's items are "<f4"), or leave dtype out and append a ${value.name}: its own type is used`;
  }
  return `not a dtype: ${fix}, or a list of fields`;
}

/**
 * Parses any spelling of a dtype that the `dtype` option accepts, as
 * `np.dtype(spec)` reads it (`"float32"`, `"f4"`, `"<f4"`, a list of
 * fields).
 *
 * @example Names, type strings and structured descrs
 * ```ts
 * import { parseDType } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDType("uint8").str, "|u1");
 * assert.equal(parseDType(">i2").str, ">i2");
 * const rec = parseDType("[('a', '<f4'), ('b', '<i8', (2,))]");
 * assert.equal(rec.itemsize, 20);
 * assert.equal(parseDType([["a", "<f4"], ["b", "<i8", [2]]]).str, rec.str);
 * ```
 *
 * @param spec The dtype spelling.
 * @returns The parsed dtype.
 * @throws {TypeError} for an unknown or unsupported dtype.
 */
export function parseDType(spec: DTypeSpec): DType {
  if (typeof spec === "string") {
    const text = spec.trim();
    if (text.startsWith("[")) {
      let value: PyValue;
      try {
        value = parsePyLiteral(text, "dtype");
      } catch (e) {
        throw new TypeError(
          `Cannot use dtype ${JSON.stringify(spec)}: ${
            e instanceof NpyFormatError ? e.reason : (e as Error).message
          }`,
          { cause: e },
        );
      }
      return fromAny(value, spec, 0);
    }
    return parseSimple(text);
  }
  const shown = typeof spec === "function"
    ? (spec as { name: string }).name || "a function"
    : jsonOrShow(spec);
  return fromAny(spec, shown, 0);
}

/**
 * Builds the dtype that a header's descr value stands for, as NumPy's
 * `descr_to_dtype` does (fields named `''` of void type are padding).
 *
 * @param descr The parsed descr value from a header.
 * @returns The dtype.
 * @throws {NpyFormatError} when the descr is not a valid dtype.
 */
export function dtypeFromDescr(descr: PyValue): DType {
  try {
    if (typeof descr === "string") return parseSimple(descr, true);
    if (Array.isArray(descr)) {
      return fromFieldList(descr, pyRepr(descr), 0, true);
    }
    throw new TypeError("descr must be a string or a list of fields");
  } catch (e) {
    if (e instanceof NpyFormatError) throw e;
    const why = clippedMessage((e as Error).message);
    throw new NpyFormatError(
      "unsupported-dtype",
      `invalid descr ${clipped(pyRepr(descr))} in header: ${why}${
        FIX_NAMED.test(why) ? "" : NOT_NUMPYS_DESCR
      }`,
      { cause: e },
    );
  }
}

/**
 * The same dtype in another byte order (fields recursively); single-byte
 * and byte-order-free types are returned unchanged.
 *
 * @param dtype The dtype.
 * @param order The wanted byte order.
 * @returns The converted dtype.
 */
export function withByteOrder(dtype: DType, order: "<" | ">"): DType {
  if (dtype.fields !== undefined) {
    return structured(
      dtype.fields.map((f) => ({ ...f, dtype: withByteOrder(f.dtype, order) })),
      dtype.itemsize,
    );
  }
  if (dtype.byteOrder === "|") return dtype;
  return simple(dtype.kind, dtype.itemsize, order, dtype.unit);
}

/**
 * How many JS values decoding one item of `dtype` makes: 1 for a simple
 * dtype; for a record 1 plus, per field, the nested arrays of its
 * sub-array shape and their items. Counts inside zero-byte items too, so
 * it bounds the work a header can ask for whatever the data size.
 *
 * @param dtype The dtype.
 * @returns The count (may be `Infinity` for absurd shapes).
 */
export function decodeCost(dtype: DType): number {
  if (dtype.fields === undefined) return 1;
  let cost = 1;
  for (const f of dtype.fields) {
    let slots = 1;
    for (const n of f.shape) {
      slots *= n;
      cost += slots;
    }
    cost += slots * decodeCost(f.dtype) - (f.shape.length > 0 ? slots : 0);
  }
  return cost;
}

/** Whether this machine is little endian. */
export const NATIVE_LITTLE_ENDIAN: boolean = LITTLE_ENDIAN;
