/**
 * dtype spellings and casting rules, checked against NumPy's own answers.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDType } from "../mod.ts";
import { decodeCost } from "../src/dtype.ts";
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
  // Units with a multiple, and the μs alias.
  "<m8[10s]",
  "M8[15m]",
  "<M8[10ms]",
  "M8[25us]",
  ">m8[3h]",
  "M8[2Y]",
  "m8[7D]",
  "M8[μs]",
  "m8[3μs]",
  "datetime64[010s]",
  "timedelta64[1s]",
  "M8[2147483647s]",
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
      // Fields whose type is a sub-array of sub-arrays or of records.
      "[('c', ('<f8', (5,)), (2,))]",
      "[('c', (('<i2', (2,)), (3,)), (2,)), ('n', '|u1')]",
      "[('a', [('x', '<f4'), ('y', '>i2')], (4,))]",
      "[('r', ([('x', '>u2'), ('s', '|S2')], (3,)), (2,))]",
      "[('c', ('<f8', (5,)))]",
      "[('c', ('<f8', ()), (2,))]",
      "[('c', ('<f8', (5,)), (1,))]",
      "[('t', '<M8[10ms]'), ('d', '<m8[25us]')]",
      "[('a\\xa0b', '<f4'), ('\\u200b', '|u1'), ('\\U000e0001', '|u1')]",
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
      // "U" is np.dtype's "<U0" (stop 19); the dtype option refuses it.
      "",
      "M8[fortnight]",
      "M8[10fortnights]",
      "M8[2147483648s]",
      "M8[10 s]",
      "M8[s",
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

test("the dtype option accepts JS spellings of nested sub-array fields", () => {
  assert.equal(
    parseDType([["c", ["<f8", [5]], [2]]]).str,
    "[('c', ('<f8', (5,)), (2,))]",
  );
  assert.equal(
    parseDType([["c", [["<i2", [2]], [3]], 2], ["n", "u1"]]).str,
    "[('c', (('<i2', (2,)), (3,)), (2,)), ('n', '|u1')]",
  );
  assert.equal(
    parseDType([["a", [["x", "<f4"]], [4]]]).str,
    "[('a', [('x', '<f4')], (4,))]",
  );
  const dt = parseDType("[('c', ('<f8', (5,)), (2,))]");
  assert.deepEqual(dt.fields![0]!.shape, [2, 5]);
  assert.deepEqual(dt.fields![0]!.levels, [[2], [5]]);
  assert.equal(dt.itemsize, 80);
});

test("units with a multiple keep their multiple in DType.unit", () => {
  assert.equal(parseDType("<M8[10ms]").unit, "10ms");
  assert.equal(parseDType("m8[1s]").unit, "s");
  assert.equal(parseDType("M8[μs]").str, "<M8[us]");
  assert.equal(parseDType("M8").unit, "generic");
});

test("a header descr with dtype metadata gets a message about metadata", () => {
  for (
    const descr of [
      "[('a', ('<f8', {'u': 1}))]",
      "[('a', '<f8'), ('b', ('|S3', {'some': 'stuff'}))]",
      "[('p', [('q', ('<i4', {}))])]",
    ]
  ) {
    assert.throws(
      () => parseDType(descr),
      (e: Error) =>
        e instanceof TypeError && /metadata/.test(e.message) &&
        !/sub-array/.test(e.message),
      descr,
    );
  }
});

test("decodeCost counts the values a record makes, zero-byte ones too", () => {
  assert.equal(decodeCost(parseDType("<f8")), 1);
  assert.equal(decodeCost(parseDType("[('a', '<f8', (2, 3))]")), 1 + 2 + 6);
  assert.ok(
    decodeCost(parseDType("[('b', '<f8', (2147483647, 0))]")) > 2 ** 31 - 1,
  );
  assert.ok(decodeCost(parseDType("[('b', 'V0', (100000,))]")) > 100000);
});
