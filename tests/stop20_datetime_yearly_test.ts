/**
 * Stop 20 (h1): datetimes between years and months with a multiple, at the
 * ends of int64, as NumPy 1.24's `astype`. NumPy casts a datetime in years
 * or months through its calendar struct (not a reduced factor, as for
 * timedeltas): the source multiple applied in int64, years times 12 in
 * int64, then its floor `(m - n + 1) / n` by the target multiple, each
 * wrapping. We used the reduced factor (`3M` to `Y` as a quarter), so
 * `M8[3M]` holding 2**62 became year 2**60 where NumPy says
 * -384307168202282326, and `M8[M]` to `M8[12M]` at -(2**63) + 1 differed
 * in sign. Below "unsafe" a value NumPy would wrap is refused.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const PAIRS: [string, string][] = [
  ["M8[3M]", "M8[Y]"],
  ["M8[2Y]", "M8[3M]"],
  ["M8[3M]", "M8[2Y]"],
  ["M8[5M]", "M8[7M]"],
  ["M8[Y]", "M8[M]"],
  ["M8[7Y]", "M8[Y]"],
  ["M8[M]", "M8[12M]"],
  ["m8[2Y]", "m8[3M]"],
  ["m8[5M]", "m8[7M]"],
];
const SMALL = [0n, 1n, -1n, -7n, 13n, -13n, 123456789012n, -123456789012n];
const EDGE = [2n ** 62n, -(2n ** 62n) - 5n, 2n ** 63n - 1n, -(2n ** 63n) + 1n];
const NAT = -(2n ** 63n);

function ours(
  from: string,
  to: string,
  ticks: bigint[],
  casting: "unsafe" | "same_kind",
): string[] {
  const mem = new MemoryFile();
  const w = NpyAppendArraySync.open(mem, { dtype: `<${to}`, casting });
  w.append({
    data: new BigInt64Array(ticks),
    shape: [ticks.length],
    dtype: `<${from}`,
  });
  w.close();
  const bytes = mem.bytes();
  const data = bytes.slice(parseHeader(bytes).headerLength);
  return [...new BigInt64Array(data.buffer)].map(String);
}

test(
  "years and months between datetimes wrap as NumPy's astype",
  numpyTestOptions(),
  () => {
    const ticks = [...SMALL, ...EDGE, NAT];
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
pairs = json.loads(sys.argv[1]); ticks = [int(t) for t in json.loads(sys.argv[2])]
print(json.dumps([[str(x) for x in np.array(ticks, "i8").view("<" + a).astype("<" + b, casting="unsafe").view("i8")] for a, b in pairs]))`,
      [JSON.stringify(PAIRS), JSON.stringify(ticks.map(String))],
    )) as string[][];
    for (const [i, [from, to]] of PAIRS.entries()) {
      assert.deepEqual(
        ours(from, to, ticks, "unsafe"),
        want[i],
        `${from} -> ${to}`,
      );
      // Below unsafe: values that do not wrap are NumPy's too.
      assert.deepEqual(
        ours(from, to, SMALL, "same_kind"),
        want[i]!.slice(0, SMALL.length),
        `${from} -> ${to} (same_kind)`,
      );
    }
    assert.throws(
      () => ours("M8[3M]", "M8[Y]", [2n ** 62n], "same_kind"),
      (e) => e instanceof RangeError && /does not fit 64 bits/.test(e.message),
    );
  },
);
