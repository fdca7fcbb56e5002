/**
 * Files written by the library, for every input form, dtype, order and
 * option, are compared byte for byte with what NumPy's `np.save` writes for
 * `np.concatenate` of the same inputs, and loaded back by NumPy.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type ArrayInput,
  MemoryFile,
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

interface Case {
  name: string;
  options?: NpyAppendArrayOptions;
  appends: ArrayInput[];
  /** Python expression of the expected array (numpy as np). */
  expect: string;
  async?: boolean;
  url?: boolean;
}

const F16 = (globalThis as unknown as {
  Float16Array?: new (v: number[]) => ArrayLike<number>;
}).Float16Array;

const cases: Case[] = [
  {
    name: "seed example, int64",
    options: { dtype: "<i8" },
    appends: [[[1, 2], [3, 4]], [[1, 2], [3, 4], [5, 6]], [[1, 2], [3, 4], [
      5,
      6,
    ]]],
    expect:
      "np.array([[1,2],[3,4],[1,2],[3,4],[5,6],[1,2],[3,4],[5,6]], dtype='<i8')",
  },
  {
    name: "plain numbers infer float64",
    appends: [[[1, 2], [3, 4]], { data: [5, 6], shape: [1, 2] }],
    expect: "np.array([[1,2],[3,4],[5,6]], dtype='<f8')",
  },
  {
    name: "booleans infer b1",
    appends: [[true, false], [false]],
    expect: "np.array([True, False, False])",
  },
  {
    name: "bigints infer i8",
    appends: [[1n, -(2n ** 63n)], [2n ** 63n - 1n]],
    expect: "np.array([1, -2**63, 2**63-1], dtype='<i8')",
  },
  {
    name: "strings infer U",
    appends: [["a", "é😀x"]],
    expect: "np.array(['a', 'é😀x'], dtype='<U3')",
  },
  {
    name: "Int8Array",
    appends: [new Int8Array([-128, 127]), new Int8Array([0])],
    expect: "np.array([-128, 127, 0], dtype='i1')",
  },
  {
    name: "Uint8Array",
    appends: [new Uint8Array([0, 255])],
    expect: "np.array([0, 255], dtype='u1')",
  },
  {
    name: "Uint8ClampedArray",
    appends: [new Uint8ClampedArray([1, 2])],
    expect: "np.array([1, 2], dtype='u1')",
  },
  {
    name: "Int16Array and Uint16Array",
    appends: [new Int16Array([-32768, 32767])],
    expect: "np.array([-32768, 32767], dtype='<i2')",
  },
  {
    name: "Uint16Array",
    appends: [new Uint16Array([65535])],
    expect: "np.array([65535], dtype='<u2')",
  },
  {
    name: "Int32Array",
    appends: [new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
    expect: "np.array([-2**31, 2**31-1], dtype='<i4')",
  },
  {
    name: "Uint32Array",
    appends: [new Uint32Array([2 ** 32 - 1])],
    expect: "np.array([2**32-1], dtype='<u4')",
  },
  {
    name: "BigInt64Array and BigUint64Array",
    appends: [new BigUint64Array([2n ** 64n - 1n, 0n])],
    expect: "np.array([2**64-1, 0], dtype='<u8')",
  },
  {
    name: "Float32Array",
    appends: [new Float32Array([1.5, -0, Infinity, NaN])],
    expect: "np.array([1.5, -0.0, np.inf, np.nan], dtype='<f4')",
  },
  {
    name: "Float64Array 2-d with shape",
    appends: [{ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }],
    expect: "np.arange(1, 7, dtype='<f8').reshape(2, 3)",
  },
  {
    name: "float16 from numbers",
    options: { dtype: "<f2" },
    appends: [[0.1, 65504, 1e-7, -2.5, 70000 - 5000]],
    expect: "np.array([0.1, 65504, 1e-7, -2.5, 65000], dtype='<f2')",
  },
  ...(F16
    ? [{
      name: "Float16Array",
      appends: [new F16([1, 0.5, -3]) as unknown as ArrayInput],
      expect: "np.array([1, 0.5, -3], dtype='<f2')",
    }]
    : []),
  {
    name: "float16 raw bits with declared dtype",
    options: { dtype: "<f2" },
    appends: [{
      data: new Uint16Array([0x3c00, 0xc000]),
      shape: [2],
      dtype: "<f2",
    }],
    expect: "np.array([1, -2], dtype='<f2')",
  },
  {
    name: "complex128 interleaved typed array",
    options: { dtype: "<c16" },
    appends: [new Float64Array([1, 2, 3, -4])],
    expect: "np.array([1+2j, 3-4j], dtype='<c16')",
  },
  {
    name: "complex64 from re/im objects and numbers",
    options: { dtype: "complex64" },
    appends: [[{ re: 1, im: -1 }, 2]],
    expect: "np.array([1-1j, 2+0j], dtype='<c8')",
  },
  {
    name: "complex 2-d interleaved data",
    options: { dtype: ">c8" },
    appends: [{
      data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]),
      shape: [2, 2],
    }],
    expect: "np.array([[1+2j, 3+4j], [5+6j, 7+8j]], dtype='>c8')",
  },
  {
    name: "byte strings S",
    options: { dtype: "S3" },
    appends: [["ab", new Uint8Array([0xff, 0, 1]), ""]],
    expect: "np.array([b'ab', b'\\xff\\x00\\x01', b''], dtype='S3')",
  },
  {
    name: "unicode U with explicit size, big endian",
    options: { dtype: ">U4" },
    appends: [["", "abcd"], ["名"]],
    expect: "np.array(['', 'abcd', '名'], dtype='>U4')",
  },
  {
    name: "datetime64[ns] from BigInt64Array",
    options: { dtype: "<M8[ns]" },
    appends: [new BigInt64Array([0n, 1700000000000000000n, -(2n ** 63n)])],
    expect:
      "np.array([0, 1700000000000000000, -2**63], dtype='<i8').view('<M8[ns]')",
  },
  {
    name: "timedelta64[s] from numbers",
    options: { dtype: "m8[s]" },
    appends: [[1, -5]],
    expect: "np.array([1, -5], dtype='<m8[s]')",
  },
  {
    name: "void V4 from bytes",
    options: { dtype: "V4" },
    appends: [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])],
    expect: "np.frombuffer(bytes([1,2,3,4,5,6,7,8]), dtype='V4')",
  },
  {
    name: "structured records",
    options: { dtype: "[('a', '<f4'), ('b', '<i8', (2,))]" },
    appends: [[{ a: 1.5, b: [1, 2] }], [{ a: -1, b: [3n, 4n] }, {
      a: 0,
      b: [5, 6],
    }]],
    expect:
      "np.array([(1.5, [1, 2]), (-1, [3, 4]), (0, [5, 6])], dtype=[('a', '<f4'), ('b', '<i8', (2,))])",
  },
  {
    name: "structured nested with padding and big endian fields",
    options: {
      dtype:
        "[('p', [('x', '>i4'), ('y', '<u2')]), ('', '|V2'), ('t', '>f8'), ('s', '<U2', (2, 2))]",
    },
    appends: [[{ p: { x: -1, y: 7 }, t: 2.5, s: [["a", "b"], ["c", "dd"]] }]],
    expect:
      "np.array([((-1, 7), 2.5, [['a','b'],['c','dd']])], dtype=np.dtype({'names': ['p', 't', 's'], 'formats': [np.dtype([('x', '>i4'), ('y', '<u2')]), '>f8', ('<U2', (2, 2))], 'offsets': [0, 8, 16], 'itemsize': 48}))",
  },
  {
    name: "structured from raw bytes",
    options: { dtype: [["a", "u1"], ["b", "<u2"]] },
    appends: [new Uint8Array([1, 2, 0, 3, 4, 0])],
    expect: "np.array([(1, 2), (3, 4)], dtype=[('a', 'u1'), ('b', '<u2')])",
  },
  {
    name: "Fortran file from C-order nested arrays",
    options: { fortranOrder: true, dtype: "<i4" },
    appends: [[[1, 2], [3, 4]], [[5], [6]]],
    expect: "np.asfortranarray(np.array([[1, 2, 5], [3, 4, 6]], dtype='<i4'))",
  },
  {
    name: "Fortran file from Fortran-order data, 3-d",
    options: { fortranOrder: true, dtype: "<f8" },
    appends: [
      {
        data: Array.from({ length: 12 }, (_, i) => i),
        shape: [2, 3, 2],
        fortranOrder: true,
      },
      {
        data: [100, 101, 102, 103, 104, 105],
        shape: [2, 3, 1],
        fortranOrder: true,
      },
    ],
    expect:
      "np.asfortranarray(np.concatenate([np.arange(12.).reshape((2,3,2), order='F'), np.arange(100., 106.).reshape((2,3,1), order='F')], axis=2))",
  },
  {
    name: "C file from Fortran-order data, 4-d",
    appends: [{
      data: new Float32Array(Array.from({ length: 24 }, (_, i) => i)),
      shape: [2, 3, 2, 2],
      fortranOrder: true,
    }],
    expect:
      "np.ascontiguousarray(np.arange(24, dtype='<f4').reshape((2,3,2,2), order='F'))",
  },
  {
    name: "big-endian file from typed arrays",
    options: { dtype: ">i4" },
    appends: [new Int32Array([1, -2]), [3]],
    expect: "np.array([1, -2, 3], dtype='>i4')",
  },
  {
    name: "casting same_kind float64 into float32",
    options: { dtype: "<f4" },
    appends: [new Float64Array([0.1, 1e30])],
    expect: "np.array([0.1, 1e30]).astype('<f4')",
  },
  {
    name: "casting safe int32 into float64",
    options: { dtype: "<f8", casting: "safe" },
    appends: [new Int32Array([7, -7])],
    expect: "np.array([7, -7], dtype='<f8')",
  },
  {
    name: "casting unsafe wraps integers like numpy",
    options: { dtype: "u1", casting: "unsafe" },
    appends: [new Int32Array([-1, 256, 300])],
    expect: "np.array([-1, 256, 300], dtype='<i4').astype('u1')",
  },
  {
    name: "bool file from 0/1 bytes",
    options: { dtype: "bool" },
    appends: [new Uint8Array([0, 1, 1])],
    expect: "np.array([False, True, True])",
  },
  {
    name: "scijs ndarray with strides (transposed view)",
    appends: [{
      data: new Float64Array([1, 2, 3, 4, 5, 6]),
      shape: [3, 2],
      stride: [1, 3],
      offset: 0,
      dtype: "float64",
    } as ArrayInput],
    expect: "np.array([[1, 2, 3], [4, 5, 6]], dtype='<f8').T.copy()",
  },
  {
    name: "tensor with dataSync",
    appends: [{
      shape: [2, 2],
      dtype: "int32",
      dataSync: () => new Int32Array([1, 2, 3, 4]),
    }],
    expect: "np.array([[1, 2], [3, 4]], dtype='<i4')",
  },
  {
    name: "empty first append creates an empty file, later appends grow it",
    appends: [{ data: [], shape: [0, 3] }, [[1, 2, 3]], {
      data: [],
      shape: [0, 3],
    }],
    expect: "np.array([[1, 2, 3]], dtype='<f8')",
  },
  {
    name: "only an empty append",
    options: { dtype: "<i2" },
    appends: [{ data: new Int16Array(0), shape: [0, 2] }],
    expect: "np.zeros((0, 2), dtype='<i2')",
  },
  {
    name: "no header rewrite until close",
    options: { rewriteHeaderOnAppend: false },
    appends: [[1, 2], [3], [4, 5, 6]],
    expect: "np.arange(1, 7, dtype='<f8')",
  },
  {
    name: "fsync",
    options: { fsync: true, dtype: "<u2" },
    appends: [[1], [2, 3]],
    expect: "np.array([1, 2, 3], dtype='<u2')",
  },
  {
    name: "async writer, appends not awaited",
    async: true,
    appends: Array.from({ length: 50 }, (_, i) => [[i, i * 2]]),
    expect: "np.array([[i, 2 * i] for i in range(50)], dtype='<f8')",
  },
  {
    name: "async writer on a file URL",
    async: true,
    url: true,
    options: { rewriteHeaderOnAppend: false },
    appends: [new Uint32Array([1, 2]), new Uint32Array([3])],
    expect: "np.array([1, 2, 3], dtype='<u4')",
  },
  {
    name: "growth past a digit boundary keeps the header length",
    options: { dtype: "<i2" },
    appends: [new Int16Array(9), new Int16Array(1), new Int16Array(90)],
    expect: "np.zeros(100, dtype='<i2')",
  },
];

test(
  "files written here equal np.save of np.concatenate, byte for byte",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    const checks: Array<{ name: string; path: string; expect: string }> = [];
    for (const [i, c] of cases.entries()) {
      const path = join(dir, `case_${i}.npy`);
      const target = c.url ? pathToFileURL(path) : path;
      if (c.async) {
        const npy = await NpyAppendArray.open(target, c.options);
        const pending = c.appends.map((a) => npy.append(a));
        await npy.close();
        await Promise.all(pending);
      } else {
        using npy = NpyAppendArraySync.open(target, c.options);
        for (const a of c.appends) npy.append(a);
      }
      checks.push({ name: c.name, path, expect: c.expect });
    }
    const specPath = join(dir, "spec.json");
    writeFileSync(specPath, JSON.stringify(checks));
    const out = runPython(
      `
import json, sys, io
import numpy as np
checks = json.load(open(sys.argv[1]))
bad = []
for c in checks:
    exp = eval(c["expect"])
    buf = io.BytesIO()
    np.save(buf, exp)
    got = open(c["path"], "rb").read()
    loaded = np.load(c["path"], mmap_mode="r")
    same_values = loaded.dtype == exp.dtype and loaded.shape == exp.shape and (
        np.array_equal(loaded, exp, equal_nan=True) if loaded.dtype.kind in "fc"
        else np.array_equal(loaded.view("<i8"), exp.view("<i8")) if loaded.dtype.kind in "Mm"
        else np.array_equal(loaded, exp))
    if got != buf.getvalue() or not same_values:
        bad.append({"name": c["name"], "got_header": got[:200].decode("latin1"),
                    "want_header": buf.getvalue()[:200].decode("latin1"),
                    "same_values": bool(same_values), "loaded": repr(np.asarray(loaded))[:300], "want": repr(exp)[:300]})
print(json.dumps(bad))
`,
      [specPath],
    );
    assert.deepEqual(JSON.parse(out), []);
  },
);

test("a MemoryFile holds the same bytes as a path", numpyTestOptions(), () => {
  const dir = tempDir();
  const path = join(dir, "a.npy");
  const mem = new MemoryFile();
  for (const target of [path, mem]) {
    using npy = NpyAppendArraySync.open(target, { dtype: "<f4" });
    npy.append([[1, 2, 3]]);
    npy.append([[4, 5, 6], [7, 8, 9]]);
  }
  assert.deepEqual(new Uint8Array(readFileSync(path)), mem.bytes());
});
