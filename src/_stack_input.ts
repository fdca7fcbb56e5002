/**
 * A stack append's input in rows: how many, when cheap to tell, and the
 * pieces a crossing append writes to each shard.
 *
 * @module
 */

import type { ArrayInput, TypedArray } from "./array_input.ts";
import type { DType } from "./dtype.ts";
import { growthAxis } from "./_layout.ts";

/** The rows of an input along the growth axis, when it is cheap to tell. */
export function quickRows(
  input: ArrayInput,
  rank: number,
  fortran: boolean,
): number | undefined {
  if (ArrayBuffer.isView(input)) {
    return rank === 1 ? (input as { length: number }).length : undefined;
  }
  if (Array.isArray(input)) {
    if (fortran && rank > 1) return undefined;
    let depth = 0;
    for (let x: unknown = input; Array.isArray(x); x = x[0]) depth++;
    return depth === rank ? input.length : undefined;
  }
  const shape = (input as { shape?: unknown }).shape;
  if (!Array.isArray(shape) || shape.length !== rank || rank === 0) {
    return undefined;
  }
  const n = shape[growthAxis(fortran, rank)];
  return typeof n === "number" ? n : undefined;
}

/**
 * Bytes of the stack's dtype as `append` takes them back: raw bytes, but
 * unsigned integers wider than a byte as their values (a `Uint8Array`
 * there means values, not bytes).
 */
export function piece(
  bytes: Uint8Array,
  dtype: DType,
): Uint8Array | TypedArray {
  if (dtype.kind !== "u" || dtype.itemsize === 1) return bytes;
  const le = dtype.byteOrder !== ">";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = bytes.length / dtype.itemsize;
  if (dtype.itemsize === 2) {
    return Uint16Array.from({ length: n }, (_, i) => view.getUint16(i * 2, le));
  }
  if (dtype.itemsize === 4) {
    return Uint32Array.from({ length: n }, (_, i) => view.getUint32(i * 4, le));
  }
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getBigUint64(i * 8, le);
  return out;
}
