/**
 * The one table between dtypes and typed arrays, both ways.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDType } from "../mod.ts";
import { typedArrayName } from "../src/decode.ts";
import { typedArrayDType, typedArrayFor } from "../src/_typed_arrays.ts";

const F16 = (globalThis as { Float16Array?: unknown }).Float16Array;

test("dtype to typed array: every numeric kind and size", () => {
  const want: Record<string, [string, number]> = {
    "|b1": ["Uint8Array", 1],
    "|i1": ["Int8Array", 1],
    "|u1": ["Uint8Array", 1],
    "<i2": ["Int16Array", 1],
    ">u2": ["Uint16Array", 1],
    "<i4": ["Int32Array", 1],
    "<u4": ["Uint32Array", 1],
    "<i8": ["BigInt64Array", 1],
    ">u8": ["BigUint64Array", 1],
    "<f2": [F16 === undefined ? "Uint16Array" : "Float16Array", 1],
    "<f4": ["Float32Array", 1],
    ">f8": ["Float64Array", 1],
    "<c8": ["Float32Array", 2],
    "<c16": ["Float64Array", 2],
    "<M8[ns]": ["BigInt64Array", 1],
    ">m8[s]": ["BigInt64Array", 1],
  };
  for (const [descr, [name, per]] of Object.entries(want)) {
    const fit = typedArrayFor(parseDType(descr));
    assert.equal(fit?.ctor.name, name, descr);
    assert.equal(fit?.per, per, descr);
    assert.equal(typedArrayName(parseDType(descr)), name, descr);
  }
  for (const descr of ["<U3", "|S2", "|V4", "[('a', '<f4')]"]) {
    assert.equal(typedArrayFor(parseDType(descr)), undefined, descr);
  }
});

test("typed array to dtype, subclasses included", () => {
  const want: Array<[ArrayBufferView, string]> = [
    [new Float64Array(1), "<f8"],
    [new Float32Array(1), "<f4"],
    [new Int8Array(1), "|i1"],
    [new Uint8Array(1), "|u1"],
    [new Uint8ClampedArray(1), "|u1"],
    [new Int16Array(1), "<i2"],
    [new Uint16Array(1), "<u2"],
    [new Int32Array(1), "<i4"],
    [new Uint32Array(1), "<u4"],
    [new BigInt64Array(1), "<i8"],
    [new BigUint64Array(1), "<u8"],
  ];
  class Sub extends Float32Array {}
  want.push([new Sub(2), "<f4"]);
  if (F16 !== undefined) {
    want.push([new (F16 as new (n: number) => ArrayBufferView)(1), "<f2"]);
  }
  for (const [arr, descr] of want) {
    assert.equal(typedArrayDType(arr)?.str, descr, arr.constructor.name);
  }
  assert.equal(typedArrayDType(new DataView(new ArrayBuffer(2))), undefined);
  assert.equal(typedArrayDType([1, 2]), undefined);
  assert.equal(typedArrayDType(null), undefined);
});
