/**
 * The dtype a new file gets from its first append when no `dtype` option
 * is given.
 *
 * @module
 */

import { type DType, parseDType, withByteOrder } from "./dtype.ts";
import { show } from "./_describe_value.ts";
import type { Normalized } from "./_input_normalize.ts";

/**
 * `{ data, shape }` whose data holds arrays (`data: [[1, 2], [3, 4]]`):
 * data is flat, a nested array is appended as itself.
 */
export const NESTED_DATA_FIX =
  "data holds nested arrays: give it flat (data.flat(Infinity)), or append the nested array itself";

/**
 * The dtype a new file gets from its first append when no `dtype` option
 * is given: the typed array's type, `<f8` for numbers, `|b1` for
 * booleans, `<i8` for bigints, `<M8[ms]` for Dates, `<U{longest}` for
 * strings, `|S{longest}` for `Uint8Array` items.
 */
export function inferDType(n: Normalized, label: string): DType {
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
    dates = false,
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
    } else if (v instanceof Date) dates = true;
    else if (other === undefined) other = v;
  }
  const fail = (why: string): never => {
    throw new TypeError(
      `Cannot infer a dtype for ${label}: ${why}; pass the dtype option`,
    );
  };
  if (Array.isArray(other)) {
    // Nested plain arrays given bare are flattened before this: these came
    // as `{ data }`, where no dtype option would help.
    throw new TypeError(`Cannot append ${label}: ${NESTED_DATA_FIX}`);
  }
  if (other !== undefined) return fail(`found ${show(other)}`);
  if (dates) {
    if (numbers || bools || bigints || strings || bytes) {
      return fail("Dates mixed with other values");
    }
    return parseDType("<M8[ms]"); // a Date's precision
  }
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
