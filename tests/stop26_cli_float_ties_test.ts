/**
 * Stop 26 (h1): `to-csv` writes float16 and float32 values (and complex64
 * parts) with NumPy's digits. The CLI's formatter took the nearest decimal
 * of each length from `toExponential`, which rounds a tie half up where
 * NumPy's Dragon4 rounds it to the even digit (float16 2**-7 = 0.0078125 as
 * 0.007813, NumPy 0.007812). Now the digits come from the exact decimal
 * expansion: for all 65,536 float16 patterns and a broad float32 sample
 * (every power of two, small integers times powers of two, random bits)
 * the CSV text is the decimal NumPy's `str` prints (the text may differ in
 * style only: `1e+20` for NumPy's `1e+20`, `16777216` for `16777216.0`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const MAKE = `
import sys, numpy as np
f2 = np.arange(65536, dtype=np.uint16).view("<f2")
k = np.arange(-149, 128, dtype=np.float64)
p4 = np.exp2(k).astype("<f4")
m = np.arange(1, 64, dtype=np.float64)[:, None] * np.exp2(np.arange(-150, 120, 3))[None, :]
m = m.ravel(); m = m[(m >= 2.0 ** -149) & (m < 3.4e38)].astype("<f4")
r = np.frombuffer(np.random.default_rng(26).bytes(4 * 60000), "<f4")
f4 = np.concatenate([p4, -p4, m, -m, r])
f4 = f4[np.isfinite(f4)]
np.save(sys.argv[1], f2[np.isfinite(f2)])
np.save(sys.argv[2], f4)
np.save(sys.argv[3], (f4[:4000] + 1j * f4[4000:8000]).astype("<c8"))
`;

const NUMPY_TEXT = `
import sys, json, numpy as np
a = np.load(sys.argv[1]).ravel()
if a.dtype.kind == "c":
    a = np.stack([a.real, a.imag], axis=1).ravel()
print(json.dumps([str(x) for x in a]))
`;

test(
  "to-csv writes float16, float32 and complex64 with NumPy's digits (ties to even)",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const files = ["f2.npy", "f4.npy", "c8.npy"].map((n) => join(dir, n));
    runPython(MAKE, files);
    for (const src of files) {
      const want = (JSON.parse(runPython(NUMPY_TEXT, [src])) as string[]).map(
        Number,
      );
      const r = cli(["to-csv", "--no-progress", src]);
      assert.equal(r.code, 0, r.stderr);
      const got = r.stdout.trim().split("\n").flatMap((line) => {
        if (!src.endsWith("c8.npy")) return [line];
        // "1e-45+6.606857e-20j": the sign not after an "e" splits it.
        const m = /^(.+?)([+-][^+-]+)j$/.exec(
          line.replace(/e([+-])/g, (_, s) => (s === "-" ? "eM" : "eP")),
        );
        assert.ok(m, line);
        return [m[1]!, m[2]!].map((t) =>
          t.replace(/eM/g, "e-").replace(/eP/g, "e+")
        );
      });
      assert.equal(got.length, want.length);
      const bad = got.flatMap((g, i) =>
        Object.is(Number(g), want[i]!) ? [] : [[g, want[i]]]
      );
      assert.deepEqual(bad.slice(0, 10), [], `${src}: ${bad.length} differ`);
    }
  },
);
