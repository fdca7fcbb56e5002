/**
 * dtype spellings and casting rules, checked against NumPy's own answers.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { canCast, type Casting, parseDType } from "../mod.ts";
import { CASTING_MODES } from "../src/casting.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const SPELLINGS = [
  "bool",
  "?",
  "b1",
  "int8",
  "i1",
  "uint8",
  "u1",
  "B",
  "b",
  "int16",
  "<i2",
  ">i2",
  "=i2",
  "uint16",
  "h",
  "H",
  "int32",
  "i4",
  "i",
  "I",
  "uint32",
  "int64",
  "i8",
  "q",
  "Q",
  "uint64",
  "u8",
  "float16",
  "f2",
  "e",
  ">f2",
  "float32",
  "f4",
  "f",
  "float64",
  "f8",
  "d",
  "float",
  "double",
  ">f8",
  "complex64",
  "c8",
  "F",
  "complex128",
  "c16",
  "D",
  ">c16",
  "complex",
  "U1",
  "<U8",
  ">U3",
  "S1",
  "S10",
  "|S4",
  "V8",
  "|V16",
  "M8[ns]",
  "datetime64[ms]",
  ">M8[D]",
  "m8[s]",
  "timedelta64[us]",
  "<m8[h]",
  "M8",
  "O",
  "object",
];

test(
  "parseDType spells every dtype as NumPy's dtype.str does",
  numpyTestOptions(),
  () => {
    const want = JSON.parse(runPython(
      "import json, sys, numpy as np; print(json.dumps([np.dtype(s).str for s in json.loads(sys.argv[1])]))",
      [JSON.stringify(SPELLINGS)],
    )) as string[];
    const got = SPELLINGS.map((s) => parseDType(s).str);
    assert.deepEqual(got, want);
  },
);

test("parseDType gives NumPy's itemsize", numpyTestOptions(), () => {
  const want = JSON.parse(runPython(
    "import json, sys, numpy as np; print(json.dumps([np.dtype(s).itemsize for s in json.loads(sys.argv[1])]))",
    [JSON.stringify(SPELLINGS)],
  )) as number[];
  assert.deepEqual(SPELLINGS.map((s) => parseDType(s).itemsize), want);
});

test(
  "structured descrs round-trip to NumPy's descr text",
  numpyTestOptions(),
  () => {
    const specs = [
      "[('a', '<f4'), ('b', '<i8', (2,))]",
      "[('p', [('x', '<i4'), ('y', '<i4')]), ('t', '<f8')]",
      "[('a', '|u1'), ('', '|V3'), ('b', '<i4'), ('', '|V4')]",
      "[(('title', 'n'), '>f8'), ('s', '<U3', (2, 3))]",
      "[('é', '<f2')]",
    ];
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
from numpy.lib.format import descr_to_dtype, dtype_to_descr
import ast
out = []
for s in json.loads(sys.argv[1]):
    dt = descr_to_dtype(ast.literal_eval(s))
    out.append([repr(dtype_to_descr(dt)), dt.itemsize])
print(json.dumps(out))`,
      [JSON.stringify(specs)],
    )) as Array<[string, number]>;
    for (const [i, s] of specs.entries()) {
      const dt = parseDType(s);
      assert.equal(dt.str, want[i]![0], s);
      assert.equal(dt.itemsize, want[i]![1], s);
    }
  },
);

test("unknown and unsupported dtypes are TypeErrors naming the dtype", () => {
  for (
    const bad of [
      "f16",
      "g",
      "c32",
      "i3",
      "x8",
      "U",
      "",
      "M8[fortnight]",
      "[('a', )]",
      "[('a', '<f4'), ('a', '<f4')]",
    ]
  ) {
    assert.throws(
      () => parseDType(bad),
      (e: Error) => e instanceof TypeError && e.message.includes("dtype"),
      bad,
    );
  }
});

const CAST_TYPES = [
  "|b1",
  "|i1",
  "|u1",
  "<i2",
  "<u2",
  "<i4",
  "<u4",
  "<i8",
  "<u8",
  "<f2",
  "<f4",
  "<f8",
  ">f8",
  "<c8",
  "<c16",
  "<U4",
  "<U8",
  "|S4",
  "|S8",
  "<M8[ns]",
  "<M8[s]",
  "<m8[ns]",
  "<M8[Y]",
  "<M8[D]",
  "<m8[Y]",
  "<m8[h]",
  "<m8[ps]",
  "<M8",
  // Units with a multiple: safe only when one tick divides evenly.
  "<M8[10s]",
  "<M8[20s]",
  "<M8[15m]",
  "<M8[10ms]",
  "<M8[25us]",
  "<M8[7D]",
  "<M8[W]",
  "<M8[2Y]",
  "<M8[3M]",
  "<m8[10s]",
  "<m8[60s]",
  "<m8[m]",
  "<m8[2Y]",
  "<m8[6M]",
];

test(
  "canCast agrees with np.can_cast for every pair and mode",
  numpyTestOptions(),
  () => {
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
types = json.loads(sys.argv[1])
modes = json.loads(sys.argv[2])
print(json.dumps([[[bool(np.can_cast(a, b, m)) for m in modes] for b in types] for a in types]))`,
      [JSON.stringify(CAST_TYPES), JSON.stringify(CASTING_MODES)],
    )) as boolean[][][];
    const diffs: string[] = [];
    for (const [i, a] of CAST_TYPES.entries()) {
      for (const [j, b] of CAST_TYPES.entries()) {
        for (const [k, m] of CASTING_MODES.entries()) {
          // Numbers to strings: NumPy allows them; we refuse such casts
          // below "unsafe" (a number is not text). Documented in the README.
          const numToStr = "biufc".includes(a[1]!) && "US".includes(b[1]!);
          const got = canCast(parseDType(a), parseDType(b), m as Casting);
          if (!numToStr && got !== want[i]![j]![k]) {
            diffs.push(
              `${a} -> ${b} (${m}): ours ${got}, numpy ${want[i]![j]![k]}`,
            );
          }
        }
      }
    }
    assert.deepEqual(diffs, []);
  },
);
