/**
 * The array forms `append` accepts, and their conversion to the bytes of a
 * file's dtype and order.
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
import { canCast, type Casting } from "./casting.ts";
import { elementWriter, show } from "./_elements.ts";

/** Every typed array type the library reads and writes. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A flat array with its shape: form 2 of the accepted inputs. */
export interface ArrayData {
  /** The elements, flat, in C order (or Fortran order, see `fortranOrder`). */
  readonly data: TypedArray | ArrayLike<unknown>;
  /** The array shape; the product is the element count. */
  readonly shape: readonly number[];
  /** The dtype of `data`'s elements, for casting checks and new files. */
  readonly dtype?: DTypeSpec;
  /** `true` when `data` is in Fortran (column-major) order. */
  readonly fortranOrder?: boolean;
}

/** A strided array such as a scijs `ndarray`. */
export interface StridedArrayLike {
  /** The array shape. */
  readonly shape: readonly number[];
  /** The backing storage. */
  readonly data: ArrayLike<unknown>;
  /** Element strides per axis. */
  readonly stride: readonly number[];
  /** Index of the first element in `data`. */
  readonly offset?: number;
  /** The library's dtype name, such as `"float32"`. */
  readonly dtype?: string;
}

/** A tensor with a synchronous data getter, such as a TensorFlow.js tensor. */
export interface TensorLike {
  /** The tensor shape. */
  readonly shape: readonly number[];
  /** Returns the elements, flat, in C order. */
  dataSync(): ArrayLike<unknown>;
  /** The library's dtype name, such as `"float32"`. */
  readonly dtype?: string;
}

/** Nested plain arrays, such as `[[1, 2], [3, 4]]`. */
export type NestedArray = readonly unknown[];

/**
 * Anything `append` accepts: a one-dimensional typed array, a flat array
 * with its shape, nested plain arrays, a strided array (scijs `ndarray`)
 * or a tensor with `dataSync()` (TensorFlow.js).
 */
export type ArrayInput =
  | TypedArray
  | ArrayData
  | NestedArray
  | StridedArrayLike
  | TensorLike;

/** An input turned into bytes of the target dtype, in the target order. */
export interface PreparedArray {
  /** The data bytes, ready to write. */
  readonly bytes: Uint8Array;
  /** The array shape. */
  readonly shape: readonly number[];
  /** The dtype of the bytes (the file's, or the one inferred for a new file). */
  readonly dtype: DType;
  /** Whether `bytes` shares memory with the caller's array. */
  readonly shared: boolean;
}

interface Normalized {
  shape: number[];
  data: ArrayLike<unknown>;
  order: "C" | "F";
  srcDType: DType | undefined;
}

const F16 = (globalThis as unknown as {
  Float16Array?: new (n: number) => ArrayLike<number>;
})
  .Float16Array;

const TYPED_DTYPES: Array<[unknown, string]> = [
  [Float64Array, "<f8"],
  [Float32Array, "<f4"],
  [Int8Array, "|i1"],
  [Uint8Array, "|u1"],
  [Uint8ClampedArray, "|u1"],
  [Int16Array, "<i2"],
  [Uint16Array, "<u2"],
  [Int32Array, "<i4"],
  [Uint32Array, "<u4"],
  [BigInt64Array, "<i8"],
  [BigUint64Array, "<u8"],
];
if (F16 !== undefined) TYPED_DTYPES.push([F16, "<f2"]);

const NATIVE_DTYPES = new Map<string, DType>();

function nativeDType(spec: string): DType {
  let dt = NATIVE_DTYPES.get(spec);
  if (dt === undefined) {
    dt = parseDType(spec);
    if (!NATIVE_LITTLE_ENDIAN) dt = withByteOrder(dt, ">");
    NATIVE_DTYPES.set(spec, dt);
  }
  return dt;
}

/** Typed array constructors (subclasses too) seen so far, with their dtype. */
const CTOR_DTYPES = new Map<unknown, DType>();

/**
 * The dtype of a typed array's elements (native byte order), or
 * `undefined` for anything else.
 *
 * @param value Anything.
 * @returns The dtype.
 */
export function typedArrayDType(value: unknown): DType | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const seen = CTOR_DTYPES.get(value.constructor);
  if (seen !== undefined) return seen;
  for (const [ctor, spec] of TYPED_DTYPES) {
    if (value instanceof (ctor as typeof Uint8Array)) {
      const dt = nativeDType(spec);
      CTOR_DTYPES.set(value.constructor, dt);
      return dt;
    }
  }
  return undefined;
}

function isTypedArray(value: unknown): value is TypedArray {
  return typedArrayDType(value) !== undefined;
}

const LIB_DTYPES: Record<string, string> = {
  float64: "<f8",
  float32: "<f4",
  float16: "<f2",
  int8: "|i1",
  uint8: "|u1",
  uint8_clamped: "|u1",
  int16: "<i2",
  uint16: "<u2",
  int32: "<i4",
  uint32: "<u4",
  bigint64: "<i8",
  biguint64: "<u8",
  int64: "<i8",
  uint64: "<u8",
  bool: "|b1",
  complex64: "<c8",
  complex128: "<c16",
};

function checkShape(shape: unknown, label: string): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `Cannot append ${label}: shape must be an array of integers`,
    );
  }
  for (const n of shape) {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot append ${label}: shape (${
          shape.join(", ")
        }) must hold non-negative integers`,
      );
    }
  }
  return [...shape];
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `Cannot append array: shape (${shape.join(", ")}) is too large`,
    );
  }
  return n;
}

function inferNested(
  root: readonly unknown[],
  bytesLeaves: boolean,
  label: string,
): { shape: number[]; flat: unknown[] } {
  const shape: number[] = [];
  let probe: unknown = root;
  const isRow = (v: unknown): v is ArrayLike<unknown> =>
    Array.isArray(v) ||
    (isTypedArray(v) && !(bytesLeaves && v instanceof Uint8Array));
  while (isRow(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const flat: unknown[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (isRow(node)) {
        throw new RangeError(
          `Cannot append ${label}: ragged nested array, ${path} is deeper than the first element`,
        );
      }
      flat.push(node);
      return;
    }
    if (!isRow(node) || node.length !== shape[depth]) {
      throw new RangeError(
        `Cannot append ${label}: ragged nested array, ${path} has ${
          isRow(node) ? `length ${node.length}` : "no items"
        } but ${shape[depth]} expected`,
      );
    }
    for (let i = 0; i < node.length; i++) {
      walk(node[i], depth + 1, `${path}[${i}]`);
    }
  };
  walk(root, 0, "item");
  return { shape, flat };
}

function gatherStrided(input: StridedArrayLike, label: string): unknown[] {
  const shape = checkShape(input.shape, label);
  const stride = input.stride;
  if (!Array.isArray(stride) || stride.length !== shape.length) {
    throw new TypeError(
      `Cannot append ${label}: stride must have one entry per axis`,
    );
  }
  const offset = input.offset ?? 0;
  const n = product(shape);
  const out: unknown[] = new Array(n);
  const index = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let k = 0; k < n; k++) {
    if (pos < 0 || pos >= input.data.length) {
      throw new RangeError(
        `Cannot append ${label}: strides point outside the data`,
      );
    }
    out[k] = input.data[pos];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis]!++;
      pos += stride[axis]!;
      if (index[axis]! < shape[axis]!) break;
      pos -= stride[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

function libDType(name: unknown): DType | undefined {
  if (typeof name !== "string") return undefined;
  const spec = LIB_DTYPES[name];
  return spec === undefined ? undefined : nativeDType(spec);
}

function normalize(
  input: unknown,
  target: DType | undefined,
  label: string,
): Normalized {
  const bytesLeaves = target !== undefined &&
    (target.kind === "S" || target.kind === "V");
  if (isTypedArray(input)) {
    return {
      shape: [bareLength(input, target, label)],
      data: input,
      order: "C",
      srcDType: typedArrayDType(input),
    };
  }
  if (Array.isArray(input)) {
    const { shape, flat } = inferNested(input, bytesLeaves, label);
    return { shape, data: flat, order: "C", srcDType: undefined };
  }
  if (typeof input !== "object" || input === null) {
    throw new TypeError(
      `Cannot append ${
        show(input)
      } to ${label}: pass a typed array, { data, shape }, nested arrays, an ndarray or a tensor`,
    );
  }
  const obj = input as Record<string, unknown>;
  if (typeof obj.dataSync === "function" && "shape" in obj) {
    const data = (obj.dataSync as () => ArrayLike<unknown>).call(obj);
    return {
      shape: checkShape(obj.shape, label),
      data,
      order: "C",
      srcDType: libDType(obj.dtype) ?? typedArrayDType(data),
    };
  }
  if ("data" in obj && "shape" in obj) {
    const data = obj.data as ArrayLike<unknown>;
    if (
      data === null || typeof data !== "object" ||
      typeof (data as { length?: unknown }).length !== "number"
    ) {
      throw new TypeError(
        `Cannot append ${label}: data must be a typed array or an array`,
      );
    }
    let srcDType: DType | undefined;
    if (obj.dtype !== undefined && !("stride" in obj)) {
      srcDType = parseDType(obj.dtype as DTypeSpec);
    } else {
      srcDType = libDType(obj.dtype) ?? typedArrayDType(data);
    }
    if ("stride" in obj && obj.stride !== undefined) {
      const gathered = gatherStrided(obj as unknown as StridedArrayLike, label);
      return {
        shape: checkShape(obj.shape, label),
        data: gathered,
        order: "C",
        srcDType,
      };
    }
    if (
      obj.fortranOrder !== undefined && typeof obj.fortranOrder !== "boolean"
    ) {
      throw new TypeError(
        `Cannot append ${label}: fortranOrder must be a boolean`,
      );
    }
    return {
      shape: checkShape(obj.shape, label),
      data,
      order: obj.fortranOrder === true ? "F" : "C",
      srcDType,
    };
  }
  throw new TypeError(
    `Cannot append ${
      show(input)
    } to ${label}: pass a typed array, { data, shape }, nested arrays, an ndarray or a tensor`,
  );
}

function bareLength(
  data: TypedArray,
  target: DType | undefined,
  label: string,
): number {
  if (target === undefined) return data.length;
  if (target.kind === "c") {
    if (data.length % 2 !== 0) {
      throw new RangeError(
        `Cannot append ${label}: a typed array for complex dtype "${target.str}" holds (re, im) pairs, but its length ${data.length} is odd`,
      );
    }
    return data.length / 2;
  }
  if (
    (target.kind === "V" || target.kind === "S") && data instanceof Uint8Array
  ) {
    if (data.length % target.itemsize !== 0) {
      throw new RangeError(
        `Cannot append ${label}: ${data.length} bytes is not a whole number of ${target.itemsize}-byte items of dtype "${target.str}"`,
      );
    }
    return data.length / target.itemsize;
  }
  return data.length;
}

/**
 * The dtype a new file gets from its first append when no `dtype` option
 * is given: the typed array's type, `<f8` for numbers, `|b1` for
 * booleans, `<i8` for bigints, `<U{longest}` for strings, `|S{longest}`
 * for `Uint8Array` items.
 */
function inferDType(n: Normalized, label: string): DType {
  if (n.srcDType !== undefined) {
    return n.srcDType.byteOrder === ">"
      ? withByteOrder(n.srcDType, "<")
      : n.srcDType;
  }
  let numbers = false,
    bools = false,
    bigints = false,
    strings = false,
    bytes = false,
    other: unknown = undefined;
  let longest = 0;
  const data = n.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === "number") numbers = true;
    else if (typeof v === "boolean") bools = true;
    else if (typeof v === "bigint") bigints = true;
    else if (typeof v === "string") {
      strings = true;
      let len = 0;
      for (const _ of v) len++;
      if (len > longest) longest = len;
    } else if (v instanceof Uint8Array) {
      bytes = true;
      if (v.length > longest) longest = v.length;
    } else if (other === undefined) other = v;
  }
  const fail = (why: string): never => {
    throw new TypeError(
      `Cannot infer a dtype for ${label}: ${why}; pass the dtype option`,
    );
  };
  if (other !== undefined) return fail(`found ${show(other)}`);
  if (strings) {
    if (numbers || bools || bigints || bytes) {
      return fail("strings mixed with other values");
    }
    return parseDType(`<U${Math.max(longest, 1)}`);
  }
  if (bytes) {
    if (numbers || bools || bigints) {
      return fail("bytes mixed with other values");
    }
    return parseDType(`|S${Math.max(longest, 1)}`);
  }
  if (numbers) return parseDType("<f8");
  if (bigints) return parseDType(bools ? "<f8" : "<i8");
  if (bools) return parseDType("|b1");
  return parseDType("<f8");
}

function reorder(
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

function castError(
  from: DType,
  to: DType,
  casting: Casting,
  label: string,
): never {
  throw new TypeError(
    `Cannot append ${label}: cannot cast array data from "${from.str}" to "${to.str}" according to the rule "${casting}"`,
  );
}

/** Options of {@linkcode prepareArray}. */
export interface PrepareOptions {
  /** The file's dtype; `undefined` for a new file (inferred). */
  dtype?: DType | undefined;
  /** The file's order. */
  fortranOrder: boolean;
  /** The casting mode. */
  casting: Casting;
  /** How to name the file in messages. */
  label: string;
}

/**
 * Converts any {@linkcode ArrayInput} into the bytes of the file's dtype,
 * in the file's order, checking the casting rule and every value's range.
 *
 * @example
 * ```ts
 * import { parseDType, prepareArray } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const p = prepareArray([[1, 2], [3, 4]], {
 *   dtype: parseDType("u1"),
 *   fortranOrder: true,
 *   casting: "same_kind",
 *   label: "x.npy",
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
  const count = product(shape);
  const itemsize = dtype.itemsize;
  const data = n.data;
  const src = n.srcDType;
  let bytes: Uint8Array | undefined;
  let shared = false;

  const expectLength = (len: number, what: string): void => {
    if (data.length !== len) {
      throw new RangeError(
        `Cannot append ${label}: data has ${data.length} ${what}, shape (${
          shape.join(", ")
        }) needs ${len}`,
      );
    }
  };

  if (isTypedArray(data)) {
    const raw = data instanceof Uint8Array &&
      (dtype.kind === "V" || dtype.kind === "S" ||
        (src !== undefined && src.kind !== "u" && src.kind !== "b"));
    if (raw) {
      // Raw bytes of the target dtype (records, void, byte strings), or of
      // the dtype the input names.
      const rawType = src !== undefined && src.kind !== "u" ? src : dtype;
      if (rawType.str !== dtype.str && !canCast(rawType, dtype, casting)) {
        castError(rawType, dtype, casting, label);
      }
      if (rawType.str !== dtype.str && rawType.itemsize !== itemsize) {
        castError(rawType, dtype, casting, label);
      }
      expectLength(count * itemsize, "bytes");
      bytes = data;
      shared = true;
    } else if (dtype.kind === "c") {
      const from = src === undefined
        ? undefined
        : src.kind === "c"
        ? src
        : src.kind === "f"
        ? parseDType(`${src.byteOrder}c${src.itemsize * 2}`)
        : src;
      if (from !== undefined && !canCast(from, dtype, casting)) {
        castError(from, dtype, casting, label);
      }
      expectLength(2 * count, "numbers");
      bytes = encodeTyped(data, from, halfOf(dtype), casting, label);
      shared = bytes.buffer === data.buffer;
    } else {
      let from = src;
      if (from !== undefined) {
        if (dtype.kind === "b" && from.kind === "u" && from.itemsize === 1) {
          from = undefined; // 0/1 bytes, checked by value
        } else if (
          (dtype.kind === "M" || dtype.kind === "m") && from.kind === "i" &&
          from.itemsize === 8
        ) {
          from = withByteOrder(dtype, NATIVE_LITTLE_ENDIAN ? "<" : ">");
        } else if (
          dtype.kind === "f" && dtype.itemsize === 2 && from.kind === "u" &&
          from.itemsize === 2 && options.dtype !== undefined &&
          isF16Declared(input)
        ) {
          from = withByteOrder(dtype, NATIVE_LITTLE_ENDIAN ? "<" : ">");
        }
      }
      if (from !== undefined && !canCast(from, dtype, casting)) {
        castError(from, dtype, casting, label);
      }
      expectLength(count, "elements");
      bytes = encodeTyped(data, from, dtype, casting, label);
      shared = bytes.buffer === data.buffer;
    }
  } else {
    if (src !== undefined && !canCast(src, dtype, casting)) {
      castError(src, dtype, casting, label);
    }
    const complexPairs = dtype.kind === "c" && data.length === 2 * count &&
      count > 0 && data.length !== count;
    const items = complexPairs ? 2 * count : count;
    expectLength(items, "elements");
    const target = complexPairs ? halfOf(dtype) : dtype;
    bytes = encodeValues(data, target, casting, label);
  }

  if (shape.length >= 2 && (n.order === "F") !== options.fortranOrder) {
    bytes = reorder(bytes, shape, itemsize, n.order);
    shared = false;
  }
  return { bytes, shape, dtype, shared };
}

/**
 * The common case in short: a typed array, bare or as `{ data, shape }`,
 * whose type is exactly the file's dtype, needing no reordering: its bytes
 * are written as they are. `undefined` sends anything else (errors
 * included) through the general path.
 */
function quickPrepare(
  input: ArrayInput,
  options: PrepareOptions,
): PreparedArray | undefined {
  const dtype = options.dtype;
  if (dtype === undefined) return undefined;
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
  }
  const src = typedArrayDType(data);
  if (src === undefined || src.str !== dtype.str) return undefined;
  return { bytes: bytesOf(data as TypedArray), shape, dtype, shared: true };
}

/** The last small array seen by {@linkcode bytesOf}, and its bytes. */
let lastTyped: TypedArray | null = null;
let lastBytes: Uint8Array = new Uint8Array(0);

/**
 * A `Uint8Array` over a typed array's bytes. Loggers append the same small
 * array again and again, and creating the view is a good part of an
 * append's cost, so the last one is kept (only for arrays of at most 4 KiB,
 * so that no large array is held after the caller drops it).
 */
function bytesOf(typed: TypedArray): Uint8Array {
  if (typed instanceof Uint8Array) return typed;
  if (typed === lastTyped && lastBytes.byteLength === typed.byteLength) {
    return lastBytes;
  }
  const bytes = new Uint8Array(
    typed.buffer,
    typed.byteOffset,
    typed.byteLength,
  );
  if (bytes.byteLength <= 4096) {
    lastTyped = typed;
    lastBytes = bytes;
  }
  return bytes;
}

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

function halfOf(dtype: DType): DType {
  return parseDType(`${dtype.byteOrder}f${dtype.itemsize / 2}`);
}

function encodeValues(
  data: ArrayLike<unknown>,
  dtype: DType,
  casting: Casting,
  label: string,
): Uint8Array {
  const size = dtype.itemsize;
  const out = new Uint8Array(data.length * size);
  const view = new DataView(out.buffer);
  const write = elementWriter(dtype, casting);
  let i = 0;
  const where = () => `at index ${i} to ${label}`;
  for (; i < data.length; i++) write(view, i * size, data[i], where);
  return out;
}

function encodeTyped(
  data: TypedArray,
  from: DType | undefined,
  dtype: DType,
  casting: Casting,
  label: string,
): Uint8Array {
  const nativeOrder = NATIVE_LITTLE_ENDIAN ? "<" : ">";
  if (
    from !== undefined && from.kind === dtype.kind &&
    from.itemsize === dtype.itemsize && from.unit === dtype.unit
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
  // A cast the rule allows: values are still range-checked unless the cast
  // is safe or the mode unsafe.
  const exact = from !== undefined && canCast(from, dtype, "safe");
  return encodeValues(data, dtype, exact ? "unsafe" : casting, label);
}
