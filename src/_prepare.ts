/**
 * {@linkcode prepareArray}: any accepted input to the bytes of the file's
 * dtype and order, checking the casting rule.
 *
 * @module
 */

import {
  type DType,
  type DTypeSpec,
  NATIVE_LITTLE_ENDIAN,
  parseDType,
  withByteOrder,
} from "./dtype.ts";
import { castAllowed, type Casting, castRefusal } from "./casting.ts";
import { genericDateRefusal } from "./_time_units.ts";
import { markNegativeNaNs, readNamedTexts } from "./_named_texts.ts";
import { MAX_DIMS } from "./_numpy_limits.ts";
import type {
  ArrayData,
  ArrayInput,
  PreparedArray,
  PrepareOptions,
  TypedArray,
} from "./array_input.ts";
import {
  bytesOf,
  isTypedArray,
  typedArrayDType,
  typedArrayFor,
} from "./_typed_arrays.ts";
import { decodeItems } from "./decode.ts";
import { normalize, product } from "./_input_normalize.ts";
import { shapeText } from "./_layout.ts";
import { inferDType, NESTED_DATA_FIX } from "./_dtype_infer.ts";
import { encodeTyped, encodeValues, reorder } from "./_encode.ts";
import { castRecords } from "./_record_cast.ts";

/** Whether a cast between these dtypes involves records or void. */
function isVoid(a: DType, b: DType): boolean {
  return a.kind === "V" || b.kind === "V";
}

function castError(
  from: DType,
  to: DType,
  casting: Casting,
  label: string,
): never {
  const { least, why } = castRefusal(from, to, casting) ?? {};
  const fix = least !== undefined ? `pass casting "${least}", or` : `${why}:`;
  throw new TypeError(
    `Cannot append ${label}: cannot cast array data from "${from.str}" to "${to.str}" according to the rule "${casting}" (${fix} give the data in dtype "${to.str}")`,
  );
}

/** Marks an input made by {@linkcode handOver}: its converted array. */
const HANDED: unique symbol = Symbol("npy-append-array prepared input");

interface Handed {
  prepared: PreparedArray;
  fortranOrder: boolean;
}

/**
 * An input standing for an array that `prepareArray` has already
 * converted (and checked) for a writer of `fortranOrder` and the prepared
 * dtype: `prepareArray` with the same target returns `prepared` as it is,
 * converting nothing twice (a group checks every member's input before it
 * writes any, then hands each writer its converted bytes).
 *
 * @param prepared What `prepareArray` returned.
 * @param fortranOrder The writer's order it was prepared for.
 * @returns An input to pass to the writer's `append`.
 */
export function handOver(
  prepared: PreparedArray,
  fortranOrder: boolean,
): ArrayInput {
  return {
    data: prepared.bytes,
    shape: prepared.shape,
    dtype: prepared.dtype,
    [HANDED]: { prepared, fortranOrder },
  } as ArrayInput;
}

/**
 * Converts any {@linkcode ArrayInput} into the bytes of the file's dtype,
 * in the file's order, checking the casting rule and every value's range.
 *
 * @example
 * ```ts
 * import { parseDType } from "@x/npy-append-array";
 * import { prepareArray } from "./_prepare.ts";
 * import assert from "node:assert/strict";
 *
 * const p = prepareArray([[1, 2], [3, 4]], {
 *   dtype: parseDType("u1"),
 *   fortranOrder: true,
 *   casting: "same_kind",
 *   label: `"x.npy"`,
 * });
 * assert.deepEqual(p.shape, [2, 2]);
 * assert.deepEqual([...p.bytes], [1, 3, 2, 4]);
 * ```
 *
 * @param input The array.
 * @param options The file's dtype and order, the casting mode.
 * @returns The bytes and the shape.
 * @throws {TypeError} for an unusable input or a cast the rule forbids.
 * @throws {RangeError} for bad shapes and values the dtype cannot hold.
 */
export function prepareArray(
  input: ArrayInput,
  options: PrepareOptions,
): PreparedArray {
  const done = input == null
    ? undefined
    : (input as { [HANDED]?: Handed })[HANDED];
  if (
    done !== undefined && done.fortranOrder === options.fortranOrder &&
    done.prepared.dtype.str === (options.dtype?.str ?? done.prepared.dtype.str)
  ) return done.prepared;
  const quick = quickPrepare(input, options);
  if (quick !== undefined) return quick;
  const { casting, label } = options;
  const n = normalize(input, options.dtype, label);
  const dtype = options.dtype ?? inferDType(n, label);
  if (dtype.hasObject) {
    throw new TypeError(
      `Cannot append to ${label}: dtype "${dtype.str}" holds Python objects, which cannot be written`,
    );
  }
  const shape = n.shape;
  if (shape.length > MAX_DIMS) {
    throw new RangeError(
      `Cannot append ${label}: the array has ${shape.length} dimensions, more than NumPy's ${MAX_DIMS}`,
    );
  }
  const count = product(shape);
  const itemsize = dtype.itemsize;
  // Items of another dtype converted as NumPy's astype (records or void).
  const toRecords = (raw: Uint8Array, from: DType): Uint8Array =>
    castRecords(raw, count, from, dtype, casting, label, prepareArray);
  let data = n.data;
  let src = n.srcDType;
  if (
    src !== undefined && src.str !== dtype.str && isVoid(src, dtype) &&
    isTypedArray(data) &&
    !(data instanceof Uint8Array && "Vub".includes(src.kind))
  ) {
    // Numbers (typed, or bytes of a number dtype) into records or void:
    // converted as NumPy's astype.
    if (!castAllowed(src, dtype, casting)) {
      castError(src, dtype, casting, label);
    }
    const raw = data instanceof Uint8Array
      ? data
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const from = data instanceof Uint8Array
      ? src
      : withByteOrder(src, NATIVE_LITTLE_ENDIAN ? "<" : ">");
    if (raw.length !== count * from.itemsize) {
      throw new RangeError(
        `Cannot append ${label}: data has ${raw.length} bytes, shape ${
          shapeText(shape)
        } of dtype "${from.str}" needs ${count * from.itemsize}`,
      );
    }
    const bytes = toRecords(raw, from);
    const reordered = shape.length >= 2 &&
      (n.order === "F") !== options.fortranOrder;
    return {
      bytes: reordered ? reorder(bytes, shape, itemsize, n.order) : bytes,
      shape,
      dtype,
      shared: false,
    };
  }
  if (
    data instanceof Uint8Array && src !== undefined && src.kind !== "u" &&
    src.kind !== "b" && src.str !== dtype.str &&
    typedArrayFor(src) !== undefined && data.length % src.itemsize === 0
  ) {
    // Bytes of another numeric or time dtype: their values, converted as
    // np.frombuffer(b, src).astype(dtype), not the bytes reinterpreted.
    const items = data.length / src.itemsize;
    const values = decodeItems(data, src, items, { copy: false }) as TypedArray;
    data = values;
    src = withByteOrder(src, NATIVE_LITTLE_ENDIAN ? "<" : ">");
    if (dtype.kind === "V" && dtype.fields === undefined) {
      // Into an unstructured V NumPy keeps the bytes in native order
      // (astype("V4")).
      const { buffer, byteOffset, byteLength } = values;
      data = new Uint8Array(buffer, byteOffset, byteLength);
    }
  }
  // Strings named a number dtype: read as np.asarray(data, named) reads
  // them (Python's float(), int(), complex()), then encoded below as the
  // named dtype's values, even where it is the file's.
  const texts = !isTypedArray(data) && src !== undefined && n.named === true &&
      (data.length === count || src.kind === "c")
    ? readNamedTexts(data, src, casting, label)
    : undefined;
  if (texts !== undefined) data = texts.values;
  const named = !isTypedArray(data) && src !== undefined &&
      (!sameValues(src, dtype) || texts !== undefined)
    ? namedValuesAs(src, data.length, count)
    : undefined;
  if (named !== undefined) {
    // Plain values named another numeric, complex or time dtype: that
    // dtype's values (checked as a file of it checks them: 1.5 is no
    // "<i8", 1 is one second as "M8[s]"), then cast to the file's as a
    // typed array of it is, as np.asarray(data, src) joined to the file.
    // (Data of another length is left to the length check, which names
    // both.) Values of one byte ("|u1", "|b1") stay plain values, the
    // named dtype's (300 as 44 under "unsafe", 2 as true): a Uint8Array
    // is raw bytes of the file's dtype below, and True stays "True" as
    // text.
    const encoded = encodeValues(data, named.encode, casting, label);
    if (texts !== undefined && named.encode === named.native) {
      markNegativeNaNs(encoded, named.native, texts);
    }
    const values = decodeItems(
      encoded,
      named.decode,
      encoded.length / named.decode.itemsize,
      { copy: false },
    ) as TypedArray;
    if (!(values instanceof Uint8Array)) {
      data = values;
      src = named.native;
    } else {
      data = src!.kind === "b"
        ? Array.from(values, (v) => v !== 0)
        : Array.from(values);
    }
  }
  let bytes: Uint8Array | undefined;
  let shared = false;

  const expectLength = (len: number, what: string, of = data): void => {
    if (of.length !== len) {
      // `{ data: [[1, 2], [3, 4]], shape }`: data is flat (the README).
      const nested = !isTypedArray(of) && Array.isArray(of[0])
        ? `; ${NESTED_DATA_FIX}`
        : "";
      throw new RangeError(
        `Cannot append ${label}: data has ${of.length} ${what}, shape ${
          shapeText(shape)
        } needs ${len}${nested}`,
      );
    }
  };

  if (isTypedArray(data)) {
    // Booleans named |b1 into S are values ("True"), as into U, and so
    // are numbers named |u1 ("1"); a bare Uint8Array is the items' bytes.
    const numbers = src?.kind === "b" ||
      (n.named === true && src?.kind === "u");
    const raw = data instanceof Uint8Array &&
      (dtype.kind === "V" || (dtype.kind === "S" && !numbers) ||
        (src !== undefined && src.kind !== "u" && src.kind !== "b"));
    if (raw) {
      // Raw bytes of the target dtype (records, void, byte strings), or of
      // the dtype the input names.
      const rawType = src !== undefined && src.kind !== "u" ? src : dtype;
      if (rawType.str !== dtype.str && !castAllowed(rawType, dtype, casting)) {
        castError(rawType, dtype, casting, label);
      }
      if (rawType.str !== dtype.str && isVoid(rawType, dtype)) {
        // Records (or void) of another dtype: their values, converted as
        // NumPy's astype does (by position).
        expectLength(count * rawType.itemsize, "bytes");
        bytes = toRecords(data as Uint8Array, rawType);
      } else {
        if (rawType.str !== dtype.str && rawType.itemsize !== itemsize) {
          castError(rawType, dtype, casting, label);
        }
        expectLength(count * itemsize, "bytes");
        bytes = data as Uint8Array;
        shared = true;
      }
    } else if (dtype.kind === "c") {
      // Interleaved (re, im) numbers; a float or integer array casts as
      // its own dtype does (NumPy: "<f4" to "<c8" is safe).
      if (src !== undefined && !castAllowed(src, dtype, casting)) {
        castError(src, dtype, casting, label);
      }
      if (src !== undefined && src.kind !== "c" && data.length === count) {
        // Real values with their dtype named: imaginary parts are zero.
        bytes = withZeroImag(
          encodeTyped(data, src, halfOf(dtype), casting, label),
          itemsize / 2,
        );
      } else {
        expectLength(2 * count, "numbers");
        bytes = encodeTyped(data, src, halfOf(dtype), casting, label);
        shared = bytes.buffer === data.buffer;
      }
    } else {
      let from = src;
      if (from !== undefined) {
        // A bare Uint8Array into bool is 0/1 bytes, a bare BigInt64Array
        // into M8/m8 the file's ticks; named |u1 or <i8 they are integers,
        // cast as np.can_cast says (into a dated M8: "unsafe" only; a
        // generic M8 refuses them below "unsafe" naming the unit).
        const named = n.named === true;
        if (
          dtype.kind === "b" && from.kind === "u" && from.itemsize === 1 &&
          !named
        ) {
          from = undefined; // 0/1 bytes, checked by value
        } else if (
          (dtype.kind === "M" || dtype.kind === "m") && from.kind === "i" &&
          from.itemsize === 8 &&
          !(named && dtype.kind === "M" && dtype.unit !== "generic")
        ) {
          from = withByteOrder(dtype, NATIVE_LITTLE_ENDIAN ? "<" : ">");
          if (
            dtype.kind === "M" && dtype.unit === "generic" &&
            casting !== "unsafe"
          ) {
            for (let i = 0; i < data.length; i++) {
              const why = genericDateRefusal(BigInt(data[i]!), dtype.str);
              if (why !== undefined) {
                throw new RangeError(
                  `Cannot append value ${
                    data[i]
                  }n at index ${i} to ${label}: ${why}`,
                );
              }
            }
          }
        } else if (
          dtype.kind === "f" && dtype.itemsize === 2 && from.kind === "u" &&
          from.itemsize === 2 && options.dtype !== undefined &&
          isF16Declared(input)
        ) {
          from = withByteOrder(dtype, NATIVE_LITTLE_ENDIAN ? "<" : ">");
        }
      }
      if (from !== undefined && !castAllowed(from, dtype, casting)) {
        castError(from, dtype, casting, label);
      }
      let items: TypedArray = data;
      const text = dtype.kind === "U" || dtype.kind === "S";
      if (
        from?.kind === "c" && data.length === 2 * count && count > 0 && !text
      ) {
        // (re, im) pairs into a real dtype ("unsafe" only), as NumPy's
        // astype: the real part, or for bool whether either part is nonzero.
        items = complexToReal(data, dtype.kind === "b");
        from = dtype.kind === "b" ? undefined : halfOf(from);
      }
      // Complex values into text stay (re, im) pairs, one text each.
      if (from?.kind === "c" && text) expectLength(2 * count, "numbers");
      else expectLength(count, "elements", items);
      bytes = encodeTyped(items, from, dtype, casting, label);
      shared = bytes.buffer === data.buffer;
    }
  } else {
    if (src !== undefined && !castAllowed(src, dtype, casting)) {
      castError(src, dtype, casting, label);
    }
    const complexPairs = dtype.kind === "c" && data.length === 2 * count &&
      count > 0 && data.length !== count;
    const items = complexPairs ? 2 * count : count;
    expectLength(items, "elements");
    const target = complexPairs ? halfOf(dtype) : dtype;
    if (src !== undefined && src.str !== dtype.str && isVoid(src, dtype)) {
      // Records said to be of another dtype: written as that dtype, then
      // converted as NumPy's astype (by position, not by name).
      const own = encodeValues(data, src, casting, label);
      bytes = toRecords(own, src);
    } else {
      bytes = encodeValues(
        data,
        target,
        casting,
        label,
        complexPairs ? undefined : src,
      );
    }
  }

  if (shape.length >= 2 && (n.order === "F") !== options.fortranOrder) {
    bytes = reorder(bytes, shape, itemsize, n.order);
    shared = false;
  }
  return { bytes, shape, dtype, shared };
}

/**
 * The common case in short: a typed array, bare or as `{ data, shape }`,
 * whose type is exactly the file's dtype (or, with no dtype yet, the one
 * the general path would infer: its own, little-endian), needing no
 * reordering: its bytes are written as they are. `undefined` sends
 * anything else (errors included) through the general path, which a
 * short-lived process's first append then need not compile.
 */
function quickPrepare(
  input: ArrayInput,
  options: PrepareOptions,
): PreparedArray | undefined {
  const dtype = options.dtype;
  let data: unknown;
  let shape: number[];
  if (ArrayBuffer.isView(input)) {
    data = input;
    shape = [(input as TypedArray).length];
  } else {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return undefined;
    }
    const obj = input as Partial<ArrayData> & Record<string, unknown>;
    if (
      obj.dtype !== undefined ||
      (obj.fortranOrder !== undefined && obj.fortranOrder !== false) ||
      "stride" in obj || typeof obj.dataSync === "function" ||
      !ArrayBuffer.isView(obj.data) || !Array.isArray(obj.shape)
    ) {
      return undefined;
    }
    data = obj.data;
    const s = obj.shape as readonly unknown[];
    shape = new Array<number>(s.length);
    let count = 1;
    for (let i = 0; i < s.length; i++) {
      const d = s[i];
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
        return undefined;
      }
      shape[i] = d;
      count *= d;
    }
    if (count !== (data as TypedArray).length) return undefined;
    if (shape.length >= 2 && options.fortranOrder) return undefined;
    if (shape.length > MAX_DIMS) return undefined;
  }
  const src = typedArrayDType(data);
  if (
    src === undefined ||
    // Empty, perhaps detached: the general path says so.
    (data as TypedArray).byteLength === 0 ||
    (dtype === undefined ? src.byteOrder === ">" : src.str !== dtype.str)
  ) return undefined;
  return {
    bytes: bytesOf(data as TypedArray),
    shape,
    dtype: dtype ?? src,
    shared: true,
  };
}

/**
 * How plain values named `src` (not the file's dtype) become a typed
 * array of it: encoded as `encode`, read back as `decode`, then standing
 * as `native` (`src` in this machine's byte order). Complex values (re, im
 * pairs, `{ re, im }` objects or reals) are float pairs of its precision.
 * `undefined` leaves them as given: no typed array holds `src`, or another
 * number of values than `count` (the length check names both).
 */
function namedValuesAs(
  src: DType,
  length: number,
  count: number,
): { encode: DType; decode: DType; native: DType } | undefined {
  const native = withByteOrder(src, NATIVE_LITTLE_ENDIAN ? "<" : ">");
  if (src.kind === "c") {
    if (length !== count && length !== 2 * count) return undefined;
    const half = halfOf(native);
    const pairs = length === 2 * count && length !== count;
    return { encode: pairs ? half : native, decode: half, native };
  }
  if (typedArrayFor(src) === undefined || length !== count) return undefined;
  return { encode: native, decode: native, native };
}

/** Whether two dtypes hold the same values (byte order aside). */
function sameValues(a: DType, b: DType): boolean {
  return a.kind === b.kind && a.itemsize === b.itemsize && a.unit === b.unit;
}

/**
 * Whether an input object labels its data `float16` (`dtype: "f2"` and
 * the like), so that a `Uint16Array` under it holds raw half-float bits.
 */
function isF16Declared(input: unknown): boolean {
  if (typeof input !== "object" || input === null) return false;
  const spec = (input as { dtype?: unknown }).dtype;
  if (spec === undefined) return false;
  try {
    const dt = parseDType(spec as DTypeSpec);
    return dt.kind === "f" && dt.itemsize === 2;
  } catch {
    return false;
  }
}

/**
 * The real parts of interleaved (re, im) pairs, bytes copied so NaN bits
 * stay; with `truth`, 0/1 bytes saying whether either part is nonzero.
 */
function complexToReal(pairs: TypedArray, truth: boolean): TypedArray {
  const f = pairs as Float32Array | Float64Array;
  if (truth) {
    const out = new Uint8Array(f.length / 2);
    for (let i = 0; i < out.length; i++) {
      out[i] = f[2 * i] !== 0 || f[2 * i + 1] !== 0 ? 1 : 0;
    }
    return out;
  }
  const size = f.BYTES_PER_ELEMENT;
  const src = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  const out = new Uint8Array(src.length / 2);
  for (let i = 0, j = 0; j < out.length; i += 2 * size, j += size) {
    out.set(src.subarray(i, i + size), j);
  }
  return size === 4
    ? new Float32Array(out.buffer)
    : new Float64Array(out.buffer);
}

/** Real parts of `half` bytes each, interleaved with zero imaginary parts. */
function withZeroImag(real: Uint8Array, half: number): Uint8Array {
  const out = new Uint8Array(real.length * 2);
  for (let i = 0, j = 0; i < real.length; i += half, j += 2 * half) {
    out.set(real.subarray(i, i + half), j);
  }
  return out;
}

function halfOf(dtype: DType): DType {
  return parseDType(`${dtype.byteOrder}f${dtype.itemsize / 2}`);
}
