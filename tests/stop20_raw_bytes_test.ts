/**
 * Stop 20 (h1): a `Uint8Array` said to hold the bytes of another numeric
 * dtype (`{ data, dtype: "<i4" }`) appended to a file of a different one
 * is converted by value, as `np.frombuffer(b, "<i4").astype(dtype)`. Where
 * the item sizes agreed its bytes were copied as they were: 5 as `<i4`
 * into `>i4` read back 83886080 (byte order not swapped), into `<f4`
 * 7e-45, and into `|S4` the bytes 05 00 00 00 where NumPy writes "5".
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const CASES: [string, string, Uint8Array][] = [
  ["<i4", ">i4", new Uint8Array(new Int32Array([5, -7]).buffer)],
  ["<i4", "<f4", new Uint8Array(new Int32Array([5, -7]).buffer)],
  ["<f8", "<i8", new Uint8Array(new Float64Array([2.5, -3.75]).buffer)],
  ["<i8", "<f8", new Uint8Array(new BigInt64Array([7n, -9n]).buffer)],
  ["<i8", "<c8", new Uint8Array(new BigInt64Array([7n, -9n]).buffer)],
  ["<f4", ">f4", new Uint8Array(new Float32Array([1.5, NaN]).buffer)],
  ["<i4", "|S4", new Uint8Array(new Int32Array([5, -7]).buffer)],
  ["<f8", "|S32", new Uint8Array(new Float64Array([0.1, 1e20]).buffer)],
  ["<i4", "<U11", new Uint8Array(new Int32Array([5, -7]).buffer)],
];

test(
  "bytes of another numeric dtype are converted by value, as astype",
  numpyTestOptions(),
  () => {
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
print(json.dumps([list(np.frombuffer(bytes(b), s).astype(t).tobytes()) for s, t, b in json.loads(sys.argv[1])]))`,
      [JSON.stringify(CASES.map(([s, t, b]) => [s, t, [...b]]))],
    )) as number[][];
    for (const [i, [src, to, bytes]] of CASES.entries()) {
      const mem = new MemoryFile();
      const w = NpyAppendArraySync.open(mem, { dtype: to, casting: "unsafe" });
      w.append({ data: bytes, shape: [2], dtype: src });
      w.close();
      const out = mem.bytes();
      assert.deepEqual(
        [...out.subarray(parseHeader(out).headerLength)],
        want[i],
        `${src} -> ${to}`,
      );
    }
  },
);
