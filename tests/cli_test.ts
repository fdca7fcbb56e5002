// Tests of the command line (cli.ts), run as a user would: a child
// process of the runtime running these tests (Deno: `deno run -R -W
// cli.ts`, Bun: `bun cli.ts`, Node: `node cli.js` of the npm build),
// checked against NumPy.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  fixturePath,
  listFixtures,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { cli, type CliRun } from "./_cli_run.ts";

/** `deno run -R -W cli.ts`, `bun cli.ts` or `node cli.js` (npm build). */
const withNumpy = numpyTestOptions();
/** Each test spawns processes: more than Bun's default 5 s. */
const SLOW = { timeout: 120_000 };

function py(code: string, ...args: string[]): string {
  return runPython(`import numpy as np, sys, json\n${code}`, args).trim();
}

function assertFailed(r: CliRun, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0]!, /^npy-append-array: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

describe("usage", () => {
  test("--help shows the commands and exits 0", SLOW, () => {
    const r = cli(["--help"]);
    assert.equal(r.code, 0);
    for (
      const c of [
        "info",
        "recover",
        "ensure-appendable",
        "concat",
        "from-csv",
        "to-csv",
      ]
    ) {
      assert.match(r.stdout, new RegExp(`\\n  ${c} `));
    }
    assert.equal(r.stderr, "");
  });

  test("every command has --help", SLOW, () => {
    for (
      const c of [
        "info",
        "recover",
        "ensure-appendable",
        "concat",
        "from-csv",
        "to-csv",
      ]
    ) {
      const r = cli([c, "--help"]);
      assert.equal(r.code, 0, c);
      assert.match(r.stdout, new RegExp(`^Usage: npy-append-array ${c} `), c);
      assert.match(r.stdout, /Example:/, c);
    }
  });

  test("no command: help on stderr, exit 2", SLOW, () => {
    const r = cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage: /);
  });

  test("unknown command: exit 2", SLOW, () => {
    assertFailed(cli(["frobnicate"]), 2, /Unknown command "frobnicate"/);
  });

  test("unknown option: exit 2", SLOW, () => {
    assertFailed(
      cli(["info", "--frob", "x.npy"]),
      2,
      /Unknown option "--frob" for info/,
    );
  });

  test("missing arguments: exit 2", SLOW, () => {
    assertFailed(
      cli(["concat", "out.npy"]),
      2,
      /concat needs at least 2 arguments, got 1/,
    );
    assertFailed(cli(["to-csv"]), 2, /to-csv needs at least 1 argument/);
  });

  test("option without its value: exit 2", SLOW, () => {
    assertFailed(
      cli(["from-csv", "a.csv", "b.npy", "--dtype"]),
      2,
      /"--dtype" needs a value/,
    );
  });

  test("bad dtype: exit 2", SLOW, () => {
    for (
      const args of [["concat", "out.npy", "in.npy"], [
        "from-csv",
        "-",
        "out.npy",
      ]]
    ) {
      assertFailed(
        cli([args[0]!, "--dtype", "qq", ...args.slice(1)]),
        2,
        /Cannot use dtype "qq"/,
      );
    }
  });

  test("bad casting mode: exit 2", SLOW, () => {
    assertFailed(
      cli(["concat", "--casting", "loose", "o.npy", fixturePath("f8_le_c_1d")]),
      2,
      /Invalid casting "loose"/,
    );
  });
});

describe("info", () => {
  const fixtures = listFixtures();

  test("--json matches every fixture's JSON", SLOW, () => {
    const r = cli([
      "info",
      "--json",
      "--max-header-size",
      "100000",
      ...fixtures.map((f) => fixturePath(f.name)),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(records.length, fixtures.length);
    fixtures.forEach((f, i) => {
      const rec = records[i];
      assert.equal(rec.file, fixturePath(f.name));
      assert.equal(rec.version, `${f.version[0]}.${f.version[1]}`, f.name);
      assert.equal(rec.headerLength, f.header_len, f.name);
      assert.equal(rec.dtype, f.dtype, f.name);
      assert.deepEqual(rec.shape, f.shape, f.name);
      assert.equal(rec.fortranOrder, f.fortran_order, f.name);
      assert.equal(rec.order, f.fortran_order ? "F" : "C", f.name);
      assert.equal(rec.needsRecovery, false, f.name);
      assert.equal(rec.itemsize, f.itemsize, f.name);
      assert.equal(
        f.object ? rec.expectedDataBytes : rec.dataBytes,
        f.shape.reduce((a: number, b: number) => a * b, 1) * f.itemsize,
        f.name,
      );
      if (f.object) return;
      if (f.shape.length > 0) {
        assert.equal(rec.appendable, f.appendable, f.name);
      } else {
        assert.equal(rec.appendable, false, f.name);
      }
    });
  });

  test("a header over the size cap: exit 1, naming the option", SLOW, () => {
    assertFailed(
      cli(["info", fixturePath("header_v2_many_fields")]),
      1,
      // In the command line's words (stop 27), not the library's option.
      /larger than --max-header-size \(10000\); pass --max-header-size \d+ to read this file/,
    );
  });

  test("text output", SLOW, () => {
    const r = cli(["info", fixturePath("f8_be_f_2d")]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /dtype: +>f8\n/);
    assert.match(r.stdout, /shape: +\(3, 4\)\n/);
    assert.match(r.stdout, /order: +F /);
    assert.match(r.stdout, /data bytes: +96\n/);
    assert.match(r.stdout, /appendable: +yes\n/);
    assert.match(r.stdout, /needs recovery: +no\n/);
  });

  test("a cut-off file needs recovery", SLOW, () => {
    const dir = tempDir();
    const p = join(dir, "cut.npy");
    const bytes = readFileSync(fixturePath("f8_le_c_2d"));
    writeFileSync(p, bytes.subarray(0, bytes.length - 12));
    const r = cli(["info", "--json", p]);
    assert.equal(r.code, 0);
    const rec = JSON.parse(r.stdout);
    assert.equal(rec.needsRecovery, true);
    assert.equal(rec.dataBytes, 84);
    assert.equal(rec.expectedDataBytes, 96);
  });

  test("missing file: exit 1, one line naming it", SLOW, () => {
    const r = cli(["info", "no/such/file.npy"]);
    assertFailed(r, 1, /Cannot open "no\/such\/file\.npy": no such file/);
  });

  test("not a .npy file: exit 1", SLOW, () => {
    const dir = tempDir();
    const p = join(dir, "x.npy");
    writeFileSync(p, "hello, world, this is text\n");
    assertFailed(cli(["info", p]), 1, /x\.npy/);
  });
});

describe("recover and ensure-appendable", withNumpy, () => {
  test("recover cuts a partial row; NumPy loads the result", SLOW, () => {
    const dir = tempDir();
    const p = join(dir, "log.npy");
    const bytes = readFileSync(fixturePath("f8_le_c_2d"));
    writeFileSync(p, bytes.subarray(0, bytes.length - 12));
    const r = cli(["recover", p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shape \(3, 4\) -> \(2, 4\), cut 20 bytes/);
    const out = py(
      "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])[:2]\nprint(a.shape, np.array_equal(a, b, equal_nan=True))",
      p,
      fixturePath("f8_le_c_2d"),
    );
    assert.equal(out, "(2, 4) True");
    const again = cli(["recover", p]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing to do/);
  });

  test("recover --zerofill keeps the partial row", SLOW, () => {
    const dir = tempDir();
    const p = join(dir, "log.npy");
    const bytes = readFileSync(fixturePath("f8_le_c_2d"));
    writeFileSync(p, bytes.subarray(0, bytes.length - 16));
    const r = cli(["recover", "--zerofill", p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /shape \(3, 4\) -> \(3, 4\), zero-filled 16 bytes/);
    const out = py(
      "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])\nprint(a.shape, list(a[2, 2:]), np.array_equal(a[:, :2], b[:, :2], equal_nan=True))",
      p,
      fixturePath("f8_le_c_2d"),
    );
    assert.equal(out, "(3, 4) [0.0, 0.0] True");
  });

  test(
    "recover refuses a header without room, naming ensure-appendable",
    SLOW,
    () => {
      const dir = tempDir();
      const p = join(dir, "old.npy");
      const bytes = readFileSync(fixturePath("old_header_not_appendable"));
      writeFileSync(p, bytes.subarray(0, bytes.length - 2));
      assertFailed(
        cli(["recover", p]),
        1,
        /run "npy-append-array ensure-appendable .*old\.npy" first/,
      );
    },
  );

  for (const inplace of [false, true]) {
    test(
      `ensure-appendable${inplace ? " --inplace" : ""}, then concat`,
      SLOW,
      () => {
        const dir = tempDir();
        const p = join(dir, "old.npy");
        copyFileSync(fixturePath("old_header_not_appendable"), p);
        assertFailed(
          cli(["concat", p, fixturePath("old_header_not_appendable")]),
          1,
          /no room to grow; run "npy-append-array ensure-appendable .*old\.npy" first/,
        );
        const r = cli([
          "ensure-appendable",
          ...(inplace ? ["--inplace"] : []),
          p,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /now appendable/);
        const c = cli(["concat", p, fixturePath("old_header_not_appendable")]);
        assert.equal(c.code, 0, c.stderr);
        const out = py(
          "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])\nprint(np.array_equal(a, np.concatenate([b, b])))",
          p,
          fixturePath("old_header_not_appendable"),
        );
        assert.equal(out, "True");
        assert.match(
          cli(["ensure-appendable", p]).stdout,
          /already appendable/,
        );
      },
    );
  }
});

describe("concat", withNumpy, () => {
  const check = (out: string, ins: string[], axis: number, dtype?: string) =>
    py(
      `a = np.load(sys.argv[1])
parts = [np.load(p) for p in sys.argv[2:]]
want = np.concatenate(parts, axis=${axis}).astype(${
        dtype ? `"${dtype}"` : "parts[0].dtype"
      })
print(a.dtype.str if a.dtype.names is None else "rec", a.shape == want.shape, a.dtype == want.dtype, a.tobytes() == np.ascontiguousarray(want).tobytes() if a.flags.c_contiguous else a.T.tobytes() == np.ascontiguousarray(want.T).tobytes())`,
      out,
      ...ins,
    );

  test("C-order inputs into a new file equal np.concatenate", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    const ins = ["f8_le_c_2d", "f8_be_c_2d", "f8_le_f_2d"].map(fixturePath);
    const r = cli(["concat", out, ...ins]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "", "no progress bar when stderr is not a terminal");
    assert.equal(check(out, ins, 0), "<f8 True True True");
    assert.deepEqual(readdirSync(dir), ["out.npy"], "no temporary file left");
  });

  test("Fortran-order inputs grow along the last axis", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    const ins = ["f8_le_f_3d", "f8_be_f_3d", "f8_le_f_3d"].map(fixturePath);
    const r = cli(["concat", out, ...ins]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(check(out, ins, -1), "<f8 True True True");
    assert.equal(
      py("print(np.load(sys.argv[1]).flags.f_contiguous)", out),
      "True",
    );
  });

  test(
    "every dtype that round-trips: strings, bytes, complex, records, datetimes",
    SLOW,
    () => {
      const dir = tempDir();
      for (
        const name of [
          "U5_be_c_1d",
          "S4_na_c_2d",
          "c8_be_c_2d",
          "b1_na_c_2d",
          "struct_simple_c_1d",
          "struct_nested_c_1d",
          "M8ns_be_c_1d",
          "u8_le_c_1d",
          "i1_na_c_1d",
          "f2_be_c_1d",
        ]
      ) {
        const out = join(dir, `${name}.npy`);
        const ins = [fixturePath(name), fixturePath(name)];
        const r = cli(["concat", out, ...ins]);
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        assert.match(check(out, ins, 0), / True True True$/, name);
      }
    },
  );

  test("large inputs stream in batches", SLOW, () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    const b = join(dir, "b.npy");
    py(
      "np.save(sys.argv[1], np.arange(3_000_000, dtype='<i4').reshape(-1, 3))\nnp.save(sys.argv[2], np.arange(600_000, dtype='>i4').reshape(-1, 3))",
      a,
      b,
    );
    const out = join(dir, "out.npy");
    const r = cli(["concat", out, a, b, a]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(check(out, [a, b, a], 0), "<i4 True True True");
  });

  test("appends to an existing file; casting is checked", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    copyFileSync(fixturePath("f8_le_c_2d"), out);
    const i2 = fixturePath("i2_le_c_2d");
    const r = cli(["concat", out, i2]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      check(out, [fixturePath("f8_le_c_2d"), i2], 0, "<f8"),
      "<f8 True True True",
    );

    const before = readFileSync(out);
    assertFailed(
      cli(["concat", out, i2, fixturePath("c8_le_c_2d")]),
      1,
      /dtype "<c8" cannot be cast to "<f8" under casting "same_kind"/,
    );
    assert.deepEqual(readFileSync(out), before, "OUT unchanged");
  });

  test("--casting unsafe and --dtype for a new file", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    const f8 = fixturePath("f8_le_c_2d");
    assertFailed(
      cli(["concat", "--dtype", "i2", out, f8]),
      1,
      /cannot be cast to "<i2" under casting "same_kind"/,
    );
    assert.equal(existsSync(out), false);
    const r = cli(["concat", "--dtype", "f4", out, f8]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(check(out, [f8], 0, "<f4"), "<f4 True True True");
  });

  test("shape mismatch: exit 1, OUT untouched", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    copyFileSync(fixturePath("f8_le_c_2d"), out);
    const before = readFileSync(out);
    assertFailed(
      cli([
        "concat",
        out,
        fixturePath("f8_le_c_2d"),
        fixturePath("f8_le_c_3d"),
      ]),
      1,
      /f8_le_c_3d\.npy" of shape \(2, 3, 4\) to ".*out\.npy": its shape must be \(n, 4\)/,
    );
    assert.deepEqual(readFileSync(out), before);
  });

  test("a value out of range half way: OUT put back as it was", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    const small = join(dir, "small.npy");
    const big = join(dir, "big.npy");
    py(
      "np.save(sys.argv[1], np.arange(4, dtype='<f8'))\nnp.save(sys.argv[2], np.arange(4, dtype='<f4'))\nnp.save(sys.argv[3], np.array([1.0, 1e300]))",
      small,
      out,
      big,
    );
    const before = readFileSync(out);
    const r = cli(["concat", out, small, big]);
    assertFailed(r, 1, /1e\+300/);
    assert.deepEqual(readFileSync(out), before);
    assert.deepEqual(readdirSync(dir).sort(), [
      "big.npy",
      "out.npy",
      "small.npy",
    ]);
  });

  test("OUT as an input: exit 2", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    copyFileSync(fixturePath("f8_le_c_1d"), out);
    assertFailed(cli(["concat", out, out]), 2, /into itself/);
  });

  test("missing input: exit 1, nothing created", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    assertFailed(
      cli(["concat", out, join(dir, "nope.npy")]),
      1,
      /Cannot open ".*nope\.npy": no such file/,
    );
    assert.equal(existsSync(out), false);
  });
});

describe("from-csv", withNumpy, () => {
  const loadtxtEqual = (npy: string, csv: string, extra = "") =>
    py(
      `a = np.load(sys.argv[1])
b = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2${extra})
print(a.shape, a.dtype.str, a.shape == b.shape and np.array_equal(a, b, equal_nan=True))`,
      npy,
      csv,
    );

  test(
    "matches np.loadtxt(ndmin=2), with comments, blank lines, CRLF, nan and inf",
    SLOW,
    () => {
      const dir = tempDir();
      const csv = join(dir, "a.csv");
      writeFileSync(
        csv,
        "# made by hand\n1,2.5,-3e-7\r\n\n4,nan,inf\n -inf , 1e308 ,0.1 # note\n-0.0,5,6\n",
      );
      const out = join(dir, "a.npy");
      const r = cli(["from-csv", csv, out]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(loadtxtEqual(out, csv), "(4, 3) <f8 True");
      assert.equal(
        py("print(np.signbit(np.load(sys.argv[1])[3, 0]))", out),
        "True",
      );
    },
  );

  test("quoted fields (RFC 4180), --header, a delimiter option", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "a.csv");
    writeFileSync(csv, 'x;"y;z"\n"1";"2.5"\n3;"4"\n');
    const out = join(dir, "a.npy");
    const r = cli(["from-csv", "--header", "-d", ";", csv, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      py("print(np.load(sys.argv[1]).tolist())", out),
      "[[1.0, 2.5], [3.0, 4.0]]",
    );
  });

  test("missing values are NaN for floats", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "a.npy");
    const r = cli(["from-csv", "-", out], { input: "1,,3\n,5,\n" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      py("print(np.load(sys.argv[1]).tolist())", out),
      "[[1.0, nan, 3.0], [nan, 5.0, nan]]",
    );
  });

  test("integer, bool, complex and string dtypes", SLOW, () => {
    const dir = tempDir();
    const cases: [string, string, string][] = [
      [
        "i8",
        "9223372036854775807,-9223372036854775808\n1,-2\n",
        "[[9223372036854775807, -9223372036854775808], [1, -2]]",
      ],
      ["u1", "0,255\n", "[[0, 255]]"],
      ["b1", "0,1\nTrue,False\n", "[[False, True], [True, False]]"],
      ["c16", "1+2j,-3.5e1-1j\n2j,4\n", "[[(1+2j), (-35-1j)], [2j, (4+0j)]]"],
      ["U3", 'ab,"c,d"\n"e""f",\n', "[['ab', 'c,d'], ['e\"f', '']]"],
    ];
    for (const [dtype, text, want] of cases) {
      const out = join(dir, `${dtype}.npy`);
      const r = cli(["from-csv", "--dtype", dtype, "-", out], { input: text });
      assert.equal(r.code, 0, `${dtype}: ${r.stderr}`);
      assert.equal(
        py("print(np.load(sys.argv[1]).tolist())", out),
        want,
        dtype,
      );
    }
  });

  test("--1d gives shape (n,), like np.loadtxt on one column", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "a.csv");
    writeFileSync(csv, "1\n2\n3\n");
    const out = join(dir, "a.npy");
    assert.equal(cli(["from-csv", "--1d", csv, out]).code, 0);
    assert.equal(
      py(
        "a = np.load(sys.argv[1]); b = np.loadtxt(sys.argv[2])\nprint(a.shape, np.array_equal(a, b))",
        out,
        csv,
      ),
      "(3,) True",
    );
    // A 1-d file takes one-column CSV without --1d.
    assert.equal(cli(["from-csv", "-", out], { input: "4\n" }).code, 0);
    assert.equal(
      py("print(np.load(sys.argv[1]).tolist())", out),
      "[1.0, 2.0, 3.0, 4.0]",
    );
  });

  test("large input streams in batches and equals np.loadtxt", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "big.csv");
    py(
      "rng = np.random.default_rng(1)\na = rng.standard_normal((150_000, 4)) * 10.0 ** rng.integers(-5, 5, (150_000, 4))\nnp.savetxt(sys.argv[1], a, delimiter=',', fmt='%r')",
      csv,
    );
    const out = join(dir, "big.npy");
    const r = cli(["from-csv", csv, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(loadtxtEqual(out, csv), "(150000, 4) <f8 True");
  });

  test("a bad field: exit 1 naming line and column, no file", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "a.npy");
    const r = cli(["from-csv", "-", out], { input: "1,2\n3,4\n\n5,abc\n" });
    assertFailed(
      r,
      1,
      /Cannot read <stdin> line 4, column 2: "abc" is not a number/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  test("a bad line in a file: named with the file", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "in.csv");
    writeFileSync(csv, "1,2\n3,4,5\n");
    const out = join(dir, "a.npy");
    assertFailed(
      cli(["from-csv", csv, out]),
      1,
      /Cannot read .*in\.csv line 2: it has 3 columns, expected 2/,
    );
    assert.equal(existsSync(out), false);
  });

  test("missing value in an integer column: error", SLOW, () => {
    const dir = tempDir();
    assertFailed(
      cli(["from-csv", "--dtype", "i4", "-", join(dir, "a.npy")], {
        input: "1,2\n3,\n",
      }),
      1,
      /line 2, column 2: "" is not an integer \(missing values need a float dtype\)/,
    );
  });

  test("integer out of range: error", SLOW, () => {
    const dir = tempDir();
    assertFailed(
      cli(["from-csv", "--dtype", "u1", "-", join(dir, "a.npy")], {
        input: "1\n256\n",
      }),
      1,
      /line 2, column 1: "256" is not in the range of \|u1/,
    );
  });

  test("an unclosed quote: error", SLOW, () => {
    const dir = tempDir();
    assertFailed(
      cli(["from-csv", "-", join(dir, "a.npy")], { input: '1,2\n"3,4\n' }),
      1,
      /line 2: a quoted field is not closed/,
    );
  });

  test("appending to an existing file; a failure puts it back", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "a.npy");
    assert.equal(cli(["from-csv", "-", out], { input: "1,2\n" }).code, 0);
    assert.equal(cli(["from-csv", "-", out], { input: "3,4\n" }).code, 0);
    const before = readFileSync(out);
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},${i}`).join(
      "\n",
    );
    assertFailed(
      cli(["from-csv", "-", out], { input: `${rows}\n1,x\n` }),
      1,
      /line 200001, column 2/,
    );
    assert.deepEqual(readFileSync(out), before);
    assert.equal(
      py("print(np.load(sys.argv[1]).tolist())", out),
      "[[1.0, 2.0], [3.0, 4.0]]",
    );
    assertFailed(
      cli(["from-csv", "-", out], { input: "1,2,3\n" }),
      1,
      /line 1: it has 3 columns, expected 2/,
    );
    assert.equal(
      cli(["from-csv", "--overwrite", "-", out], { input: "7\n" }).code,
      0,
    );
    assert.equal(py("print(np.load(sys.argv[1]).tolist())", out), "[[7.0]]");
  });

  test("missing input file: exit 1", SLOW, () => {
    const dir = tempDir();
    assertFailed(
      cli(["from-csv", join(dir, "no.csv"), join(dir, "a.npy")]),
      1,
      /Cannot open ".*no\.csv": no such file/,
    );
  });

  test("an empty CSV with a header gives shape (0, columns)", SLOW, () => {
    const dir = tempDir();
    const out = join(dir, "a.npy");
    assert.equal(
      cli(["from-csv", "--header", "-", out], { input: "a,b,c\n" }).code,
      0,
    );
    assert.equal(py("print(np.load(sys.argv[1]).shape)", out), "(0, 3)");
  });
});

describe("to-csv", withNumpy, () => {
  test("floats round-trip exactly through np.loadtxt", SLOW, () => {
    for (
      const name of [
        "f8_le_c_1d",
        "f8_be_c_2d",
        "f8_le_f_2d",
        "f4_be_c_1d",
        "f2_le_c_1d",
      ]
    ) {
      const dir = tempDir();
      const csv = join(dir, "a.csv");
      const r = cli(["to-csv", fixturePath(name), csv]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const out = py(
        `a = np.load(sys.argv[1])
b = np.loadtxt(sys.argv[2], delimiter=",", dtype=a.dtype, ndmin=a.ndim)
print(a.shape == b.shape and np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b)))`,
        fixturePath(name),
        csv,
      );
      assert.equal(out, "True", name);
    }
  });

  test(
    "integers, bools and complex numbers read back by np.loadtxt",
    SLOW,
    () => {
      for (
        const name of [
          "i8_be_c_2d",
          "u8_le_c_1d",
          "i1_na_c_1d",
          "u2_be_c_1d",
          "b1_na_f_2d",
          "c16_be_c_1d",
          "c8_le_f_2d",
        ]
      ) {
        const r = cli(["to-csv", fixturePath(name)]);
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const out = runPython(
          `import numpy as np, sys, io
a = np.load(sys.argv[1])
b = np.loadtxt(io.StringIO(sys.stdin.read()), delimiter=",", dtype=a.dtype, ndmin=a.ndim)
print(a.shape == b.shape and np.array_equal(a, b, equal_nan=True))`,
          [fixturePath(name)],
          new TextEncoder().encode(r.stdout),
        ).trim();
        assert.equal(out, "True", name);
      }
    },
  );

  test(
    "strings are quoted when needed and come back through from-csv",
    SLOW,
    () => {
      const dir = tempDir();
      const src = join(dir, "s.npy");
      py(
        `np.save(sys.argv[1], np.array([["a,b", 'say "hi"'], ["line\\nbreak", " edge "], ["", "#x"]]))`,
        src,
      );
      const r = cli(["to-csv", src]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        '"a,b","say ""hi"""\n"line\nbreak"," edge "\n,"#x"\n',
      );
      const back = join(dir, "back.npy");
      assert.equal(
        cli(["from-csv", "--dtype", "U12", "-", back], { input: r.stdout })
          .code,
        0,
      );
      assert.equal(
        py(
          "print(np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])))",
          src,
          back,
        ),
        "True",
      );
    },
  );

  test("CSV -> npy -> CSV is byte-identical for shortest floats", SLOW, () => {
    const dir = tempDir();
    // In NumPy's str() style (stop 27): 123456789.0, as NumPy prints it.
    const text = "0.1,-2.5,1e-300\nnan,inf,-inf\n-0.0,123456789.0,3.14159\n";
    const npy = join(dir, "a.npy");
    assert.equal(cli(["from-csv", "-", npy], { input: text }).code, 0);
    const r = cli(["to-csv", npy, "-"]);
    assert.equal(r.stdout, text);
  });

  test("a 3-d array: exit 1", SLOW, () => {
    assertFailed(
      cli(["to-csv", fixturePath("f8_le_c_3d")]),
      1,
      /it is 3-d, and CSV holds 1-d and 2-d arrays/,
    );
  });

  test("a structured array: exit 1", SLOW, () => {
    assertFailed(
      cli(["to-csv", fixturePath("struct_simple_c_1d")]),
      1,
      /structured/,
    );
  });

  test("a file that needs recovery: exit 1, naming recover", SLOW, () => {
    const dir = tempDir();
    const p = join(dir, "cut.npy");
    const bytes = readFileSync(fixturePath("f8_le_c_2d"));
    writeFileSync(p, bytes.subarray(0, bytes.length - 12));
    assertFailed(
      cli(["to-csv", p]),
      1,
      /run "npy-append-array recover .*cut\.npy" first/,
    );
  });
});
