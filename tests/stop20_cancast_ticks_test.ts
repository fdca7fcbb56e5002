/**
 * canCast between datetime/timedelta units against np.can_cast: a unit
 * factor past 2^53 but under NumPy's 2^56 (minutes to femtoseconds) and
 * units of equal ticks by a metric prefix (1000 ms and s) that NumPy casts
 * under "no". Also that a writer appending M8[1000ms] to an M8[s] file
 * under casting "no" writes NumPy's values.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  canCast,
  MemoryFile,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { CASTING_MODES } from "../src/casting.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const UNITS = [
  "Y",
  "M",
  "W",
  "D",
  "h",
  "m",
  "s",
  "ms",
  "us",
  "ns",
  "ps",
  "fs",
  "as",
];
const EXTRA = [
  "1000ms",
  "1000000us",
  "2000ms",
  "2s",
  "1000ns",
  "3000us",
  "3ms",
  "1000000000ps",

  "60s",
  "24h",
  "7D",
  "12M",
];

test(
  "canCast between time units equals np.can_cast (factors near 2^56, metric prefixes)",
  numpyTestOptions(),
  () => {
    const types: string[] = [];
    for (const k of ["M", "m"]) {
      for (const u of [...UNITS, ...EXTRA]) types.push(`<${k}8[${u}]`);
      types.push(`>${k}8[s]`, `>${k}8[1000ms]`);
    }
    const np = JSON.parse(runPython(
      `import sys, json, numpy as np
t = json.loads(sys.argv[1]); m = json.loads(sys.argv[2])
print(json.dumps([[[bool(np.can_cast(a, b, c)) for c in m] for b in t] for a in t]))`,
      [JSON.stringify(types), JSON.stringify(CASTING_MODES)],
    )) as boolean[][][];
    const bad: string[] = [];
    types.forEach((a, i) =>
      types.forEach((b, j) =>
        CASTING_MODES.forEach((c, k) => {
          if (canCast(a, b, c) !== np[i]![j]![k]) {
            bad.push(`${a} -> ${b} ${c}: NumPy ${np[i]![j]![k]}`);
          }
        })
      )
    );
    assert.deepEqual(bad, []);
  },
);

test(
  "M8[1000ms] rows append to an M8[s] file under casting 'no' with NumPy's values",
  numpyTestOptions(),
  () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<M8[s]", casting: "no" });
    w.append({
      dtype: "<M8[1000ms]",
      shape: [2],
      data: new BigInt64Array([5n, -7n]),
    });
    w.close();
    const got = readNpySync(file);
    assert.deepEqual([...(got.data as BigInt64Array)], [5n, -7n]);
  },
);
