/**
 * Stop 21 (h6): a stack `info` pickled by Python 2 (Dask ran on Python 2
 * until 2019). Python 2 writes its `str` (every key, the dtype's
 * typestr, byte order and datetime unit) with the opcodes `STRING` (`S`,
 * protocol 0), `SHORT_BINSTRING` (`U`) and `BINSTRING` (`T`, protocols 1
 * and 2); Python 3's `pickle.load`, which Dask's `from_npy_stack` calls,
 * reads them as ASCII `str`. The readers refused all three ("opcode 0x55
 * ... is not supported"), so such a stack could not be read or continued.
 * A byte past ASCII fails in `pickle.load` (Dask cannot read it either)
 * and stays refused, naming the byte.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStackSync } from "../mod.ts";
import { NpyFormatError } from "../src/errors.ts";
import { descrValue, parseDType } from "../src/dtype.ts";
import { pyRepr } from "../src/py_literal.ts";
import { unpickleStackInfo } from "../src/_pickle.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/**
 * Python 3's pure-Python pickler, writing `str` and `bytes` as Python 2
 * wrote its `str`; it makes stacks with Dask and rewrites their `info`.
 */
const MAKE = `
import sys, json, pickle, struct, numpy as np, dask.array as da
class P2(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()
    def save_py2(self, obj):
        b = obj if isinstance(obj, bytes) else obj.encode('latin1')
        if self.proto >= 1:
            self.write(b'U' + bytes([len(b)]) + b if len(b) < 256 else b'T' + struct.pack('<i', len(b)) + b)
        else:
            self.write(b'S' + repr(b)[1:].encode('ascii') + b'\\n')
        self.memoize(obj)
    dispatch[str] = save_py2
    dispatch[bytes] = save_py2
base, cases = sys.argv[1], json.loads(sys.argv[2])
out = []
for k, (expr, proto) in enumerate(cases):
    d = f'{base}/{k}'
    x = np.zeros(7, dtype=eval(expr))
    if 'U' not in expr: x.view('u1')[:] = np.arange(x.nbytes) % 251
    da.to_npy_stack(d, da.from_array(x, chunks=((3, 4),)))
    info = pickle.load(open(d + '/info', 'rb'))
    if proto == 'long':
        info['x' * 300] = 1
        proto = 2
    with open(d + '/info', 'wb') as f:
        P2(f, proto).dump(info)
    y = da.from_npy_stack(d).compute()
    assert y.dtype == x.dtype and y.tobytes() == x.tobytes(), (expr, proto)
    out.append(repr(np.lib.format.dtype_to_descr(x.dtype)))
print(json.dumps(out))
`;

const CASES: [string, number | string][] = [
  ["'<f8'", 0],
  ["'<f8'", 1],
  ["'<f8'", 2],
  ["'>i4'", 0],
  ["'<M8[ns]'", 0],
  ["'<M8[ns]'", 2],
  ["'>m8[10s]'", 2],
  ["'<M8[D]'", 1],
  ["'S3'", 0],
  ["'<U2'", 2],
  ["[('a', '<i4'), ('b', '>f8'), ('t', '<M8[us]')]", 0],
  ["[('a', '<i4'), ('b', '>f8'), ('t', '<M8[us]')]", 2],
  ["[(('title A', 'a'), '<i2'), ('s', '<u1', (2,))]", 2],
  ["'<f4'", "long"],
  // Field names that py2's repr escapes: \\', \\t, \\x01, \\\\.
  [`[("a'b\\"c\\t\\x01\\\\", '<i4'), ('d', '<u2')]`, 0],
];

test(
  "an info pickled by Python 2 (protocols 0, 1, 2) is read as Dask reads it",
  numpyTestOptions(),
  () => {
    const base = tempDir();
    const want = JSON.parse(
      runPython(MAKE, [base, JSON.stringify(CASES)]),
    ) as string[];
    CASES.forEach(([expr, proto], k) => {
      const dir = join(base, String(k));
      const s = readNpyStackSync(dir);
      assert.deepEqual(s.shape, [7], `${expr} ${proto}`);
      assert.equal(
        pyRepr(descrValue(parseDType(s.dtype))),
        want[k],
        `${expr} at protocol ${proto}`,
      );
      // What the info says, not only what the shards say.
      const info = unpickleStackInfo(readFileSync(join(dir, "info")), "info");
      assert.equal(pyRepr(descrValue(info.dtype!)), want[k]);
      assert.deepEqual(info.chunks, [[3, 4]]);
    });
  },
);

test(
  "a stack whose info Python 2 wrote is continued, and Dask reads it",
  numpyTestOptions(),
  () => {
    const base = tempDir();
    runPython(MAKE, [base, JSON.stringify([["'<M8[s]'", 0]])]);
    const dir = join(base, "0");
    {
      using w = NpyStackWriterSync.open(dir);
      assert.equal(w.dtype, "<M8[s]");
      w.append(new BigInt64Array([10n, 11n]));
    }
    const out = runPython(
      "import sys, pickle, dask.array as da; x = da.from_npy_stack(sys.argv[1]).compute(); print(x.dtype, x.view('i8').tolist()[-2:], pickle.load(open(sys.argv[1] + '/info', 'rb'))['chunks'])",
      [dir],
    );
    assert.equal(out.trim(), "datetime64[s] [10, 11] ((3, 4, 2),)");
  },
);

test(
  "a Python 2 str past ASCII is refused, as pickle.load refuses it",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { dtype: "<f8" });
    w.append(new Float64Array([1, 2]));
    w.close();
    const info = Buffer.from(readFileSync(join(dir, "info")));
    // A py2 str key "\xe9" (one byte past ASCII) beside the others.
    const bad = Buffer.concat([
      info.subarray(0, 3),
      Buffer.from([0x55, 1, 0xe9, 0x4b, 1, 0x73]), // U "\xe9" K 1 SETITEM
      info.subarray(3),
    ]);
    writeFileSync(join(dir, "info"), bad);
    const py = runPython(
      "import sys, pickle\ntry:\n  pickle.load(open(sys.argv[1], 'rb')); print('read')\nexcept UnicodeDecodeError: print('refused')",
      [join(dir, "info")],
    );
    assert.equal(py.trim(), "refused");
    assert.throws(
      () => readNpyStackSync(dir),
      (e) =>
        e instanceof NpyFormatError && /not ASCII/.test(e.message) &&
        e.message.includes(join(dir, "info")),
    );
  },
);
