/**
 * Input preparation writes from the caller's bytes, with no copy, when a
 * typed array already has the file's dtype, byte order and order; and
 * copies only when it must (other byte order, other order, conversion).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ArrayInput, parseDType } from "../mod.ts";
import { prepareArray } from "../src/_prepare.ts";

function prep(input: ArrayInput, descr: string, fortranOrder = false) {
  return prepareArray(input, {
    dtype: parseDType(descr),
    fortranOrder,
    casting: "same_kind",
    label: "x.npy",
  });
}

function assertShared(
  input: ArrayInput,
  data: ArrayBufferView,
  descr: string,
  fortranOrder = false,
): void {
  const p = prep(input, descr, fortranOrder);
  assert.equal(p.shared, true);
  assert.equal(p.bytes.buffer, data.buffer);
  assert.equal(p.bytes.byteOffset, data.byteOffset);
  assert.equal(p.bytes.byteLength, data.byteLength);
}

test("a typed array of the file's dtype is written from the caller's bytes", () => {
  const big = new Float64Array(1 << 20);
  const sub = big.subarray(6, 6 + 12);
  assertShared(big, big, "<f8");
  assertShared(sub, sub, "<f8");
  assertShared({ data: sub, shape: [4, 3] }, sub, "<f8");
  assertShared({ data: sub, shape: [4, 3], dtype: "<f8" }, sub, "<f8");
  assertShared({ data: sub, shape: [4, 3], dtype: "float64" }, sub, "<f8");
  assertShared({ data: sub, shape: [12] }, sub, "<f8", true);
  assertShared(
    { data: sub, shape: [4, 3], fortranOrder: true },
    sub,
    "<f8",
    true,
  );
  assertShared({ shape: [4, 3], dataSync: () => sub }, sub, "<f8");
  const i2 = new Int16Array(9);
  assertShared(i2, i2, "<i2");
  assertShared({ data: i2, shape: [3, 3] }, i2, "<i2");
  const b = new BigUint64Array(4);
  assertShared(b, b, "<u8");
  // Complex files take interleaved (re, im) numbers as they are.
  assertShared({ data: sub, shape: [6] }, sub, "<c16");
  assertShared(sub, sub, "<c16");
  const f4 = new Float32Array(8);
  assertShared({ data: f4, shape: [2, 2] }, f4, "<c8");
  // Raw bytes of records and byte strings.
  const raw = new Uint8Array(24);
  assertShared(raw, raw, "[('a', '<f4'), ('b', '<i8')]");
  assertShared({ data: raw, shape: [2] }, raw, "[('a', '<f4'), ('b', '<i8')]");
  assertShared(raw, raw, "|S4");
});

test("a strided array that is contiguous is written from the caller's bytes", () => {
  const data = new Float32Array(20);
  const c = { data, shape: [4, 5], stride: [5, 1], offset: 0 };
  assertShared(c, data, "<f4");
  const off = { data, shape: [3, 5], stride: [5, 1], offset: 5 };
  assertShared(off, data.subarray(5), "<f4");
  const f = { data, shape: [4, 5], stride: [1, 4], offset: 0 };
  assertShared(f, data, "<f4", true);
});

test("copies are made only where bytes must change", () => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6]);
  const swapped = prep(data, ">f8");
  assert.equal(swapped.shared, false);
  assert.notEqual(swapped.bytes.buffer, data.buffer);
  assert.equal(data[0], 1); // the caller's array is untouched
  const reordered = prep({ data, shape: [2, 3] }, "<f8", true);
  assert.equal(reordered.shared, false);
  assert.deepEqual(
    [...new Float64Array(reordered.bytes.buffer)],
    [1, 4, 2, 5, 3, 6],
  );
  const converted = prep(data, "<f4");
  assert.equal(converted.shared, false);
  assert.deepEqual([...new Float32Array(converted.bytes.buffer)], [
    1,
    2,
    3,
    4,
    5,
    6,
  ]);
  // A strided array that skips items is gathered.
  const every2 = prep({ data, shape: [3], stride: [2] }, "<f8");
  assert.deepEqual([...new Float64Array(every2.bytes.buffer)], [1, 3, 5]);
  // Negative strides (a reversed view) are gathered too.
  const reversed = prep({ data, shape: [3], stride: [-1], offset: 2 }, "<f8");
  assert.deepEqual([...new Float64Array(reversed.bytes.buffer)], [3, 2, 1]);
});
