/**
 * Stop 27 (h5): `to-csv` writes each float as NumPy's `str()` of its
 * scalar (`repr` in NumPy 1.24), in NumPy's style, not JavaScript's:
 * `16777216.0` (JS `16777216`), `1e+16` (JS `10000000000000000`),
 * `1e-05` (JS `0.00001`), `1.5e-07` (JS `1.5e-7`), `0.0`; positional from
 * 1e-4 to 1e16 of the value itself (float32 0.0001 is `1e-04`, its value
 * being below 1e-4), scientific outside. Complex numbers are NumPy's
 * `str()` without the parentheses (`16777216+0j`, `2j` for a real part of
 * +0). Checked value by value against NumPy for f8, f4, f2, c16 and c8
 * (special values, subnormals, the edges of the positional range, random
 * bits), and read back bit for bit by `np.loadtxt` and by `from-csv`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const MAKE = `
import sys, numpy as np, warnings
warnings.simplefilter("ignore")
vals = [16777216, 1.0, 0.5, 1e16, 9999999999999998, 1e15, 1e-4, 1e-5,
        1.5e-7, 1e21, 123456789012345678, float("nan"), float("inf"),
        float("-inf"), -0.0, 0.0, 5e-324, 1e300, 0.1, -2.5e-310, 3.4e38,
        65504, 6e-8, 0.00010001, 0.99999e-4, 1e-4 * (1 + 2**-52), 1e22]
rng = np.random.default_rng(27)
bits = rng.integers(0, 2**64, 2000, dtype=np.uint64).view(np.float64)
spread = rng.standard_normal(500) * 10.0 ** rng.integers(-30, 30, 500)
a = np.concatenate([np.array(vals), bits[np.isfinite(bits)], spread])
half = len(a) // 2
c = np.concatenate([a[:half] + 1j * a[half:2 * half],
    [2j, complex(-0.0, 0.0), complex(-0.0, -0.0), complex(0, float("nan")),
     complex(1, float("-inf")), complex(float("nan"), 0), 16777216 + 0j]])
for dt in sys.argv[2:]:
    np.save(f"{sys.argv[1]}/{dt}.npy", (c if dt[0] == "c" else a).astype(dt))
`;

const NUMPY_TEXT = `
import sys, json, numpy as np
a = np.load(sys.argv[1])
t = [str(x) for x in a]
print(json.dumps([s[1:-1] if s.startswith("(") else s for s in t]))
`;

const SAME_BITS = `
import sys, numpy as np
a = np.load(sys.argv[1])
b = np.loadtxt(sys.argv[2], dtype=a.dtype, delimiter=",", ndmin=1)
c = np.load(sys.argv[3])
print(a.tobytes() == b.tobytes() and a.tobytes() == c.tobytes() and a.dtype == c.dtype)
`;

const DTYPES = ["<f8", "<f4", "<f2", "<c16", "<c8"];

test(
  "to-csv writes floats and complex numbers as NumPy's str() of the scalar",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(MAKE, [dir, ...DTYPES]);
    for (const dt of DTYPES) {
      const src = join(dir, `${dt}.npy`);
      const want = JSON.parse(runPython(NUMPY_TEXT, [src])) as string[];
      const csv = join(dir, `${dt}.csv`);
      const r = cli(["to-csv", "--no-progress", src, csv]);
      assert.equal(r.code, 0, r.stderr);
      const got = runPython(
        "import sys; print(open(sys.argv[1]).read(), end='')",
        [csv],
      ).split("\n").slice(0, -1);
      assert.equal(got.length, want.length);
      const bad = got.flatMap((g, i) => g === want[i] ? [] : [[g, want[i]]]);
      assert.deepEqual(bad.slice(0, 10), [], `${dt}: ${bad.length} differ`);
      // Read back bit for bit by NumPy and by from-csv.
      const back = join(dir, `${dt}.back.npy`);
      const f = cli([
        "from-csv",
        "--no-progress",
        "--dtype",
        dt,
        csv,
        back,
      ]);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(runPython(SAME_BITS, [src, csv, back]).trim(), "True", dt);
    }
  },
);

test(
  "to-csv's style at the edges, as NumPy prints them",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const src = join(dir, "edges.npy");
    runPython(
      "import sys, numpy as np; np.save(sys.argv[1], np.array([16777216, 1e16, 1e-5, 1.5e-7, 0, -0.0, 1e21], '<f8'))",
      [src],
    );
    const r = cli(["to-csv", "--no-progress", src]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "16777216.0\n1e+16\n1e-05\n1.5e-07\n0.0\n-0.0\n1e+21\n",
    );
  },
);
