/**
 * Adversary round 6, time units: appending datetimes or timedeltas in
 * another unit converts them only where NumPy 1.24's `astype` can. NumPy
 * refuses, with `OverflowError` and whatever the values, a cast between
 * base units whose factor reaches 2**56 (`D` to `ps`, `h` to `fs`, `s` to
 * `as`, and back); the library converted them (wrapping under `"unsafe"`,
 * giving values where NumPy gives none). Units just inside the limit
 * (`h` to `ps`, `m` to `ps`, `ms` to `as`) still convert exactly as NumPy.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, parseHeader } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

const VALUES = [0n, 1n, -1n, 7n, -1001n, 1234n, -(2n ** 63n)];

/** NumPy's int64 values of `astype`, or null where it raises. */
function numpy(
  pairs: [string, string][],
  casting: string,
): (string[] | null)[] {
  return JSON.parse(runPython(
    `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
vals = [int(v) for v in json.loads(sys.argv[2])]
out = []
for a, b in json.loads(sys.argv[1]):
    try:
        x = np.array(vals, "<i8").view(a).astype(b, casting=sys.argv[3])
        out.append([str(v) for v in x.view("<i8").tolist()])
    except Exception:
        out.append(None)
print(json.dumps(out))`,
    [JSON.stringify(pairs), JSON.stringify(VALUES.map(String)), casting],
  ));
}

/** The library's values, or the error it threw (the file then untouched). */
function ours(from: string, to: string, casting: string): string[] | Error {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, {
    dtype: to,
    casting: casting as "unsafe",
  });
  npy.append([[1n]] as never); // a first row, so a refusal must keep it
  npy.updateHeader();
  const before = mem.bytes().slice();
  try {
    npy.append({
      data: new BigInt64Array(VALUES),
      shape: [VALUES.length, 1],
      dtype: from,
    } as never);
  } catch (e) {
    npy.close();
    assert.deepEqual(mem.bytes(), before, `${from} -> ${to}: file changed`);
    return e as Error;
  }
  npy.close();
  const bytes = mem.bytes();
  const data = bytes.slice(parseHeader(bytes).headerLength);
  return [...new BigInt64Array(data.buffer).subarray(1)].map(String);
}

const PAIRS: [string, string][] = [];
for (const kind of ["M8", "m8"]) {
  for (
    const [a, b] of [
      // NumPy refuses these (factor >= 2**56), both ways.
      ["D", "ps"],
      ["W", "fs"],
      ["h", "fs"],
      ["m", "as"],
      ["s", "as"],
      ["15s", "as"],
      ["2D", "250ps"],
      ["ps", "D"],
      ["as", "s"],
      ["fs", "h"],
      // NumPy converts these (factor below 2**56).
      ["h", "ps"],
      ["m", "ps"],
      ["ms", "as"],
      ["ps", "h"],
      ["as", "ms"],
      ["W", "ns"],
    ]
  ) {
    PAIRS.push([`<${kind}[${a}]`, `<${kind}[${b}]`]);
  }
}

describe("time unit conversions NumPy cannot make are refused", () => {
  const opts = numpyTestOptions();
  for (const casting of ["same_kind", "unsafe"]) {
    test(`under ${casting}`, opts, () => {
      const want = numpy(PAIRS, casting);
      for (const [i, [from, to]] of PAIRS.entries()) {
        const got = ours(from, to, casting);
        if (want[i] === null) {
          assert.ok(
            got instanceof RangeError &&
              got.message.includes("cannot convert unit") &&
              got.message.includes(JSON.stringify(from.slice(4, -1))),
            `${from} -> ${to}: ${String(got)}`,
          );
        } else {
          assert.deepEqual(got, want[i], `${from} -> ${to}`);
        }
      }
    });
  }
});

describe("conversions that overflow follow NumPy's int64 arithmetic", () => {
  // NumPy scales by a reduced fraction num/den in int64: dt * num, then
  // for a negative dt (p - (den - 1)) / den with truncation; where that
  // overflows it wraps (the library wrapped the exact result instead, and
  // took the product's sign for the input's). Under "unsafe" the bytes
  // are NumPy's; below it such a value is refused, never a silent wrap.
  const opts = numpyTestOptions();
  const BIG = [
    2n ** 62n + 12345n,
    -(2n ** 62n) - 12347n,
    3n * 2n ** 61n + 5n,
    -(2n ** 63n) + 1n,
    2n ** 63n - 1n,
    -86401n,
    -(2n ** 63n),
  ];
  const UNITS: [string, string][] = [
    ["15s", "10s"],
    ["h", "3D"],
    ["s", "6us"],
    ["7D", "3D"],
    ["250ms", "15ms"],
    ["2W", "3D"],
  ];
  const pairs: [string, string][] = [];
  for (const kind of ["M8", "m8"]) {
    for (const [a, b] of UNITS) {
      pairs.push([`<${kind}[${a}]`, `<${kind}[${b}]`]);
    }
  }

  test("under unsafe, the values NumPy gives", opts, () => {
    const want: string[][] = JSON.parse(runPython(
      `import json, sys
import numpy as np
vals = [int(v) for v in json.loads(sys.argv[2])]
print(json.dumps([[str(v) for v in np.array(vals, "<i8").view(a).astype(b, casting="unsafe").view("<i8").tolist()] for a, b in json.loads(sys.argv[1])]))`,
      [JSON.stringify(pairs), JSON.stringify(BIG.map(String))],
    ));
    for (const [i, [from, to]] of pairs.entries()) {
      const mem = new MemoryFile();
      const npy = NpyAppendArraySync.open(mem, {
        dtype: to,
        casting: "unsafe",
      });
      npy.append({
        data: new BigInt64Array(BIG),
        shape: [BIG.length],
        dtype: from,
      } as never);
      npy.close();
      const bytes = mem.bytes();
      const data = bytes.slice(parseHeader(bytes).headerLength);
      assert.deepEqual(
        [...new BigInt64Array(data.buffer)].map(String),
        want[i],
        `${from} -> ${to}`,
      );
    }
  });

  test("below unsafe, a value NumPy would wrap is refused", () => {
    for (const [from, to] of pairs) {
      // (dt - (den - 1)) overflows for the smallest dt; dt * num for the
      // largest where num > 1 (h to 3D has num 1).
      const values = from.includes("[h]")
        ? [-(2n ** 63n) + 1n]
        : [2n ** 63n - 1n, -(2n ** 63n) + 1n];
      for (const v of values) {
        const mem = new MemoryFile();
        const npy = NpyAppendArraySync.open(mem, { dtype: to });
        assert.throws(
          () =>
            npy.append({
              data: new BigInt64Array([v]),
              shape: [1],
              dtype: from,
            } as never),
          (e: unknown) =>
            e instanceof RangeError && /does not fit 64 bits/.test(e.message),
          `${from} -> ${to}: ${v}`,
        );
        npy.close();
      }
    }
  });
});

describe("a Date beyond the unit's range", () => {
  test("is refused naming its own index, not the index of a scratch array", () => {
    const mem = new MemoryFile();
    const npy = NpyAppendArraySync.open(mem, { dtype: "<M8[ns]" });
    assert.throws(
      () => npy.append([new Date(0), new Date(0), new Date(8.64e15)] as never),
      (e: unknown) =>
        e instanceof RangeError && / at index 2 /.test(e.message) &&
        !/index 0/.test(e.message) && /"ns"/.test(e.message),
    );
    npy.close();
    assert.equal(mem.bytes().length, 0);
  });
});
