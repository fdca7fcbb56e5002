/**
 * The array forms `append` accepts, and the result of preparing one: the
 * bytes of a file's dtype, in its order.
 *
 * @module
 */

import type { DType, DTypeSpec } from "./dtype.ts";
import type { Casting } from "./casting.ts";

export { prepareArray } from "./_prepare.ts";
export { typedArrayDType } from "./_typed_arrays.ts";

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

/**
 * A flat array with its shape: form 2 of the accepted inputs. A plain
 * object with a key of neither this form nor {@linkcode StridedArrayLike}
 * (`dtyp`, `strides`) is a `TypeError` naming the key meant, as an
 * unknown option is.
 */
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

/**
 * Anything `append` accepts: a one-dimensional typed array, a flat array
 * with its shape, nested plain arrays, a strided array (scijs `ndarray`)
 * or a tensor with `dataSync()` (TensorFlow.js).
 */
export type ArrayInput =
  | TypedArray
  | ArrayData
  | readonly unknown[]
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

/** Options of {@linkcode prepareArray}. */
export interface PrepareOptions {
  /** The file's dtype; `undefined` for a new file (inferred). */
  dtype?: DType | undefined;
  /** The file's order. */
  fortranOrder: boolean;
  /** The casting mode. */
  casting: Casting;
  /** How messages show the file (a path quoted, as `"x.npy"`). */
  label: string;
}
