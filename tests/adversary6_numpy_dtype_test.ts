/**
 * Adversary round 6, dtype spellings: what `parseDType` (the `dtype`
 * option) and a header's descr accept is what `np.dtype` accepts, NumPy
 * 1.24 the oracle; the rest is a `TypeError` (option) or an
 * `NpyFormatError` (header) naming the spelling. Found: sized type names
 * (`"str16"`, `"bytes8"`, `"void16"`, `"unicode8"`, which NumPy refuses:
 * only `str0`, `bytes0` and `void0` exist) were read as `U16`, `S8`...,
 * in headers too; and the option took a byte order before a type name
 * (`">float32"`) and a unit after a bare `M` (`"M[s]"`), both refused by
 * NumPy, so a script ported to Python failed there.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** NumPy's descr text for each spelling (`np.dtype(s)`), or null if refused. */
function numpyDescrs(specs: string[]): (string | null)[] {
  return JSON.parse(runPython(
    `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for s in json.loads(sys.argv[1]):
    try:
        d = np.lib.format.dtype_to_descr(np.dtype(s))
        out.append(d if isinstance(d, str) else repr(d))
    except Exception:
        out.append(None)
print(json.dumps(out))`,
    [JSON.stringify(specs)],
  ));
}

/** A version 1.0 `.npy` file whose descr is the Python text `descr`. */
function handMade(descr: string, data: Uint8Array): Uint8Array {
  let text = `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`;
  text += " ".repeat(63 - ((10 + text.length) % 64)) + "\n";
  const out = new Uint8Array(10 + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = text.length & 0xff;
  out[9] = text.length >> 8;
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  out.set(data, 10 + text.length);
  return out;
}

// Each kind: spellings NumPy refuses, beside ones it accepts that must
// keep working.
const SIZED_NAMES = [
  "str16",
  "bytes8",
  "void16",
  "unicode8",
  "str1",
  "void4",
  // Accepted by NumPy:
  "str0",
  "bytes0",
  "void0",
  "U16",
  "S8",
  "a8",
  "V16",
];
const ORDER_BEFORE_NAME = [
  ">float32",
  "<int",
  "=bool",
  "|uint8",
  ">complex128",
  "<str0",
  ">void0",
  // Accepted by NumPy:
  ">f4",
  "<i8",
  "=?",
  "|u1",
  ">D",
  "<datetime64[ns]",
  ">timedelta64",
  "float32",
];
const BARE_TIME_UNIT = [
  "M[s]",
  "m[10ms]",
  ">M[D]",
  "<m[generic]",
  // Accepted by NumPy:
  "M8[s]",
  "m8[10ms]",
  ">M8[D]",
  "<m8",
  "M",
];

describe("dtype spellings are accepted exactly when np.dtype accepts them", () => {
  const opts = numpyTestOptions();
  for (
    const [kind, specs] of [
      ["sized type names", SIZED_NAMES],
      ["a byte order before a type name", ORDER_BEFORE_NAME],
      ["a unit after a bare M or m", BARE_TIME_UNIT],
    ] as const
  ) {
    test(`${kind}: the dtype option`, opts, () => {
      const want = numpyDescrs([...specs]);
      for (const [i, spec] of specs.entries()) {
        if (want[i] === null) {
          assert.throws(
            () => parseDType(spec),
            (e: unknown) =>
              e instanceof TypeError &&
              e.message.startsWith(`Cannot use dtype ${JSON.stringify(spec)}`),
            spec,
          );
        } else {
          assert.equal(parseDType(spec).str, want[i], spec);
        }
      }
    });

    test(`${kind}: a header's descr`, opts, () => {
      const dir = tempDir();
      const want = numpyDescrs([...specs]);
      for (const [i, spec] of specs.entries()) {
        const path = join(dir, `d${i}.npy`);
        const itemsize = want[i] === null ? 8 : parseDType(want[i]!).itemsize;
        writeFileSync(path, handMade(`'${spec}'`, new Uint8Array(itemsize)));
        if (want[i] === null) {
          assert.throws(
            () => readNpySync(path),
            (e: unknown) =>
              e instanceof NpyFormatError && e.code === "unsupported-dtype" &&
              e.message.includes(path) && e.message.includes(spec),
            spec,
          );
        } else {
          assert.equal(readNpySync(path).dtype, want[i], spec);
        }
      }
    });
  }

  test("a refused spelling opens nothing", () => {
    const dir = tempDir();
    const path = join(dir, "x.npy");
    for (const dtype of [">float32", "str16", "M[s]"]) {
      assert.throws(
        () => NpyAppendArraySync.open(path, { dtype }),
        (e: unknown) =>
          e instanceof TypeError && e.message.includes(path) &&
          e.message.includes(JSON.stringify(dtype)),
        dtype,
      );
      assert.equal(existsSync(path), false);
    }
  });
});
