/**
 * float16 bits to and from numbers, against NumPy: every one of the 65536
 * bit patterns, and float64 values around every rounding boundary.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fromFloat16Bits, toFloat16Bits } from "../src/_float16.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const MAKE = `
import sys, os, warnings
import numpy as np
warnings.simplefilter("ignore")
out = sys.argv[1]
h = np.arange(65536, dtype='<u2').view('<f2')
h.astype('<f8').tofile(os.path.join(out, 'all.f8'))
# float64 values at, next to and between float16 values (rounding ties,
# subnormals, overflow to infinity), and random ones.
rng = np.random.default_rng(7)
fin = h[np.isfinite(h)].astype('<f8')
fin.sort()
mids = (fin[:-1] + fin[1:]) / 2
vals = np.concatenate([fin, mids, np.nextafter(mids, np.inf), np.nextafter(mids, -np.inf),
    [65504.0, 65519.99, 65520.0, 1e6, -1e6, 2.0**-25, 2.0**-25 * 1.0000001, 2.0**-26, 5e-324, -0.0],
    rng.normal(0, 1000, 5000), rng.normal(0, 1e-5, 5000)])
vals.astype('<f8').tofile(os.path.join(out, 'vals.f8'))
vals.astype('<f2').tofile(os.path.join(out, 'vals.f2'))
`;

test(
  "float16 <-> number matches NumPy on every bit pattern and rounding boundary",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(MAKE, [dir]);
    const all = new Float64Array(
      readFileSync(join(dir, "all.f8")).buffer.slice(0),
    );
    for (let bits = 0; bits < 65536; bits++) {
      const got = fromFloat16Bits(bits);
      if (Number.isNaN(all[bits]!)) {
        assert.ok(Number.isNaN(got), `bits ${bits}`);
      } else {assert.ok(
          Object.is(got, all[bits]),
          `bits ${bits}: ${got} vs ${all[bits]}`,
        );}
    }
    const vals = new Float64Array(
      readFileSync(join(dir, "vals.f8")).buffer.slice(0),
    );
    const want = new Uint16Array(
      readFileSync(join(dir, "vals.f2")).buffer.slice(0),
    );
    assert.ok(vals.length > 100000);
    for (let i = 0; i < vals.length; i++) {
      assert.equal(toFloat16Bits(vals[i]!), want[i], `value ${vals[i]}`);
    }
  },
);
