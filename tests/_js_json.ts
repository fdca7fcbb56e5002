/**
 * Test helper: converts what the library's readers return into the JSON
 * value encoding of `tests/fixtures/README.md` (the encoding NumPy's side
 * writes through `scripts/npy_json.py`), so the two can be compared with
 * `assert.deepEqual`.
 *
 * @module
 */

import { type DType, parseDType } from "../src/dtype.ts";
import { fromFloat16Bits } from "../src/_float16.ts";
import type { FixtureValue } from "./_numpy.ts";

/** What the readers return: `{ data, shape, dtype, fortranOrder }`. */
export interface JsArray {
  readonly data: unknown;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly fortranOrder: boolean;
}

function encodeFloat(x: number): FixtureValue {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return x;
}

function bytesOf(v: unknown, n: number): number[] {
  if (!(v instanceof Uint8Array)) {
    throw new TypeError(`Expected a Uint8Array, got ${String(v)}`);
  }
  const out = [...v];
  while (out.length < n) out.push(0);
  return out;
}

function flatten(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v];
}

/** Encodes one element as the record reader returns it (a field value). */
function encodeElement(dtype: DType, v: unknown): FixtureValue {
  if (dtype.fields !== undefined) {
    const rec = v as Record<string, unknown>;
    const out: Record<string, FixtureValue> = {};
    for (const f of dtype.fields) {
      const value = rec[f.name];
      out[f.name] = f.shape.length === 0
        ? encodeElement(f.dtype, value)
        : flatten(value).map((x) => encodeElement(f.dtype, x));
    }
    return out;
  }
  switch (dtype.kind) {
    case "b":
      return typeof v === "boolean" ? v : v !== 0;
    case "i":
    case "u":
      return typeof v === "bigint" ? String(v) : v as number;
    case "f":
      return encodeFloat(v as number);
    case "c": {
      const c = v as { re: number; im: number };
      return [encodeFloat(c.re), encodeFloat(c.im)];
    }
    case "U":
      return v as string;
    case "S":
    case "V":
      return bytesOf(v, dtype.itemsize);
    case "M":
    case "m":
      return String(v);
  }
  throw new TypeError(`Cannot encode dtype "${dtype.str}"`);
}

/**
 * The items of `data` (flat, file order) encoded one by one, in file order.
 *
 * @param data What `decodeItems` returned.
 * @param dtype The dtype.
 * @returns Encoded items.
 */
export function encodeItems(data: unknown, dtype: DType): FixtureValue[] {
  if (dtype.fields === undefined) {
    switch (dtype.kind) {
      case "b":
        return [...(data as Uint8Array)].map((x) => x !== 0);
      case "f":
        if (dtype.itemsize === 2 && data instanceof Uint16Array) {
          return [...data].map((b) => encodeFloat(fromFloat16Bits(b)));
        }
        return [...(data as ArrayLike<number>) as number[]].map(encodeFloat);
      case "c": {
        const d = data as Float32Array | Float64Array;
        const out: FixtureValue[] = [];
        for (let i = 0; i < d.length; i += 2) {
          out.push([encodeFloat(d[i]!), encodeFloat(d[i + 1]!)]);
        }
        return out;
      }
      case "i":
      case "u":
      case "M":
      case "m":
        return [...(data as ArrayLike<number | bigint>) as (number | bigint)[]]
          .map((x) => typeof x === "bigint" ? String(x) : x);
    }
  }
  return (data as unknown[]).map((v) => encodeElement(dtype, v));
}

/**
 * Reorders items stored in Fortran order into logical C order.
 *
 * @param items Items in Fortran order.
 * @param shape The shape.
 * @returns Items in C order.
 */
export function fortranToC<T>(
  items: readonly T[],
  shape: readonly number[],
): T[] {
  const n = items.length;
  const out: T[] = new Array(n);
  const nd = shape.length;
  // C strides and F strides in items
  const fStrides: number[] = [];
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStrides.push(s);
    s *= shape[d]!;
  }
  const idx = new Array(nd).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fStrides[d]!;
    out[c] = items[f]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * What a reader returned, as the fixture JSON's `values`: every item
 * encoded, in logical C order.
 *
 * @param array `{ data, shape, dtype, fortranOrder }` from a reader.
 * @returns The encoded values.
 */
export function toFixtureValues(array: JsArray): FixtureValue[] {
  const items = encodeItems(array.data, parseDType(array.dtype));
  return array.fortranOrder ? fortranToC(items, array.shape) : items;
}
