/**
 * Stop 24 (h1): plain strings named a number dtype are read as
 * `np.asarray(data, named)` reads them (Python's `float()`, `int()`,
 * `complex()`), checked case by case against NumPy 1.24. They were
 * refused ("dtype "<f8" needs numbers") whatever the casting, while
 * `np.asarray(["1.5", " 2 ", "nan", "-inf", "1e3"], "<f8")` reads them.
 * Below casting "unsafe" a value the named dtype cannot hold is refused
 * (NumPy wraps "300" into `|u1` as 44, overflows "1e39" into `<f4` as
 * inf), as numbers named a dtype are; text named `|b1` is refused below
 * "unsafe" (NumPy takes any text but "" as True, "False" too). Text not
 * named a dtype keeps `np.concatenate`'s rule (a `U` array does not cast
 * to numbers below "unsafe"), and the refusal now says how to pass it.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const STRINGS = [
  "1.5",
  " 2 ",
  "nan",
  "-inf",
  "1e3",
  "1_000",
  "1__0",
  "_1",
  "1_",
  "0x10",
  "0b1",
  "",
  " ",
  "+3",
  "-0",
  "-0.0",
  "1e400",
  "-1e400",
  "1e-400",
  "Infinity",
  "iNF",
  "+inf",
  "NaN",
  "-nan",
  "+nan",
  "1.",
  ".5",
  ".",
  "1e",
  "1e+",
  "1.0e+2",
  "1E5",
  "True",
  "False",
  "0",
  "1",
  "-1",
  "127",
  "128",
  "-129",
  "255",
  "256",
  "300",
  "65504",
  "65520",
  "65536",
  "3.4028235e38",
  "3.5e38",
  "1e39",
  "4294967296",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "18446744073709551615",
  "18446744073709551616",
  "0.1",
  "1+2j",
  "(1+2j)",
  " ( -1.5-2e3J ) ",
  "2j",
  "j",
  "-j",
  "1+j",
  "nan+nanj",
  "-nan-nanj",
  "inf-infj",
  "1 + 2j",
  "(1+2j",
  "1_0+2_0j",
  "\t5\n",
  "\v5\f",
  "1\x1c",
  "\ufeff1",
  "1\x85",
  "\u00a01\u3000",
  "\u0661",
  "\u0661.\u0665",
  "1e\u0661",
  "\uff11\uff12",
  "\u{1d7d9}",
  "\u{11f51}",
  "1\u00b2",
  "\u00bd",
  "\u0661_\u0662",
];

const DTYPES = [
  "<f2",
  "<f4",
  "<f8",
  ">f8",
  "|i1",
  "<i2",
  "<i4",
  "<i8",
  "|u1",
  "<u2",
  "<u4",
  ">u8",
  "<c8",
  "<c16",
  "|b1",
];

/**
 * For each named dtype and text: NumPy's `np.asarray([text], named)`
 * bytes (hex) or its error, whether it is exact (no overflow warning, an
 * int in range, not a bool from text), and `into`: the bytes of that array
 * cast to `<f8` (for real dtypes).
 */
const ORACLE = `
import sys, json, warnings
import numpy as np
strings, dtypes = json.loads(sys.stdin.read())
out = {}
for dt in dtypes:
    d = np.dtype(dt)
    rows = []
    for s in strings:
        r = {}
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                a = np.asarray([s], dtype=d)
            r["hex"] = a.tobytes().hex()
            exact = not w
            if d.kind in "iu":
                info = np.iinfo(d)
                exact = info.min <= int(s) <= info.max
            if d.kind == "b":
                exact = False
            r["exact"] = exact
            if d.kind in "fiu":
                r["into"] = a.astype("<f8").tobytes().hex()
        except Exception as e:
            r["err"] = type(e).__name__
        rows.append(r)
    out[dt] = rows
print(json.dumps(out))
`;

interface Row {
  hex?: string;
  exact?: boolean;
  into?: string;
  err?: string;
}

function bytesOf(f: MemoryFile): string {
  const b = f.bytes();
  const headerLength = b[8]! | (b[9]! << 8);
  return Buffer.from(b.subarray(10 + headerLength)).toString("hex");
}

/** The outcome of appending `[text]` named `named` to a new file of `file`. */
function ours(
  text: string,
  named: string,
  file: string,
  casting: "same_kind" | "unsafe",
): string {
  const f = new MemoryFile();
  const w = NpyAppendArraySync.open(f, { dtype: file, casting });
  try {
    w.append({ data: [text], shape: [1], dtype: named });
  } catch (e) {
    return (e as Error).constructor.name;
  }
  w.close();
  return bytesOf(f);
}

test(
  "text named a number dtype is read as np.asarray(data, dtype) reads it, case by case",
  numpyTestOptions(),
  () => {
    const oracle = JSON.parse(
      runPython(
        ORACLE,
        [],
        new TextEncoder().encode(JSON.stringify([STRINGS, DTYPES])),
      ),
    ) as Record<string, Row[]>;
    const bad: string[] = [];
    let read = 0;
    for (const dt of DTYPES) {
      STRINGS.forEach((s, k) => {
        const r = oracle[dt]![k]!;
        for (const casting of ["same_kind", "unsafe"] as const) {
          const got = ours(s, dt, dt, casting);
          let want: string;
          if (r.err !== undefined) {
            want = r.err === "ValueError" ? "TypeError" : "RangeError";
          } else if (r.exact || casting === "unsafe") want = r.hex!;
          else want = dt === "|b1" ? "TypeError" : "RangeError";
          if (got !== want) {
            bad.push(
              `${dt} ${JSON.stringify(s)} ${casting}: ${got}, NumPy ${want}`,
            );
          }
          if (got === r.hex) read++;
          // The named dtype's values cast into a <f8 file.
          if (r.into !== undefined && (r.exact || casting === "unsafe")) {
            const into = ours(s, dt, "<f8", casting);
            if (into !== r.into) {
              bad.push(
                `${dt} ${
                  JSON.stringify(s)
                } into <f8 ${casting}: ${into}, NumPy ${r.into}`,
              );
            }
          }
        }
      });
    }
    assert.deepEqual(bad, []);
    assert.ok(read > 500, `${read}`);
  },
);

test(
  "every decimal digit Python reads is read, with its value; other non-ASCII characters are refused",
  numpyTestOptions(),
  () => {
    const cases = JSON.parse(runPython(`
import json, sys
digits = [chr(c) for c in range(128, 0x110000) if chr(c).isdecimal()]
others = [chr(c) for c in (0xb2, 0xbd, 0x2155, 0x11f50, 0x1e4f0, 0x2460, 0x7f, 0xfeff, 0x180e)]
print(json.dumps([[d + "7", int(d + "7"), float(d + ".5")] for d in digits] + [[o, None, None] for o in others]))
`)) as [string, number | null, number | null][];
    assert.ok(cases.length > 600);
    for (const [text, int, half] of cases) {
      for (const dt of ["<i8", "<f8"]) {
        const t = dt === "<f8" && int !== null
          ? text.slice(0, -1) + ".5"
          : text;
        const f = new MemoryFile();
        const w = NpyAppendArraySync.open(f, { dtype: dt });
        if (int === null) {
          assert.throws(
            () => w.append({ data: [t], shape: [1], dtype: dt }),
            TypeError,
            JSON.stringify(t),
          );
          continue;
        }
        w.append({ data: [t], shape: [1], dtype: dt });
        w.close();
        const b = f.bytes();
        const v = new DataView(b.buffer, b.byteOffset + b.length - 8, 8);
        if (dt === "<i8") assert.equal(v.getBigInt64(0, true), BigInt(int));
        else assert.equal(v.getFloat64(0, true), half);
      }
    }
  },
);

test(
  "text not named a dtype is refused below casting unsafe with the fix, the file unchanged; under unsafe it is NumPy's astype",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const p = join(dir, "t.npy");
    const w = NpyAppendArraySync.open(p, { dtype: "<f8" });
    w.append([1]);
    const before = readFileSync(p);
    assert.throws(
      () => w.append(["1.5"]),
      (e: Error) =>
        e instanceof TypeError &&
        e.message.startsWith(
          `Cannot append value "1.5" at index 0 to "${p}"`,
        ) &&
        e.message.includes(`dtype: "<f8" }`) &&
        e.message.includes(`casting "unsafe"`),
    );
    assert.deepEqual(readFileSync(p), before);
    w.close();
    const texts = [
      "1+2j",
      " (3-1j) ",
      "j",
      "-nan",
      "-nan-nanj",
      "\u0661.5",
      "1_0",
      "1e400",
    ];
    const want = JSON.parse(runPython(
      `import sys, json, numpy as np; t = json.loads(sys.argv[1]); print(json.dumps([np.array(t).astype(d).tobytes().hex() for d in ("<c16", ">c8")]))`,
      [JSON.stringify(texts)],
    )) as string[];
    ["<c16", ">c8"].forEach((dt, k) => {
      const f = new MemoryFile();
      const u = NpyAppendArraySync.open(f, { dtype: dt, casting: "unsafe" });
      u.append(texts);
      u.close();
      assert.equal(bytesOf(f), want[k]);
    });
    const floats = ["-nan", " nan", "-inf", "\u00a01_5\u3000"];
    const wantF = runPython(
      `import sys, json, numpy as np; print(np.array(json.loads(sys.argv[1])).astype("<f4").tobytes().hex())`,
      [JSON.stringify(floats)],
    ).trim();
    const g = new MemoryFile();
    const u = NpyAppendArraySync.open(g, { dtype: "<f4", casting: "unsafe" });
    u.append(floats);
    u.close();
    assert.equal(bytesOf(g), wantF);
  },
);

test(
  "numbers named |u1 or |b1 are that dtype's values under casting unsafe (300 as 44, 2 as True), as np.asarray(data, named).astype(file)",
  numpyTestOptions(),
  () => {
    const cases: [string, string, (number | boolean)[]][] = [
      ["|u1", "<f8", [300, -1, 7, 255]],
      ["|u1", "<U5", [300, -1, 7]],
      ["|u1", "<i4", [256, 1000]],
      ["|b1", "<i4", [2, 0, 1]],
      ["|b1", "<U5", [2, 0, true]],
      ["|b1", "<f8", [0.5, 0, -3]],
    ];
    const want = JSON.parse(runPython(
      `
import sys, json, warnings
import numpy as np
warnings.simplefilter("ignore")
print(json.dumps([np.asarray(v, n).astype(f).tobytes().hex() for n, f, v in json.loads(sys.argv[1])]))
`,
      [JSON.stringify(cases)],
    )) as string[];
    cases.forEach(([named, file, values], k) => {
      const f = new MemoryFile();
      const w = NpyAppendArraySync.open(f, { dtype: file, casting: "unsafe" });
      w.append({ data: values, shape: [values.length], dtype: named });
      w.close();
      assert.equal(bytesOf(f), want[k], `${named} into ${file}`);
      // Below "unsafe" a value the named dtype cannot hold is refused.
      const g = new MemoryFile();
      const s = NpyAppendArraySync.open(g, { dtype: file });
      if (
        values.every((v) =>
          typeof v === "boolean" ||
          (v >= 0 && v <= (named === "|b1" ? 1 : 255) && Number.isInteger(v))
        )
      ) return;
      assert.throws(
        () => s.append({ data: values, shape: [values.length], dtype: named }),
        RangeError,
      );
    });
  },
);
