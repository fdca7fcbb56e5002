/**
 * Stop 20 (h1): times with a unit multiple (or weeks) into text, at the
 * ends of int64, as NumPy 1.24's `astype` writes them. NumPy multiplies a
 * tick by the unit's multiple (and weeks by 7) in int64, wrapping around:
 * `M8[10ms]` holding 2**63 - 1 is `"1969-12-31T23:59:59.990"` (the product
 * wraps to -10 ms), `m8[7D]` holding it `"9223372036854775801 d"`. We
 * multiplied exactly, writing a date of year 2922772216 and a timedelta of
 * 20 digits. Its dates count days from 2000-01-01 in int64 and years
 * from 1970 in int64, so `M8[D]` within 10957 days of the least int64 and
 * `M8[Y]` near the greatest wrap too.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const UNITS = [
  "M8[10ms]",
  "M8[25us]",
  "M8[7D]",
  "M8[W]",
  "M8[3M]",
  "M8[2Y]",
  "M8[h]",
  "M8[as]",
  "M8[D]",
  "M8[M]",
  "M8[Y]",
  "m8[10ms]",
  "m8[7D]",
  "m8[W]",
  "m8[3M]",
  "m8[2Y]",
  "m8[as]",
];
const TICKS = [
  0n,
  1n,
  -7n,
  -123456789012n,
  2n ** 63n - 1n,
  -(2n ** 63n) + 1n,
  -(2n ** 63n) + 5n,
  2n ** 62n,
  -(2n ** 62n) - 5n,
  -(2n ** 63n),
];

test(
  "times of a unit multiple into U and S wrap as NumPy's astype",
  numpyTestOptions(),
  () => {
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
units = json.loads(sys.argv[1]); ticks = [int(t) for t in json.loads(sys.argv[2])]
print(json.dumps({u + t: list(np.array(ticks, "i8").view("<" + u).astype(t).tobytes()) for u in units for t in ["<U40", "|S40"]}))`,
      [JSON.stringify(UNITS), JSON.stringify(TICKS.map(String))],
    )) as Record<string, number[]>;
    for (const unit of UNITS) {
      for (const target of ["<U40", "|S40"]) {
        const mem = new MemoryFile();
        const w = NpyAppendArraySync.open(mem, {
          dtype: target,
          casting: "unsafe",
        });
        w.append({
          data: new BigInt64Array(TICKS),
          shape: [TICKS.length],
          dtype: `<${unit}`,
        });
        w.close();
        const bytes = mem.bytes();
        assert.deepEqual(
          [...bytes.subarray(parseHeader(bytes).headerLength)],
          want[unit + target],
          `${unit} -> ${target}`,
        );
      }
    }
  },
);
