/**
 * The one table between dtypes and typed-array types: which dtype a typed
 * array's elements have, and which typed array holds a dtype's items
 * (`Float16Array` only where the runtime has it).
 *
 * @module
 */

import {
  type DType,
  NATIVE_LITTLE_ENDIAN,
  parseDType,
  withByteOrder,
} from "./dtype.ts";
import type { TypedArray } from "./array_input.ts";
import { refuseValue } from "./_write_errors.ts";

/** A typed array constructor over an existing buffer. */
export type TypedArrayCtor = new (
  buffer: ArrayBuffer,
  byteOffset?: number,
  length?: number,
) => TypedArray;

const F16 = (globalThis as unknown as { Float16Array?: TypedArrayCtor })
  .Float16Array;

/**
 * Typed array types and the kind and size of their elements, in lookup
 * order: for a dtype the first row of its kind and size wins (so `u1` is
 * `Uint8Array`, not `Uint8ClampedArray`).
 */
const TABLE: ReadonlyArray<readonly [TypedArrayCtor, string]> = [
  [Float64Array, "f8"],
  [Float32Array, "f4"],
  ...(F16 === undefined ? [] : [[F16, "f2"] as const]),
  [Int8Array, "i1"],
  [Uint8Array, "u1"],
  [Uint8ClampedArray, "u1"],
  [Int16Array, "i2"],
  [Uint16Array, "u2"],
  [Int32Array, "i4"],
  [Uint32Array, "u4"],
  [BigInt64Array, "i8"],
  [BigUint64Array, "u8"],
];

/** The table by kind, then item size: the first row of each wins. */
const BY_KIND: Record<string, Array<TypedArrayCtor | undefined>> = {};
for (const [ctor, code] of TABLE) {
  const sizes = BY_KIND[code[0]!] ??= [];
  sizes[Number(code.slice(1))] ??= ctor;
}

const NATIVE_DTYPES = new Map<string, DType>();

/**
 * The dtype of a type code (`"f8"`, `"u1"`) or descr in native byte order,
 * parsed once.
 *
 * @param spec A type code without byte order, or a descr.
 * @returns The dtype, native byte order for multi-byte types.
 */
export function nativeDType(spec: string): DType {
  let dt = NATIVE_DTYPES.get(spec);
  if (dt === undefined) {
    dt = parseDType(spec);
    if (dt.byteOrder !== "|") {
      dt = withByteOrder(dt, NATIVE_LITTLE_ENDIAN ? "<" : ">");
    }
    NATIVE_DTYPES.set(spec, dt);
  }
  return dt;
}

/**
 * Typed array prototypes (of subclasses too) seen so far, with their
 * dtype. Keyed by prototype, not by `constructor`, which a subclass can
 * redefine.
 */
const CTOR_DTYPES = new Map<unknown, DType>();

/** What an append reads to find a typed array's bytes. */
const VIEW_PROPS = ["length", "byteLength", "byteOffset", "buffer"] as const;

/** `%TypedArray%.prototype`, where those getters live. */
const TYPED_PROTO: object = Object.getPrototypeOf(Int8Array.prototype);

/**
 * What makes a typed array unusable as the bytes it claims to hold: a
 * class (below the built-in one) or an own property redefining `length`,
 * `byteLength`, `byteOffset` or `buffer` (a header would count rows that
 * the bytes written do not hold), or a detached buffer.
 *
 * @param value A typed array.
 * @returns The reason, as a clause (`its class "X" redefines "length"`),
 * or `undefined` when it is usable.
 */
export function viewProblem(value: ArrayBufferView): string | undefined {
  for (const p of [...VIEW_PROPS, "constructor"]) {
    if (Object.hasOwn(value, p)) return `it redefines "${p}"`;
  }
  let proto: object | null = Object.getPrototypeOf(value);
  while (proto !== null && proto !== TYPED_PROTO) {
    for (const p of VIEW_PROPS) {
      if (Object.hasOwn(proto, p)) {
        const name = Object.hasOwn(proto, "constructor")
          ? (proto as { constructor: { name?: unknown } }).constructor.name
          : undefined;
        return `its class ${
          JSON.stringify(typeof name === "string" ? name : "")
        } redefines "${p}" of typed arrays`;
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  const buffer = value.buffer as ArrayBuffer & {
    detached?: unknown;
    resizable?: unknown;
  };
  if (typeof buffer.detached === "boolean") {
    if (buffer.detached) return DETACHED;
  } else if (value.byteLength === 0) {
    // No `detached` (Node 20): only a detached buffer refuses a view.
    try {
      new Uint8Array(buffer, 0, 0);
    } catch {
      return DETACHED;
    }
  }
  // A view past the end of a resizable buffer that shrank reads as empty;
  // the built-in methods (`at` here) refuse it.
  if (value.byteLength === 0 && buffer.resizable === true) {
    try {
      TYPED_AT.call(value, 0);
    } catch {
      return SHRUNK;
    }
  }
  return undefined;
}

const DETACHED =
  "its buffer is detached (transferred, or sent to a worker), so it holds no data";
const SHRUNK =
  "its buffer was resized to end before the view, so it holds no data";

/** `%TypedArray%.prototype.at`, which refuses a view out of bounds. */
const TYPED_AT = (TYPED_PROTO as { at: (this: unknown, i: number) => unknown })
  .at;

/**
 * The dtype of a typed array's elements (native byte order), or
 * `undefined` for anything else.
 *
 * @example Usage
 * ```ts
 * import { typedArrayDType } from "./_typed_arrays.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typedArrayDType(new Float32Array(2))?.str, "<f4");
 * assert.equal(typedArrayDType([1, 2]), undefined);
 * ```
 *
 * @param value Anything.
 * @returns The dtype, or `undefined` when `value` is not a typed array.
 */
export function typedArrayDType(value: unknown): DType | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  for (const p of VIEW_PROPS) if (Object.hasOwn(value, p)) return undefined;
  if (Object.hasOwn(value, "constructor")) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  const seen = CTOR_DTYPES.get(proto);
  if (seen !== undefined) return seen;
  // A subclass redefining the getters is no typed array to this library
  // (see viewProblem); the check runs once per class.
  if (viewProblem(value)?.startsWith("its class")) return undefined;
  for (const [ctor, code] of TABLE) {
    if (value instanceof ctor) {
      const dt = nativeDType(code);
      CTOR_DTYPES.set(proto, dt);
      return dt;
    }
  }
  return undefined;
}

/**
 * Items `[start, end)` of a typed array as a view of its built-in type
 * (no copy). Not `subarray`, which builds the result with the class's
 * `Symbol.species`: a subclass could make it any length or type.
 *
 * @param data A typed array (one `typedArrayDType` accepts).
 * @param start First item.
 * @param end End item, exclusive.
 * @returns The view.
 */
export function viewOf(
  data: TypedArray,
  start: number,
  end: number,
): TypedArray {
  for (const [ctor] of TABLE) {
    if (data instanceof ctor) {
      const size = (ctor as unknown as { BYTES_PER_ELEMENT: number })
        .BYTES_PER_ELEMENT;
      return new ctor(
        data.buffer as ArrayBuffer,
        data.byteOffset + start * size,
        end - start,
      );
    }
  }
  throw new TypeError("viewOf: not a typed array of the table");
}

/**
 * Why a value cannot be used as the typed array it is or poses as (a
 * clause naming the fix), or `undefined`: a Proxy over a typed array or
 * an object made from a typed array's prototype (the built-in getters
 * refuse it with the engine's message, naming no file), or what
 * {@linkcode viewProblem} finds.
 *
 * @param value Anything.
 * @returns The reason, or `undefined` for usable views and non-views.
 */
export function unusableView(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value)) {
    return typeof value === "object" && value !== null &&
        Object.prototype.isPrototypeOf.call(TYPED_PROTO, value)
      ? "it only poses as a typed array (a Proxy, or an object made from its prototype); pass the typed array itself"
      : undefined;
  }
  if (value instanceof DataView) return undefined;
  const problem = viewProblem(value);
  return problem === undefined
    ? undefined
    : `${problem}; pass a built-in typed array over a buffer that is not detached or shrunk`;
}

/**
 * The bytes of a `Uint8Array` given as one item (of `S`, `V` or a
 * record), as a built-in view (a subclass's `length` or `Symbol.species`
 * plays no part); `undefined` for a value that is no `Uint8Array`.
 *
 * @param value The item.
 * @param where Where it is, for the message (`at index 3 to "x.npy"`).
 * @returns The bytes, or `undefined`.
 * @throws {TypeError} for an unusable view (see {@linkcode unusableView}).
 */
export function itemBytes(
  value: unknown,
  where: () => string,
): Uint8Array | undefined {
  const why = unusableView(value);
  if (why !== undefined) refuseValue(TypeError, value, where, why);
  return value instanceof Uint8Array
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : undefined;
}

/** Whether `value` is one of the typed arrays of the table. */
export function isTypedArray(value: unknown): value is TypedArray {
  return typedArrayDType(value) !== undefined;
}

/** The typed array that holds a dtype's items, and its elements per item. */
export interface TypedArrayFit {
  /** The constructor. */
  readonly ctor: TypedArrayCtor;
  /** Elements per item: 2 for complex (re, im), else 1. */
  readonly per: number;
}

/**
 * The typed array type that holds `dtype`'s items: the table's type of its
 * kind and size; `Uint8Array` for `b1`; interleaved floats for complex;
 * `BigInt64Array` for datetimes; `Uint16Array` bits for `f2` where the
 * runtime has no `Float16Array`.
 *
 * @param dtype The dtype.
 * @returns The constructor and elements per item, or `undefined` for
 * dtypes that are not numeric (strings, bytes, records, objects).
 */
export function typedArrayFor(dtype: DType): TypedArrayFit | undefined {
  if (dtype.fields !== undefined) return undefined;
  return FITS[dtype.kind]?.[dtype.itemsize];
}

/** The fit of every numeric kind and item size, made once. */
const FITS: Record<string, Array<TypedArrayFit | undefined>> = {};
for (
  const [kind, table] of [["b", "u"], ["i", "i"], ["u", "u"], ["f", "f"], [
    "M",
    "i",
  ], ["m", "i"]]
) {
  const fits: Array<TypedArrayFit | undefined> = FITS[kind!] = [];
  for (
    const size of kind === "M" || kind === "m"
      ? [8]
      : kind === "b"
      ? [1]
      : [1, 2, 4, 8]
  ) {
    const ctor = BY_KIND[table!]?.[size] ??
      (kind === "f" && size === 2 ? BY_KIND.u![2] : undefined);
    if (ctor !== undefined) fits[size] = { ctor, per: 1 };
  }
}
FITS.c = [];
for (const size of [4, 8]) {
  FITS.c[2 * size] = { ctor: BY_KIND.f![size]!, per: 2 };
}

/** The last small array seen by {@linkcode bytesOf}, and its bytes. */
let lastTyped: TypedArray | null = null;
let lastBytes: Uint8Array = new Uint8Array(0);

/**
 * A `Uint8Array` over a typed array's bytes (no copy). Loggers append the
 * same small array again and again, and creating the view is a good part
 * of an append's cost, so the last one is kept (only for arrays of at most
 * 4 KiB, so that no large array is held after the caller drops it).
 *
 * @param typed The typed array.
 * @returns Its bytes, sharing its memory.
 */
export function bytesOf(typed: TypedArray): Uint8Array {
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
