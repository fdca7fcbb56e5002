/**
 * Stop 20 (h5): a stack `info` that Python pickled at any protocol, 0 to
 * 5, with the chunks as tuples or as lists. Dask's `from_npy_stack` reads
 * them all (it calls `pickle.load`); the readers refused protocols 0 and 1
 * ("opcode 0x64 ... is not supported": their text opcodes `d`, `I`, `V`,
 * `p`, `g`, ...) and chunks given as lists, so a stack whose `info` a
 * user rewrote with `pickle.dump(info, f, 0)` could not be read or
 * continued. Every protocol now reads as protocol 2 does, for dtypes with
 * fields, titles, sub-arrays, datetimes, unicode names and big-endian
 * items; a writer continuing such a stack rewrites `info` as protocol 2.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStackSync } from "../mod.ts";
import { descrValue } from "../src/dtype.ts";
import { pyRepr } from "../src/py_literal.ts";
import { unpickleStackInfo } from "../src/_pickle.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const DTYPES = [
  "'<f8'",
  "'>i8'",
  "'?'",
  "'<U5'",
  "'>U3'",
  "'S4'",
  "'<M8[ns]'",
  "'<m8[10s]'",
  "'>c8'",
  "'<f2'",
  "'V7'",
  "[('a', '<i4'), ('b', '>f8'), ('c', 'U2')]",
  "[('a', '<i4', (2, 3)), ('b', '?')]",
  "[('p', [('x', '<f4'), ('y', '<f4')]), ('t', '<M8[us]')]",
  "[(('title A', 'a'), '<i4'), ('é\\\\u20ac', '<u1')]",
  "{'names': ['a', 'b'], 'formats': ['<i2', '<i8'], 'offsets': [0, 8], 'itemsize': 24}",
];

const PICKLES = `
import sys, json, pickle, numpy as np
out = []
for expr in json.loads(sys.argv[1]):
    info = {'chunks': ((4, 4, 2),), 'dtype': np.dtype(eval(expr)), 'axis': 0}
    lists = dict(info, chunks=[[4, 4, 2]])
    out.append([pickle.dumps(info, protocol=p).hex() for p in range(6)] + [pickle.dumps(lists, protocol=p).hex() for p in (0, 2, 4)])
print(json.dumps(out))
`;

function summary(bytes: Uint8Array): string {
  const info = unpickleStackInfo(bytes, "info");
  assert.ok(info.dtype !== undefined);
  return `${JSON.stringify(info.chunks)} ${info.axis} ${
    pyRepr(descrValue(info.dtype))
  }`;
}

test(
  "an info pickled at protocols 0 to 5, chunks as tuples or lists, reads as protocol 2",
  numpyTestOptions(),
  () => {
    const all = JSON.parse(
      runPython(PICKLES, [JSON.stringify(DTYPES)]),
    ) as string[][];
    all.forEach((hexes, d) => {
      const want = summary(Uint8Array.from(Buffer.from(hexes[2]!, "hex")));
      hexes.forEach((hex, k) => {
        const got = summary(Uint8Array.from(Buffer.from(hex, "hex")));
        assert.equal(got, want, `${DTYPES[d]}, pickle ${k}`);
      });
    });
  },
);

test(
  "a stack whose info Python rewrote at protocol 0 is read, continued, and read by Dask",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
    w.append(Int32Array.from({ length: 10 }, (_, i) => i));
    w.close();
    runPython(
      "import sys, pickle; p = sys.argv[1] + '/info'; i = pickle.load(open(p, 'rb')); i['chunks'] = [list(c) for c in i['chunks']]; pickle.dump(i, open(p, 'wb'), 0)",
      [dir],
    );
    assert.equal(readFileSync(join(dir, "info"))[0], 0x28); // MARK: protocol 0
    assert.deepEqual(
      [...readNpyStackSync(dir).data as Int32Array],
      Array.from({ length: 10 }, (_, i) => i),
    );
    {
      using s = NpyStackWriterSync.open(dir);
      s.append([10, 11]);
    }
    const out = runPython(
      "import sys, pickle, dask.array as da; x = da.from_npy_stack(sys.argv[1]).compute(); print(x.tolist(), pickle.load(open(sys.argv[1] + '/info', 'rb'))['chunks'])",
      [dir],
    );
    assert.equal(
      out.trim(),
      "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] ((4, 4, 2, 2),)",
    );
  },
);

test(
  "a protocol-0 info holding a str of 2,000,000 characters (an extra key) is read, as Dask reads it",
  numpyTestOptions(),
  () => {
    // Its UNICODE line was spread into one call's arguments: "Maximum call
    // stack size exceeded", the stack refused as damaged.
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    w.append(new Float64Array([1, 2, 3]));
    w.close();
    runPython(
      "import sys, pickle; p = sys.argv[1] + '/info'; i = pickle.load(open(p, 'rb')); i['é' * 2_000_000] = 1; pickle.dump(i, open(p, 'wb'), 0)",
      [dir],
    );
    assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
      1,
      2,
      3,
    ]);
    const out = runPython(
      "import sys, dask.array as da; print(da.from_npy_stack(sys.argv[1]).compute().tolist())",
      [dir],
    );
    assert.equal(out.trim(), "[1.0, 2.0, 3.0]");
  },
);
