/**
 * Turning every accepted input form (typed array, `{ data, shape }`,
 * nested arrays, strided arrays, tensors) into one flat form: shape, data,
 * order and the dtype the input names.
 *
 * @module
 */

import { type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import type { StridedArrayLike, TypedArray } from "./array_input.ts";
import { show } from "./_describe_value.ts";
import { unknownKeyText } from "./_options_check.ts";
import { nearest } from "./_nearest.ts";
import { MAX_DIMS } from "./_numpy_limits.ts";
import {
  isTypedArray,
  nativeDType,
  typedArrayDType,
  typedArrayFor,
  unusableView,
  viewOf,
} from "./_typed_arrays.ts";

/** An input in one flat form. */
export interface Normalized {
  /** The array shape. */
  shape: number[];
  /** The elements, flat, in `order`. */
  data: ArrayLike<unknown>;
  /** The order of `data`. */
  order: "C" | "F";
  /** The dtype the input names or its typed array has, if any. */
  srcDType: DType | undefined;
  /** Whether the input names `srcDType` (`{ data, shape, dtype }`). */
  named?: boolean;
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

export function checkShape(shape: unknown, label: string): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `Cannot append ${label}: shape must be an array of integers`,
    );
  }
  for (const [i, n] of shape.entries()) {
    if (typeof n !== "number") {
      throw new TypeError(
        `Cannot append ${label}: shape entry ${i} is ${
          typeof n === "bigint" || typeof n === "string"
            ? `the ${typeof n} ${show(n)}`
            : show(n)
        }; shape entries must be numbers`,
      );
    }
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot append ${label}: shape (${
          shape.join(", ")
        }) must hold non-negative integers of at most 2**53 - 1 (JS's safe integers)`,
      );
    }
  }
  const out = [...shape];
  product(out, label);
  return out;
}

/**
 * The element count of a shape, refusing counts beyond 2**53 (`label`
 * names the file in the message).
 */
export function product(shape: readonly number[], label = "array"): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `Cannot append ${label}: shape (${
        shape.join(", ")
      }) holds more than 2**53 elements; append it in smaller blocks`,
    );
  }
  return n;
}

function inferNested(
  root: readonly unknown[],
  bytesLeaves: boolean,
  label: string,
): {
  shape: number[];
  flat: ArrayLike<unknown>;
  rowDType: DType | undefined;
} {
  const shape: number[] = [];
  let probe: unknown = root;
  const isRow = (v: unknown): v is ArrayLike<unknown> =>
    Array.isArray(v) ||
    (isTypedArray(v) && !(bytesLeaves && v instanceof Uint8Array));
  while (isRow(probe)) {
    // Deeper than NumPy allows (or an array holding itself): refused
    // before the walk, which would overflow the stack or never end.
    if (shape.length === MAX_DIMS) {
      throw new RangeError(
        `Cannot append to ${label}: the nested array is more than NumPy's ${MAX_DIMS} levels deep (or holds itself)`,
      );
    }
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const flat: unknown[] = [];
  let rowDType: DType | null | undefined = undefined;
  const rows: TypedArray[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (typeof node === "object") refuseBadView(node, label);
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
    if (depth === shape.length - 1 && depth > 0 && rowDType !== null) {
      // The innermost rows: one typed array type throughout is the
      // input's dtype, as np.array([f32, f32]) is float32.
      // Rows of several types take the type np.array promotes them to.
      const dt = typedArrayDType(node) ?? null;
      rowDType = dt === null || rowDType === undefined
        ? dt
        : promoteRows(rowDType, dt);
      if (rowDType !== null) rows.push(node as TypedArray);
    }
    for (let i = 0; i < node.length; i++) {
      // A hole of a sparse array, refused at once: one of length 2**32 - 1
      // would be walked for half a minute.
      if (!(i in node)) {
        throw new TypeError(
          `Cannot append to ${label}: ${path}[${i}] is an empty slot of a sparse array; fill every item`,
        );
      }
      walk(node[i], depth + 1, `${path}[${i}]`);
    }
  };
  walk(root, 0, "item");
  if (rowDType === null || rowDType === undefined || rows.length === 0) {
    return { shape, flat, rowDType: undefined };
  }
  // The rows joined in one typed array of their type, which then takes a
  // bare typed array's path (a Float32Array's text is "1.0", 0/1 bytes
  // into bool, BigInt64Array ticks into datetimes), bits kept. One type:
  // the first row's (a Uint8ClampedArray's too).
  const Rows = rows.every((r) => r.constructor === rows[0]!.constructor)
    ? rows[0]!.constructor as new (n: number) => TypedArray
    : typedArrayFor(rowDType)!.ctor as unknown as new (n: number) => TypedArray;
  const joined = new Rows(flat.length) as TypedArray & {
    set(a: ArrayLike<unknown>, o: number): void;
  };
  const big = joined instanceof BigInt64Array ||
    joined instanceof BigUint64Array;
  let at = 0;
  for (const row of rows) {
    const rowBig = row instanceof BigInt64Array ||
      row instanceof BigUint64Array;
    if (rowBig === big) joined.set(row, at);
    else {
      // BigInt and number arrays do not mix in set(): item by item.
      const put = joined as unknown as unknown[];
      for (let i = 0; i < row.length; i++) {
        put[at + i] = big ? BigInt(row[i] as number) : Number(row[i]);
      }
    }
    at += row.length;
  }
  return { shape, flat: joined, rowDType };
}

/**
 * The dtype `np.array` gives rows of two typed array types (NumPy's
 * `promote_types` for integers and floats): the larger of one kind; an
 * unsigned and a signed one the next signed size that holds both (`<f8`
 * past 8 bytes); an integer and a float the float that holds the integer
 * (`<f2` for 1 byte, `<f4` for 2, `<f8` beyond), or the larger float.
 */
function promoteRows(a: DType, b: DType): DType {
  if (a.str === b.str) return a;
  let kind: string, size: number;
  if (a.kind === b.kind) {
    kind = a.kind;
    size = Math.max(a.itemsize, b.itemsize);
  } else if (a.kind === "f" || b.kind === "f") {
    const [f, n] = a.kind === "f" ? [a, b] : [b, a];
    kind = "f";
    size = Math.max(
      f.itemsize,
      n.itemsize === 1 ? 2 : n.itemsize === 2 ? 4 : 8,
    );
  } else {
    const [i, u] = a.kind === "i" ? [a, b] : [b, a];
    kind = i.itemsize > u.itemsize || u.itemsize < 8 ? "i" : "f";
    size = i.itemsize > u.itemsize ? i.itemsize : Math.min(2 * u.itemsize, 8);
  }
  return parseDType(size === 1 ? `|${kind}1` : `<${kind}${size}`);
}

/** A strided input's checked layout: strides and offset in items. */
interface Strides {
  stride: number[];
  offset: number;
}

/**
 * The strides and offset of a strided input, read once: safe integers
 * counted in items (scijs `ndarray`'s rule), one stride per axis.
 */
function checkStrides(
  input: StridedArrayLike,
  rank: number,
  label: string,
): Strides {
  const stride: unknown = input.stride;
  if (!Array.isArray(stride) || stride.length !== rank) {
    throw new TypeError(
      `Cannot append ${label}: stride must have one entry per axis`,
    );
  }
  const kind = (v: unknown): string =>
    typeof v === "number" ? String(v) : show(v);
  const out = [...stride] as unknown[];
  for (const [i, v] of out.entries()) {
    if (!Number.isSafeInteger(v)) {
      throw new TypeError(
        `Cannot append ${label}: stride entry ${i} is ${
          kind(v)
        }; strides must be integers counting items, not bytes`,
      );
    }
  }
  const offset: unknown = input.offset ?? 0;
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw new TypeError(
      `Cannot append ${label}: offset is ${
        kind(offset)
      }; the offset must be a non-negative integer counting items`,
    );
  }
  return { stride: out as number[], offset: offset as number };
}

function gatherStrided(
  data: ArrayLike<unknown>,
  shape: readonly number[],
  { stride, offset }: Strides,
  label: string,
): ArrayLike<unknown> {
  const n = product(shape, label);
  const length = data.length;
  // A typed array's items gather into one of its type, so they stay what
  // it holds (half-float bits of a Uint16Array named "<f2", not numbers).
  const out: { [k: number]: unknown; length: number } = isTypedArray(data)
    ? new (data.constructor as new (n: number) => TypedArray)(n)
    : new Array(n);
  const index = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let k = 0; k < n; k++) {
    if (pos < 0 || pos >= length) {
      throw new RangeError(
        `Cannot append ${label}: strides point outside the data`,
      );
    }
    out[k] = data[pos];
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

/**
 * The items of a strided typed array whose strides are those of a
 * contiguous C- or Fortran-order block, as a view (no copy); `undefined`
 * when the array must be gathered.
 */
function contiguousView(
  data: ArrayLike<unknown>,
  shape: readonly number[],
  { stride, offset }: Strides,
): { data: TypedArray; order: "C" | "F" } | undefined {
  if (!isTypedArray(data)) return undefined;
  const count = product(shape);
  if (offset + count > data.length) return undefined;
  const fits = (axes: number[]): boolean => {
    let step = 1;
    for (const a of axes) {
      if (shape[a]! > 1 && stride[a] !== step) return false;
      step *= shape[a]!;
    }
    return true;
  };
  const forward = [...shape.keys()];
  const view = viewOf(data, offset, offset + count);
  if (fits([...forward].reverse())) return { data: view, order: "C" };
  if (fits(forward)) return { data: view, order: "F" };
  return undefined;
}

function libDType(name: unknown): DType | undefined {
  if (typeof name !== "string") return undefined;
  const spec = LIB_DTYPES[name];
  return spec === undefined ? undefined : nativeDType(spec);
}

/**
 * A strided array's dtype that is no library name but a NumPy one
 * (`"<f2"`): that dtype, as the flat form takes it; `undefined` for the
 * names of scijs that are none (`"array"`, `"generic"`), passed over.
 */
function numpyDType(name: unknown): DType | undefined {
  if (typeof name !== "string") return undefined;
  try {
    return parseDType(name);
  } catch {
    return undefined;
  }
}

/** The keys of `{ data, shape, dtype?, fortranOrder? }`. */
const DATA_KEYS = ["data", "shape", "dtype", "fortranOrder"] as const;
/** The keys of a plain strided object (`StridedArrayLike`). */
const STRIDED_KEYS = ["data", "shape", "stride", "offset", "dtype"] as const;

/**
 * Refuses a plain object input (`{ data, shape, ... }`, no class instance
 * such as an ndarray or a tensor) holding a key of neither form, as the
 * options refuse one: a misspelt `dtyp` or `fortranorder` was dropped, the
 * data written as another dtype or order; `strides` (NumPy's word) read
 * the data as C-contiguous. An object with no key of either form, nor one
 * near, is left to the general refusal.
 */
function refuseUnknownKeys(
  obj: Record<string, unknown>,
  label: string,
  target: DType | undefined,
): void {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return;
  const keys = Object.keys(obj);
  // One record given bare (its keys the file's field names): not a
  // misspelt input object.
  const names = target?.fields?.map((f) => f.name);
  if (
    names !== undefined && keys.length > 0 &&
    keys.every((k) => names.includes(k)) &&
    !(Array.isArray(obj.data) || isTypedArray(obj.data))
  ) {
    throw new TypeError(
      `Cannot append ${label}: this is one record, given bare; records are appended inside an array: [record]`,
    );
  }
  const all = [...DATA_KEYS, "stride", "offset"];
  if (
    !keys.some((k) => all.includes(k) || nearest(k, all) !== undefined)
  ) return;
  const known: readonly string[] = "stride" in obj ? STRIDED_KEYS : DATA_KEYS;
  const bad = keys.find((k) => !known.includes(k));
  if (bad === undefined) return;
  throw new TypeError(
    `Cannot append ${label}: ${
      unknownKeyText(bad, "stride" in obj ? known : all, "key")
    } (an input object is { data, shape, dtype?, fortranOrder? }, or { data, shape, stride, offset?, dtype? })`,
  );
}

/** The flat form of any accepted input, for a file of dtype `target`. */
export function normalize(
  input: unknown,
  target: DType | undefined,
  label: string,
): Normalized {
  const bytesLeaves = target !== undefined &&
    (target.kind === "S" || target.kind === "V");
  refuseBadView(input, label);
  if (isTypedArray(input)) {
    return {
      shape: [bareLength(input, target, label)],
      data: input,
      order: "C",
      srcDType: typedArrayDType(input),
    };
  }
  if (Array.isArray(input)) {
    const { shape, flat, rowDType } = inferNested(input, bytesLeaves, label);
    return { shape, data: flat, order: "C", srcDType: rowDType };
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
    checkData(data, label, "dataSync() must return a typed array or an array");
    const srcDType = libDType(obj.dtype) ?? typedArrayDType(data);
    refuseMisnamed(data, srcDType, label);
    return {
      shape: checkShape(obj.shape, label),
      data,
      order: "C",
      srcDType,
    };
  }
  refuseUnknownKeys(obj, label, target);
  if ("data" in obj && "shape" in obj) {
    const data = obj.data as ArrayLike<unknown>;
    checkData(data, label, "data must be a typed array or an array");
    let srcDType: DType | undefined;
    if (obj.dtype !== undefined && !("stride" in obj)) {
      try {
        srcDType = parseDType(obj.dtype as DTypeSpec);
      } catch (e) {
        if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
        // As the dtype option's error: the file named first.
        throw new (e.constructor as typeof TypeError)(
          `Cannot append to ${label}: ${e.message}`,
          { cause: e },
        );
      }
    } else {
      srcDType = libDType(obj.dtype) ?? numpyDType(obj.dtype) ??
        typedArrayDType(data);
    }
    refuseMisnamed(data, srcDType, label);
    if ("stride" in obj && obj.stride !== undefined) {
      const shape = checkShape(obj.shape, label);
      const strides = checkStrides(
        obj as unknown as StridedArrayLike,
        shape.length,
        label,
      );
      const view = contiguousView(data, shape, strides);
      if (view !== undefined) return { shape, ...view, srcDType };
      return {
        shape,
        data: gatherStrided(data, shape, strides, label),
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
      named: obj.dtype !== undefined,
    };
  }
  throw new TypeError(
    `Cannot append ${
      show(input)
    } to ${label}: pass a typed array, { data, shape }, nested arrays, an ndarray or a tensor`,
  );
}

/**
 * Refuses a typed array named a numeric or time dtype its elements are not
 * (a `Float32Array` named `"<i8"`): its bytes would be taken as that
 * dtype's, too few or too many for the shape, or bit patterns as values.
 * A dtype takes the typed array of its kind and size (any byte order:
 * the elements are numbers), or the one `typedArrayFor` gives it
 * (`Uint16Array` bits for `f2`, `BigInt64Array` ticks for times, float
 * pairs for complex); a `Uint8Array` is raw bytes of any dtype, and the
 * only typed array text, bytes and records take (a `Float64Array` named
 * `"|V4"` gave twice the bytes its items take).
 */
function refuseMisnamed(
  data: unknown,
  named: DType | undefined,
  label: string,
): void {
  if (named === undefined || data instanceof Uint8Array) return;
  const own = typedArrayDType(data);
  if (own === undefined) return;
  const fit = named.kind === "c"
    ? typedArrayFor({ ...named, kind: "f", itemsize: named.itemsize / 2 })
    : typedArrayFor(named);
  const part = named.kind === "c" ? named.itemsize / 2 : named.itemsize;
  const sameKind = own.kind === (named.kind === "c" ? "f" : named.kind) &&
    own.itemsize === part;
  const f16Bits = named.kind === "f" && named.itemsize === 2 &&
    own.kind === "u" && own.itemsize === 2;
  if (sameKind || f16Bits || (fit !== undefined && data instanceof fit.ctor)) {
    return;
  }
  // Text, bytes and records take their raw bytes only.
  const wanted = fit === undefined
    ? "pass its bytes as a Uint8Array, or "
    : `pass a ${fit.ctor.name} for "${named.str}", or `;
  throw new TypeError(
    `Cannot append to ${label}: data is a ${
      (data as TypedArray).constructor.name
    } of "${own.str}" elements, but its dtype says "${named.str}"; ${wanted}leave dtype out to have its values cast to the file's dtype`,
  );
}

/** Refuses data that is no typed array or array (`what` says which). */
function checkData(data: unknown, label: string, what: string): void {
  refuseBadView(data, label);
  if (
    data === null || typeof data !== "object" ||
    typeof (data as { length?: unknown }).length !== "number"
  ) {
    throw new TypeError(`Cannot append ${label}: ${what}`);
  }
}

/**
 * Refuses a typed array whose bytes are not what it claims (a class or
 * property redefining `length` and the like, a detached buffer).
 */
function refuseBadView(value: unknown, label: string): void {
  const why = unusableView(value);
  if (why !== undefined) {
    throw new TypeError(`Cannot append to ${label}: ${why}`);
  }
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
