/**
 * Stop 21 (h7): hostile CSV for `from-csv`, compared with `np.loadtxt`.
 *
 * - A lone CR (classic Mac line ends) is a line end, as Python's universal
 *   newlines (and so `np.loadtxt`) read it: `1,2\r3,4\r` is two rows. It
 *   was one row whose second field `2\r3` was "not a number", the CR
 *   printed raw into the message.
 * - A field that the dtype cannot hold (`70000` for `f2`, `1e39` for `f4`
 *   or `c8`, `abcd` for `U3` or `S3`) was refused by the writer at the
 *   batch's end with `Cannot append value 70000 at index 1 to "x.npy" ...
 *   (use casting "unsafe" ...)`: no CSV line or column, and a fix that
 *   `from-csv` has no option for. It is now a `CsvError` naming the CSV's
 *   line and column and a dtype that holds it; OUT is left as it was.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAll } from "./_csv_parse_all.ts";
import { readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

test("a lone CR ends a line, as universal newlines; CRLF split across chunks is one line end", () => {
  const text = '1,2\r3,4\r\r"a\rb",5\r\n6,7\r';
  const want: [string[], number][] = [
    [["1", "2"], 1],
    [["3", "4"], 2],
    [["a\nb", "5"], 4],
    [["6", "7"], 6],
  ];
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(parseAll(text, [i]), want, `cut at ${i}`);
  }
  // A CR at the very end, or CRLF cut between its two characters.
  assert.deepEqual(parseAll("1\r", [2]), [[["1"], 1]]);
  assert.deepEqual(parseAll("1\r\n2", [2]), [[["1"], 1], [["2"], 2]]);
});

test(
  "from-csv of CR-only line ends gives np.loadtxt's rows",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const csv = join(dir, "mac.csv");
    writeFileSync(csv, "1,2\r3,4\r# note\r5,6");
    const out = join(dir, "mac.npy");
    const r = cli(["from-csv", "--no-progress", csv, out], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stderr);
    const want = runPython(
      `import numpy as np, sys, json
print(json.dumps(np.loadtxt(sys.argv[1], delimiter=",", ndmin=2).tolist()))`,
      [csv],
    ).trim();
    const got = readNpySync(out);
    assert.deepEqual(got.shape, [3, 2]);
    assert.equal(
      JSON.stringify(Array.from(got.data as Float64Array)),
      JSON.stringify(JSON.parse(want).flat()),
    );
  },
);

const misfits: [string, string, string, RegExp][] = [
  [
    "f2",
    "1\n65504\n70000\n",
    "line 3, column 1",
    /"70000" is not a number that "<f2" holds/,
  ],
  [
    "f2",
    "65520\n",
    "line 1, column 1",
    /"65520" is not a number that "<f2" holds/,
  ],
  [
    "f4",
    "0.1\n-1e39\n",
    "line 2, column 1",
    /"-1e39" is not a number that "<f4" holds/,
  ],
  [
    "c8",
    "1+2j\n1+1e39j\n",
    "line 2, column 1",
    /"1\+1e39j" is not a complex number that "<c8" holds/,
  ],
  [
    "U3",
    "ab\nabcd\n",
    "line 2, column 1",
    /"abcd" is not text that "<U3" holds \(4 characters\); use --dtype U4/,
  ],
  [
    "S3",
    'ab\n"a,cd"\n',
    "line 2, column 1",
    /"a,cd" is not text that "\|S3" holds \(4 characters\); use --dtype S4/,
  ],
];

for (const [dtype, text, where, what] of misfits) {
  test(`from-csv --dtype ${dtype}: a field it cannot hold names the CSV line and column; OUT kept`, () => {
    const dir = tempDir();
    const csv = join(dir, "in.csv");
    writeFileSync(csv, text);
    const out = join(dir, "out.npy");
    const r = cli(
      ["from-csv", "--no-progress", "--dtype", dtype, csv, out],
      ALL_PERMISSIONS,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`Cannot read ${csv.replace(/[/.]/g, "\\$&")} ${where}: `),
    );
    assert.match(r.stderr, what);
    assert.doesNotMatch(r.stderr, /casting/);
    assert.equal(existsSync(out), false);
    // An existing OUT of that dtype is left byte for byte.
    const good = join(dir, "good.csv");
    writeFileSync(good, dtype[0] === "U" || dtype[0] === "S" ? "ab\n" : "1\n");
    const first = cli([
      "from-csv",
      "--no-progress",
      "--dtype",
      dtype,
      "--1d",
      good,
      out,
    ], ALL_PERMISSIONS);
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(out);
    const again = cli(["from-csv", "--no-progress", csv, out], ALL_PERMISSIONS);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, what);
    assert.deepEqual(readFileSync(out), before);
  });
}

test("values at the edge still fit: 65504 (f2), 3.4028234663852886e38 (f4), 1e-8 (f2, to 0)", () => {
  const dir = tempDir();
  for (
    const [dtype, text] of [
      ["f2", "65504\n65519\n1e-8\n"],
      ["f4", "3.4028234663852886e38\n"],
    ] as const
  ) {
    const csv = join(dir, `${dtype}.csv`);
    writeFileSync(csv, text);
    const out = join(dir, `${dtype}.npy`);
    const r = cli([
      "from-csv",
      "--no-progress",
      "--dtype",
      dtype,
      "--1d",
      csv,
      out,
    ], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stderr);
  }
});

test(
  "from-csv datetimes with a '+' year (ISO 8601 expanded years, as np.datetime64 reads them)",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const csv = join(dir, "plus.csv");
    writeFileSync(csv, "+10000-01-01T00:00\n+2020-01-31T12:30\n-0300-02-01\n");
    const out = join(dir, "plus.npy");
    const r = cli([
      "from-csv",
      "--no-progress",
      "--dtype",
      "M8[s]",
      "--1d",
      csv,
      out,
    ], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stderr);
    const want = runPython(
      `import numpy as np, sys, warnings
warnings.simplefilter("ignore")
a = np.loadtxt(sys.argv[1], dtype="M8[s]", delimiter=",")
print(" ".join(str(int(x)) for x in a.view("i8")))`,
      [csv],
    ).trim();
    const got = readNpySync(out).data as BigInt64Array;
    assert.equal(Array.from(got, String).join(" "), want);
  },
);
