/**
 * Adversary round 11, hostile values given to `append` that round 6 did
 * not try: strided arrays (scijs `ndarray` form), tensors (`dataSync`) and
 * shapes of more than 2**53 elements. Each must end in a `TypeError` or
 * `RangeError` of the library naming the file and the fix, with the file's
 * bytes unchanged and the writer still usable.
 *
 * Found before the fix:
 * - a stride or offset that is a bigint was the engine's "Cannot mix BigInt
 *   and other types" (no file named); a string, a fraction or NaN was read
 *   as an index (`pos += "2"` is text), ending in "value undefined at
 *   index 1 ... needs numbers", or was accepted on an axis of length 1;
 * - `data` of a strided input was read again for every item, so a getter
 *   could hand out another array halfway;
 * - `dataSync()` returning `null` was the engine's "Cannot read properties
 *   of null", a number "data has undefined elements", a typed array over
 *   a detached buffer "data has 0 elements";
 * - a shape of more than 2**53 elements was "Cannot append array: ...",
 *   naming no file.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function detach(buffer: ArrayBuffer): void {
  // `transfer` where the runtime has it (Deno, Bun, Node 22), else
  // structuredClone's transfer list (Node 20).
  const b = buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
  if (typeof b.transfer === "function") b.transfer();
  else structuredClone(buffer, { transfer: [buffer] });
}

/** A `<f8` file holding 1 and 2. */
function start(): Uint8Array {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
  w.append(new Float64Array([1, 2]));
  w.close();
  return file.bytes();
}

interface Case {
  name: string;
  input: () => unknown;
  error: typeof TypeError | typeof RangeError;
  message: string;
}

const D = (): Float64Array => new Float64Array([1, 2, 3, 4]);
const STRIDE_FIX = "strides must be integers counting items, not bytes";
const OFFSET_FIX = "the offset must be a non-negative integer counting items";

const CASES: Case[] = [
  {
    name: "a stride given as text",
    input: () => ({ data: D(), shape: [2], stride: ["2"], offset: 0 }),
    error: TypeError,
    message: `stride entry 0 is "2"; ${STRIDE_FIX}`,
  },
  {
    name: "a stride of 1.5",
    input: () => ({ data: D(), shape: [2], stride: [1.5], offset: 0 }),
    error: TypeError,
    message: `stride entry 0 is 1.5; ${STRIDE_FIX}`,
  },
  {
    name: "a bigint stride",
    input: () => ({ data: D(), shape: [2, 1], stride: [1, 1n], offset: 0 }),
    error: TypeError,
    message: `stride entry 1 is 1n; ${STRIDE_FIX}`,
  },
  {
    name: "a NaN stride on an axis of length 1",
    input: () => ({ data: D(), shape: [1], stride: [NaN], offset: 0 }),
    error: TypeError,
    message: `stride entry 0 is NaN; ${STRIDE_FIX}`,
  },
  {
    name: "an offset given as text",
    input: () => ({ data: D(), shape: [2], stride: [2], offset: "1" }),
    error: TypeError,
    message: `offset is "1"; ${OFFSET_FIX}`,
  },
  {
    name: "an offset of 0.5",
    input: () => ({ data: D(), shape: [2], stride: [2], offset: 0.5 }),
    error: TypeError,
    message: `offset is 0.5; ${OFFSET_FIX}`,
  },
  {
    name: "a bigint offset",
    input: () => ({ data: D(), shape: [2], stride: [2], offset: 1n }),
    error: TypeError,
    message: `offset is 1n; ${OFFSET_FIX}`,
  },
  {
    name: "dataSync() returning null",
    input: () => ({ shape: [2], dataSync: () => null }),
    error: TypeError,
    message: "dataSync() must return a typed array or an array",
  },
  {
    name: "dataSync() returning a number",
    input: () => ({ shape: [2], dataSync: () => 2 }),
    error: TypeError,
    message: "dataSync() must return a typed array or an array",
  },
  {
    name: "dataSync() returning a detached typed array",
    input: () => ({
      shape: [2],
      dataSync: () => {
        const a = new Float64Array(2);
        detach(a.buffer);
        return a;
      },
    }),
    error: TypeError,
    message: "its buffer is detached",
  },
  {
    name: "a shape of 2**60 elements",
    input: () => ({ data: [], shape: [2 ** 30, 2 ** 30] }),
    error: RangeError,
    message:
      "shape (1073741824, 1073741824) holds more than 2**53 elements; append it in smaller blocks",
  },
  {
    name: "a tensor of 2**60 elements",
    input: () => ({
      shape: [2 ** 30, 2 ** 30],
      dataSync: () => new Float32Array(0),
    }),
    error: RangeError,
    message: "holds more than 2**53 elements; append it in smaller blocks",
  },
];

function check(c: Case, e: unknown, label: string): boolean {
  assert.ok(e instanceof c.error, `${c.name}: ${e}`);
  const { message } = e as Error;
  assert.ok(message.includes(c.message), `${c.name}: ${message}`);
  assert.ok(message.includes(label), `${c.name}: ${message}`);
  assert.match(message, /^Cannot append/);
  assert.doesNotMatch(message, /\.$/);
  return true;
}

describe("adversary 11: hostile strided arrays, tensors and shapes", () => {
  for (const c of CASES) {
    test(`${c.name}: a typed error naming the fix, no byte changed`, async () => {
      const before = start();
      const sync = new MemoryFile(before.slice());
      const w = NpyAppendArraySync.open(sync);
      assert.throws(
        () => w.append(c.input() as Float64Array),
        (e) => check(c, e, "the file object"),
      );
      assert.deepEqual(sync.bytes(), before);
      w.append(new Float64Array([3]));
      w.close();
      assert.deepEqual([...readNpySync(sync).data as Float64Array], [1, 2, 3]);

      const async = new MemoryFile(before.slice());
      const a = await NpyAppendArray.open(async);
      await assert.rejects(
        a.append(c.input() as Float64Array),
        (e) => check(c, e, "the file object"),
      );
      assert.deepEqual(async.bytes(), before);
      await a.append(new Float64Array([3]));
      await a.close();
      assert.deepEqual([...readNpySync(async).data as Float64Array], [1, 2, 3]);
    });
  }

  test("on a path the message names the path", () => {
    const path = join(tempDir(), "x.npy");
    writeFileSync(path, start());
    try {
      const w = NpyAppendArraySync.open(path);
      for (const c of CASES) {
        assert.throws(
          () => w.append(c.input() as Float64Array),
          (e) => check(c, e, path),
        );
      }
      w.close();
      assert.deepEqual(new Uint8Array(readFileSync(path)), start());
    } finally {
      rmSync(path, { force: true });
    }
  });

  test("a strided input's data is read once", () => {
    let reads = 0;
    const input = {
      get data() {
        // A getter handing out another array at each read.
        return reads++ === 0 ? D() : new Float64Array(4).fill(-1);
      },
      shape: [2],
      stride: [2],
      offset: 1,
    };
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append(input);
    w.close();
    assert.equal(reads, 1);
    assert.deepEqual([...readNpySync(file).data as Float64Array], [2, 4]);
  });

  test("valid strides still work: negative, zero, transposed", () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append({ data: D(), shape: [4], stride: [-1], offset: 3 });
    w.append({ data: D(), shape: [2], stride: [0], offset: 1 });
    w.append({ data: [1, 2, 3, 4], shape: [2], stride: [2], offset: 1 });
    w.close();
    assert.deepEqual(
      [...readNpySync(file).data as Float64Array],
      [4, 3, 2, 1, 2, 2, 2, 4],
    );
  });
});
