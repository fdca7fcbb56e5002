/**
 * Casting rules (`canCast`) checked against NumPy's `np.can_cast`, datetime
 * units with a multiple included.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  canCast,
  type Casting,
  MemoryFile,
  NpyAppendArraySync,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { CASTING_MODES, checkCasting } from "../src/casting.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

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
  // Numbers to text: safe when the text of every value fits (i1 needs 4
  // characters, bool 5, i8 21, floats 32, complex 64).
  "<U3",
  "<U5",
  "<U6",
  "<U10",
  "<U11",
  "<U20",
  "<U21",
  "<U31",
  "<U32",
  "<U63",
  "<U64",
  ">U64",
  "|S3",
  "|S5",
  "|S20",
  "|S21",
  "|S32",
  "|S64",
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
          const got = canCast(parseDType(a), parseDType(b), m as Casting);
          if (got !== want[i]![j]![k]) {
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

test("checkCasting takes the five mode names and refuses others", () => {
  for (const m of CASTING_MODES) assert.equal(checkCasting(m), m);
  for (const bad of ["Safe", "", null, 1]) {
    assert.throws(() => checkCasting(bad), TypeError);
  }
});

test("unit multiples: safe only when one tick is a whole number of the other's", () => {
  const safe = (a: string, b: string) =>
    canCast(parseDType(a), parseDType(b), "safe");
  assert.equal(safe("M8[10s]", "M8[s]"), true);
  assert.equal(safe("M8[s]", "M8[10s]"), false);
  assert.equal(safe("M8[20s]", "M8[10s]"), true);
  assert.equal(safe("M8[10s]", "M8[20s]"), false);
  assert.equal(safe("M8[W]", "M8[7D]"), true);
  assert.equal(safe("M8[7D]", "M8[W]"), false);
  assert.equal(safe("m8[2Y]", "m8[6M]"), true);
  assert.equal(
    canCast(parseDType("M8[10s]"), parseDType("M8[10s]"), "no"),
    true,
  );
  assert.equal(
    canCast(parseDType("M8[60s]"), parseDType("M8[m]"), "equiv"),
    false,
  );
});

test(
  "appending times in another unit rescales them as NumPy's astype",
  numpyTestOptions(),
  () => {
    const values = [100n, 7n, -7n, -11n, 0n, -(2n ** 63n), 123456789n];
    const pairs: Array<[string, string, Casting]> = [
      ["<M8[s]", "<M8[10s]", "same_kind"],
      ["<M8[10s]", "<M8[s]", "safe"],
      ["<M8[s]", "<M8[ms]", "safe"],
      ["<m8[25us]", "<m8[10us]", "same_kind"],
      ["<M8[W]", "<M8[7D]", "safe"],
      ["<m8[2Y]", "<m8[6M]", "safe"],
      ["<M8[h]", ">M8[15m]", "safe"],
    ];
    const want = JSON.parse(runPython(
      `import json, sys, numpy as np
vals = [int(v) for v in json.loads(sys.argv[1])]
out = []
for a, b, _ in json.loads(sys.argv[2]):
    out.append([str(int(x)) for x in np.array(vals, "<i8").view(a).astype(b).astype(b.replace(">", "<")).view("<i8")])
print(json.dumps(out))`,
      [JSON.stringify(values.map(String)), JSON.stringify(pairs)],
    )) as string[][];
    for (const [i, [from, to, casting]] of pairs.entries()) {
      const file = new MemoryFile();
      const npy = NpyAppendArraySync.open(file, { dtype: to, casting });
      npy.append(
        {
          data: BigInt64Array.from(values),
          shape: [values.length],
          dtype: from,
        } as never,
      );
      npy.close();
      const back = readNpySync(file).data as BigInt64Array;
      assert.deepEqual([...back].map(String), want[i], `${from} -> ${to}`);
    }
    // Years to days needs a calendar: refused, file untouched.
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, {
      dtype: "<M8[D]",
      casting: "unsafe",
    });
    assert.throws(
      () =>
        npy.append(
          {
            data: new BigInt64Array([1n]),
            shape: [1],
            dtype: "<M8[Y]",
          } as never,
        ),
      /needs a calendar/,
    );
  },
);
