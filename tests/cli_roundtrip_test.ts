/**
 * The command line keeps every value: `concat` copies bytes when dtypes
 * match, `to-csv` output reads back with `np.loadtxt` and `from-csv`, an
 * output file is replaced or created all at once, and the edges of issue
 * 16 (empty output files, `--max-header-size` on every command that reads
 * a header).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand } from "./_runtime.ts";
import { cli, type CliRun, ROOT } from "./_cli_run.ts";

const command = scriptCommand(new URL("../cli.ts", import.meta.url), [
  "-R",
  "-W",
  "--no-lock",
]);
const withNumpy = numpyTestOptions();
const SLOW = { timeout: 120_000 };

function ok(r: CliRun): CliRun {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

function py(code: string, ...args: string[]): string {
  return runPython(`import numpy as np, sys, io\n${code}`, args).trim();
}

/** The data bytes of a .npy file (after its header), as hex. */
function dataHex(path: string): string {
  return py(
    `f = open(sys.argv[1], "rb")
v = np.lib.format.read_magic(f)
np.lib.format._read_array_header(f, v)
print(f.read().hex())`,
    path,
  );
}

describe("concat copies bytes when dtypes match", withNumpy, () => {
  // Each member: Python making an array whose bits a decode and re-encode
  // would change.
  const members: [string, string][] = [
    [
      "lone surrogates in U strings",
      `np.array(["a\\ud800", "\\udfff", "ok\\U0001F600"], dtype="<U3")`,
    ],
    [
      "NaN payloads in f8, R's NA among them",
      `np.frombuffer(bytes.fromhex("a207000000 00f07f".replace(" ","") + "0100000000 00f87f".replace(" ","") + "ffffffff ffffff7f".replace(" ","")), "<f8")`,
    ],
    [
      "a signalling NaN in big-endian f4",
      `np.frombuffer(bytes.fromhex("7f800001ff800123"), ">f4")`,
    ],
    [
      "NaN payloads in c8",
      `np.frombuffer(bytes.fromhex("0100807f0200c0ff"), "<c8")`,
    ],
    [
      "float16 NaN payloads",
      `np.frombuffer(bytes.fromhex("017c03fe"), "<f2")`,
    ],
  ];
  for (const [name, make] of members) {
    test(name, SLOW, () => {
      const dir = tempDir();
      const a = join(dir, "a.npy");
      const b = join(dir, "b.npy");
      const out = join(dir, "out.npy");
      py(
        `a = ${make}
np.save(sys.argv[1], a)
np.save(sys.argv[2], a[::-1].copy())`,
        a,
        b,
      );
      ok(cli(["concat", "--no-progress", out, a, b]));
      assert.equal(dataHex(out), dataHex(a) + dataHex(b));
      // Appending to the existing output copies bytes too.
      ok(cli(["concat", "--no-progress", out, b]));
      assert.equal(dataHex(out), dataHex(a) + dataHex(b) + dataHex(b));
    });
  }

  test("different dtypes still convert, as NumPy casts", SLOW, () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    const b = join(dir, "b.npy");
    const out = join(dir, "out.npy");
    py(
      `np.save(sys.argv[1], np.array([1.5, np.nan, -2], "<f8"))
np.save(sys.argv[2], np.array([3, 4], "<i2"))`,
      a,
      b,
    );
    ok(cli(["concat", "--no-progress", out, a, b]));
    assert.equal(
      py(
        `x = np.load(sys.argv[1]); print(x.dtype.str, x.tolist())`,
        out,
      ),
      "<f8 [1.5, nan, -2.0, 3.0, 4.0]",
    );
  });
});

/** Checks that a to-csv of `src` reads back with np.loadtxt as np.load gives it. */
function loadtxtMatches(src: string, csv: string): string {
  return py(
    `a = np.load(sys.argv[1])
b = np.loadtxt(sys.argv[2], delimiter=",", dtype=a.dtype, quotechar='"', ndmin=max(a.ndim, 1))
b = b.reshape(a.shape)
same = a.dtype.kind in "fc" and np.array_equal(a, b, equal_nan=True) or a.dtype.kind not in "fc" and (a.tobytes() == b.tobytes())
print(same)`,
    src,
    csv,
  );
}

describe("to-csv reads back with np.loadtxt and from-csv", withNumpy, () => {
  const members: [string, string][] = [
    [
      "strings with commas, quotes, spaces and #",
      `np.array([["a,b", 'say "hi"'], [" edge ", "#x"], ["plain", 'q""q']], dtype="<U8")`,
    ],
    [
      "datetimes in days, NaT included",
      `np.array(["2020-02-29", "NaT", "1969-12-31", "1600-01-01"], dtype="<M8[D]")`,
    ],
    [
      "datetimes in seconds, 2-d, NaT included",
      `np.array([["2020-02-29T12:34:56", "NaT"], ["1969-12-31T23:59:59", "2262-04-11T23:47:16"]], dtype="<M8[s]")`,
    ],
    [
      "datetimes in milliseconds, big-endian",
      `np.array(["2021-06-01T00:00:00.001", "NaT", "1900-01-01T00:00:00.999"], dtype=">M8[ms]")`,
    ],
    [
      "datetimes in months and years",
      `np.array(["2020-02", "NaT", "1969-12"], dtype="<M8[M]")`,
    ],
    [
      "datetimes in nanoseconds",
      `np.array(["2020-01-01T00:00:00.123456789", "NaT", "1677-09-22T00:12:43.145224193"], dtype="<M8[ns]")`,
    ],
    [
      "complex numbers",
      `np.array([1+2j, -0.5-1e-300j, complex("nan+infj"), 3j], dtype="<c16")`,
    ],
    [
      "booleans, 2-d Fortran order",
      `np.asfortranarray(np.array([[True, False, True], [False, False, True]]))`,
    ],
  ];
  for (const [name, make] of members) {
    test(name, SLOW, () => {
      const dir = tempDir();
      const src = join(dir, "in.npy");
      const csv = join(dir, "out.csv");
      const back = join(dir, "back.npy");
      py(`np.save(sys.argv[1], ${make})`, src);
      ok(cli(["to-csv", "--no-progress", src, csv]));
      assert.equal(loadtxtMatches(src, csv), "True", readFileSync(csv, "utf8"));
      const dtype = py(`print(np.load(sys.argv[1]).dtype.str)`, src);
      const oneD = py(`print(np.load(sys.argv[1]).ndim)`, src) === "1";
      ok(cli([
        "from-csv",
        "--no-progress",
        "--dtype",
        dtype,
        ...(oneD ? ["--1d"] : []),
        csv,
        back,
      ]));
      assert.equal(
        py(
          `a = np.load(sys.argv[1]); b = np.load(sys.argv[2])
print(a.dtype == b.dtype, a.shape == b.shape, np.ascontiguousarray(a).tobytes() == b.tobytes())`,
          src,
          back,
        ),
        "True True True",
      );
    });
  }

  test(
    "datetimes are written as np.datetime_as_string writes them",
    SLOW,
    () => {
      const dir = tempDir();
      const src = join(dir, "t.npy");
      for (const unit of ["Y", "M", "W", "D", "h", "m", "s", "us", "as"]) {
        py(
          `np.save(sys.argv[1], np.array([0, -1, 7, 1234567, -(2**63)], dtype="<M8[${unit}]"))`,
          src,
        );
        const r = ok(cli(["to-csv", src]));
        const want = py(
          `print("\\n".join(np.datetime_as_string(np.load(sys.argv[1]))))`,
          src,
        );
        assert.equal(r.stdout.trimEnd(), want, unit);
      }
    },
  );

  test("from-csv refuses a datetime the unit cannot hold", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "d.csv");
    writeFileSync(csv, "2020-01-01\n2020-01-01T12\n");
    const r = cli(["from-csv", "--dtype", "M8[D]", csv, join(dir, "d.npy")]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /line 2, column 1: "2020-01-01T12" is not a datetime .* \(such as 1970-01-01, or NaT\)/,
    );
  });
});

describe("from-csv input that is not UTF-8", () => {
  const members: [string, Uint8Array][] = [
    ["a Latin-1 byte", new Uint8Array([0x31, 0x0a, 0xe9, 0x0a])],
    ["a cut multi-byte character at the end", new Uint8Array([0x31, 0xc3])],
    ["a lone continuation byte", new Uint8Array([0x80, 0x31, 0x0a])],
  ];
  for (const [name, bytes] of members) {
    test(name, SLOW, () => {
      const dir = tempDir();
      const csv = join(dir, "bad.csv");
      const out = join(dir, "out.npy");
      writeFileSync(csv, bytes);
      const r = cli(["from-csv", "--dtype", "U2", csv, out]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /Cannot read .*bad\.csv line [12]: it is not UTF-8 text \(byte 0x[0-9A-F]{2} at offset \d+\); convert it first/,
      );
      assert.deepEqual(readdirSync(dir), ["bad.csv"]);
    });
  }
});

describe("outputs replaced or created all at once", withNumpy, () => {
  test("to-csv over a longer CSV leaves none of its tail", SLOW, () => {
    const dir = tempDir();
    const src = join(dir, "a.npy");
    const csv = join(dir, "a.csv");
    py(`np.save(sys.argv[1], np.arange(3, dtype="<i4"))`, src);
    writeFileSync(csv, "old line\n".repeat(1000));
    ok(cli(["to-csv", "--no-progress", src, csv]));
    assert.equal(readFileSync(csv, "utf8"), "0\n1\n2\n");
    assert.deepEqual(readdirSync(dir).sort(), ["a.csv", "a.npy"]);
  });

  test("a failed to-csv leaves the old CSV and no temporary file", SLOW, () => {
    const dir = tempDir();
    const src = join(dir, "r.npy");
    const csv = join(dir, "r.csv");
    py(`np.save(sys.argv[1], np.zeros(3, dtype=[("a", "<f4")]))`, src);
    writeFileSync(csv, "keep me\n");
    assert.equal(cli(["to-csv", src, csv]).code, 1);
    assert.equal(readFileSync(csv, "utf8"), "keep me\n");
    assert.deepEqual(readdirSync(dir).sort(), ["r.csv", "r.npy"]);
  });

  test(
    "a to-csv killed mid-write leaves the old CSV; the next run removes its temporary file, not a running process's",
    SLOW,
    async () => {
      const dir = tempDir();
      const src = join(dir, "big.npy");
      const csv = join(dir, "big.csv");
      py(`np.save(sys.argv[1], np.arange(3_000_000, dtype="<f8"))`, src);
      writeFileSync(csv, "keep me\n");
      // A temporary of a running process (this one's parent) is left.
      const live = join(dir, `.big.csv.${process.ppid}.abc123.tmp`);
      writeFileSync(live, "");
      // Deno tells a dead process from a live one with --allow-run.
      const [exe, pre] = scriptCommand(new URL("../cli.ts", import.meta.url));
      const child = spawn(exe, [...pre, "to-csv", "--no-progress", src, csv], {
        cwd: ROOT,
        stdio: "ignore",
      });
      const exited = new Promise((r) => child.once("exit", r));
      const temps = () =>
        readdirSync(dir).filter((n) =>
          n.endsWith(".tmp") && n !== live.slice(dir.length + 1)
        );
      for (let i = 0; i < 6000 && temps().length === 0; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill("SIGKILL");
      await exited;
      assert.equal(temps().length, 1, "the killed run left no temporary file");
      assert.equal(readFileSync(csv, "utf8"), "keep me\n");
      py(`np.save(sys.argv[1], np.arange(2, dtype="<i4"))`, src);
      const again = spawnSync(exe, [
        ...pre,
        "to-csv",
        "--no-progress",
        src,
        csv,
      ], {
        encoding: "utf8",
      });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(readFileSync(csv, "utf8"), "0\n1\n");
      assert.deepEqual(temps(), []);
      assert.ok(readdirSync(dir).includes(live.slice(dir.length + 1)));
    },
  );

  test(
    "a CLI run on a terminal without --allow-run never asks for it when old temporaries lie beside the output",
    {
      ...SLOW,
      ...(existsSync("/usr/bin/script") ? {} : { skip: "needs script(1)" }),
    },
    () => {
      const dir = tempDir();
      const src = join(dir, "a b.v1.npy");
      py(`np.save(sys.argv[1], np.arange(3, dtype="<i4"))`, src);
      // A temporary of a pid that is gone, and one of a running process.
      const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
      for (const out of ["a b.v1.csv", "ü.csv"]) {
        const dead = `.${out}.${gone}.abc123.tmp`;
        const live = `.${out}.${process.pid}.abc123.tmp`;
        writeFileSync(join(dir, dead), "");
        writeFileSync(join(dir, live), "");
        const [exe, pre] = command;
        const line = [
          exe,
          ...pre,
          "to-csv",
          "--no-progress",
          src,
          join(dir, out),
        ]
          .map((a) => `'${a}'`).join(" ");
        // script(1) gives the CLI a terminal, where Deno would prompt.
        const r = spawnSync("script", ["-qec", line, "/dev/null"], {
          input: "",
          encoding: "utf8",
          timeout: 20_000,
        });
        assert.doesNotMatch(r.stdout, /requests|Allow\?/);
        assert.equal(r.status, 0, r.stdout);
        assert.equal(readFileSync(join(dir, out), "utf8"), "0\n1\n2\n");
        const left = readdirSync(dir);
        assert.ok(left.includes(live));
        // Deno without --allow-run cannot tell a dead pid: left.
        assert.equal(left.includes(dead), RUNTIME === "deno");
      }
    },
  );

  test("to-csv of rows without values fails fast", SLOW, () => {
    const dir = tempDir();
    for (const [descr, shape] of [["<f8", "(2**40, 0)"], ["|S0", "(5,)"]]) {
      const make = `${descr} ${shape}`;
      const src = join(dir, "z.npy");
      py(
        `with open(sys.argv[1], "wb") as f:
    np.lib.format.write_array_header_1_0(f, {"descr": "${descr}", "fortran_order": False, "shape": ${shape}})`,
        src,
      );
      const r = cli(["to-csv", src]);
      assert.equal(r.code, 1, make);
      assert.match(r.stderr, /rows hold no values/, make);
    }
  });

  test("an empty existing file is a new output for concat", SLOW, () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    const out = join(dir, "out.npy");
    py(`np.save(sys.argv[1], np.arange(6, dtype="<u2").reshape(3, 2))`, a);
    writeFileSync(out, "");
    ok(cli(["concat", "--no-progress", out, a]));
    assert.deepEqual(readFileSync(out), readFileSync(a));
  });

  test("an empty existing file is a new output for from-csv", SLOW, () => {
    const dir = tempDir();
    const csv = join(dir, "a.csv");
    const out = join(dir, "out.npy");
    writeFileSync(csv, "1,2\n3,4\n");
    writeFileSync(out, "");
    ok(cli(["from-csv", "--no-progress", "--dtype", "i4", csv, out]));
    assert.equal(
      py(`a = np.load(sys.argv[1]); print(a.dtype.str, a.tolist())`, out),
      "<i4 [[1, 2], [3, 4]]",
    );
  });

  test("an empty CSV makes the shape np.loadtxt(ndmin=2) gives", SLOW, () => {
    const dir = tempDir();
    const cases: Array<[string, string[], string]> = [
      ["", [], "(0, 1)"],
      ["\n\n", [], "(0, 1)"],
      ["# only a comment\n", [], "(0, 1)"],
      ["", ["--columns", "3"], "(0, 3)"],
      ["", ["--1d"], "(0,)"],
    ];
    for (const [i, [text, flags, shape]] of cases.entries()) {
      const csv = join(dir, `${i}.csv`);
      const out = join(dir, `${i}.npy`);
      writeFileSync(csv, text);
      ok(cli(["from-csv", "--no-progress", ...flags, csv, out]));
      assert.equal(
        py(
          `import warnings; warnings.simplefilter("ignore"); a = np.load(sys.argv[1]); print(a.shape)`,
          out,
        ),
        shape,
        JSON.stringify([text, flags]),
      );
    }
    // NumPy's own answer for the plain case, so the expectation is its.
    assert.equal(
      py(
        `import io, warnings; warnings.simplefilter("ignore"); print(np.loadtxt(io.StringIO(""), delimiter=",", ndmin=2).shape)`,
      ),
      "(0, 1)",
    );
  });

  test(
    "--max-header-size reaches the header of from-csv's output",
    SLOW,
    () => {
      const dir = tempDir();
      const csv = join(dir, "a.csv");
      const out = join(dir, "out.npy");
      writeFileSync(csv, "1,2\n");
      ok(cli(["from-csv", "--no-progress", csv, out]));
      const small = cli(["from-csv", "--max-header-size", "20", csv, out]);
      assert.equal(small.code, 1);
      assert.match(
        small.stderr,
        /--max-header-size \(20\); pass --max-header-size \d+/,
      );
      ok(cli(["from-csv", "--max-header-size", "20000", csv, out]));
      assert.equal(py(`print(np.load(sys.argv[1]).shape)`, out), "(2, 2)");
      assert.equal(
        cli(["from-csv", "--max-header-size", "many", csv, out]).code,
        2,
      );
    },
  );

  test(
    "--max-header-size is taken by every command that reads headers",
    SLOW,
    () => {
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
        assert.match(ok(cli([c, "--help"])).stdout, /--max-header-size N/, c);
      }
    },
  );
});
