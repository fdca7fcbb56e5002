// Unit tests of the command line's CSV reader, value formats and progress
// line (in-process; tests/cli_test.ts runs the program itself).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CsvError } from "../src/cli/_csv_parse.ts";
import {
  formatter,
  parseComplexField,
  parseFloatField,
  quoteField,
} from "../src/cli/_csv_values.ts";
import { parseDType } from "../src/dtype.ts";
import { decodeItems } from "../src/decode.ts";
import { progressLine } from "../src/cli/_progress.ts";
import {
  formatDatetime,
  parseDatetime,
  timeUnit,
} from "../src/cli/_csv_datetime.ts";
import { parseAll } from "./_csv_parse_all.ts";
import { parseArgs, UsageError } from "../src/cli/_args.ts";

describe("CsvParser", () => {
  const text = 'a,"b,c"\r\n# comment\n\n"multi\nline","q""uote"\n1,2 # tail\n' +
    ' "sp" ,x\n"", \nlast,"no newline"';
  const want: [string[], number][] = [
    [["a", "b,c"], 1],
    [["multi\nline", 'q"uote'], 4],
    [["1", "2 "], 6],
    [["sp", "x"], 7],
    [["", " "], 8],
    [["last", "no newline"], 9],
  ];

  test("records, quotes, comments, blank lines, line numbers", () => {
    assert.deepEqual(parseAll(text), want);
  });

  test("the same records whatever the chunk boundaries", () => {
    for (let i = 0; i <= text.length; i++) {
      assert.deepEqual(parseAll(text, [i]), want, `cut at ${i}`);
      for (let j = i; j <= text.length; j += 7) {
        assert.deepEqual(parseAll(text, [i, j]), want, `cuts at ${i}, ${j}`);
      }
    }
  });

  test("an unclosed quote names the line", () => {
    assert.throws(
      () => parseAll('1,2\n3,"4\n5\n'),
      (e: unknown) =>
        e instanceof CsvError &&
        e.message === "Cannot read t.csv line 2: a quoted field is not closed",
    );
  });

  test("text after a closing quote is an error", () => {
    assert.throws(
      () => parseAll('"a"b,c\n'),
      /line 1, column 1: unexpected text after a closing quote/,
    );
  });

  test("tab delimiter", () => {
    assert.deepEqual(parseAll('1\t"2\t3"\n', [], "\t"), [[["1", "2\t3"], 1]]);
  });
});

describe("CSV values", () => {
  test("floats as np.loadtxt reads them", () => {
    const cases: [string, number | undefined][] = [
      ["1", 1],
      [" 2.5 ", 2.5],
      ["-3e-7", -3e-7],
      [".5", 0.5],
      ["5.", 5],
      ["+1", 1],
      ["", NaN],
      ["  ", NaN],
      ["nan", NaN],
      ["NaN", NaN],
      ["-inf", -Infinity],
      ["Inf", Infinity],
      ["infinity", Infinity],
      ["0x10", undefined],
      ["0b1", undefined],
      ["1,0", undefined],
      ["abc", undefined],
      ["1_000", undefined],
    ];
    for (const [s, v] of cases) {
      const got = parseFloatField(s);
      if (v === undefined) assert.equal(got, undefined, s);
      else assert.ok(Object.is(got, v), `${s}: ${got}`);
    }
  });

  test("complex numbers", () => {
    assert.deepEqual(parseComplexField("1+2j"), [1, 2]);
    assert.deepEqual(parseComplexField("-1.5e3-2j"), [-1500, -2]);
    assert.deepEqual(parseComplexField("1e-3+1e+2j"), [0.001, 100]);
    assert.deepEqual(parseComplexField("3j"), [0, 3]);
    assert.deepEqual(parseComplexField("(4-j)"), [4, -1]);
    assert.deepEqual(parseComplexField("7"), [7, 0]);
    assert.deepEqual(parseComplexField("nan+nanj"), [NaN, NaN]);
    assert.equal(parseComplexField("1+xj"), undefined);
  });

  test("shortest float text that reads back the same, as NumPy's str() writes it", () => {
    const f4 = formatter(parseDType("<f4"), ",", "x");
    const data = new Float32Array([
      0.1,
      1 / 3,
      16777216,
      -0,
      3.4028234663852886e38,
    ]);
    const texts = [...data].map((_, i) => f4(data, i));
    assert.deepEqual(texts, [
      "0.1",
      "0.33333334",
      "16777216.0",
      "-0.0",
      "3.4028235e+38",
    ]);
    for (let i = 0; i < data.length; i++) {
      assert.equal(Math.fround(Number(texts[i])), data[i]);
    }
    const f8 = formatter(parseDType("<f8"), ",", "x");
    const d8 = new Float64Array([0.1, NaN, Infinity, -Infinity, 5e-324]);
    assert.deepEqual([...d8].map((_, i) => f8(d8, i)), [
      "0.1",
      "nan",
      "inf",
      "-inf",
      "5e-324",
    ]);
  });

  test("float16 from its bits, as NumPy's str() writes it", () => {
    const f2 = parseDType("<f2");
    const bits = new Uint8Array(
      new Uint16Array([0x3c00, 0x3555, 0x7bff, 0x0001, 0xfc00]).buffer,
    );
    const data = decodeItems(bits, f2, 5);
    const fmt = formatter(f2, ",", "x");
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => fmt(data, i)),
      ["1.0", "0.3333", "65500.0", "6e-08", "-inf"],
    );
  });

  test("quoting", () => {
    assert.equal(quoteField("plain", ","), "plain");
    assert.equal(quoteField("a,b", ","), '"a,b"');
    assert.equal(quoteField('q"', ","), '"q"""');
    assert.equal(quoteField("a;b", ";"), '"a;b"');
    assert.equal(quoteField(" x", ","), '" x"');
    assert.equal(quoteField("#", ","), '"#"');
  });

  test("structured dtypes are refused", () => {
    assert.throws(
      () => formatter(parseDType("[('a', '<f4')]"), ",", "r.npy"),
      /Cannot write "r\.npy" as CSV: its dtype .* is structured/,
    );
  });
});

describe("progress line", () => {
  test("known total: bar, percent, sizes, rate, time left", () => {
    const line = progressLine("from-csv a.csv", 512 << 20, 1024 << 20, 4, 100);
    assert.equal(
      line,
      "from-csv a.csv [###############---------------]  50% 512 MiB/1.0 GiB 128 MiB/s 0:04 left",
    );
  });

  test("unknown total: bytes and rate", () => {
    assert.equal(
      progressLine("<stdin>", 3 << 20, undefined, 2, 80),
      "<stdin> 3.0 MiB 1.5 MiB/s",
    );
  });

  test("fits a narrow terminal", () => {
    const line = progressLine("concat out.npy", 1, 10, 1, 40);
    assert.ok(line.length <= 39, line);
  });

  // Issue 16: at narrow terminals the bar cut the file name to nothing.
  const cases: [string, number, RegExp][] = [
    // [label, width, what the line must show]
    [
      "to-csv data/measurements_2024.npy",
      80,
      /^to-csv data\/measurements_2024\.npy .* 40% /,
    ],
    [
      "to-csv data/measurements_2024.npy",
      40,
      /^to-csv data\/measurements_2024\.npy {2}40%$/,
    ],
    ["to-csv data/measurements_2024.npy", 20, /^measure…24\.npy {2}40%$/],
    ["concat out.npy", 20, /^concat out\.npy {2}40%$/],
    [
      "from-csv a/very/long/folder/name/then/the_file_we_want.csv",
      40,
      /^the_file_we_want\.csv .*40%/,
    ],
    [
      "from-csv x/an_extremely_long_file_name_indeed.csv",
      20,
      /^an_extr…ed\.csv {2}40%$/,
    ],
  ];
  for (const [label, width, want] of cases) {
    test(`width ${width}: "${label}" stays readable`, () => {
      const line = progressLine(label, 4 << 20, 10 << 20, 2, width);
      assert.ok(line.length <= width - 1, `${line.length}: ${line}`);
      assert.match(line, want);
    });
  }

  test("unknown total at width 20: the name and the bytes", () => {
    const line = progressLine("from-csv <stdin>", 3 << 20, undefined, 2, 20);
    assert.ok(line.length <= 19, line);
    assert.match(line, /^from-csv <stdin>|^<stdin> 3\.0 MiB/);
  });
});

describe("datetimes as CSV text", () => {
  const units = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "as"];
  test("formatDatetime and parseDatetime are inverse for every unit", () => {
    for (const u of units) {
      const unit = timeUnit(`<M8[${u}]`)!;
      for (const v of [0n, 1n, -1n, 12345n, -987654n, -(1n << 63n)]) {
        const text = formatDatetime(v, unit);
        assert.equal(parseDatetime(text, unit), v, `${u} ${v} ${text}`);
      }
    }
  });

  test("NumPy's spelling", () => {
    const s = timeUnit("<M8[s]")!;
    assert.equal(formatDatetime(-1n, s), "1969-12-31T23:59:59");
    assert.equal(formatDatetime(-(1n << 63n), s), "NaT");
    assert.equal(
      formatDatetime(25n, timeUnit("<M8[ms]")!),
      "1970-01-01T00:00:00.025",
    );
    assert.equal(formatDatetime(25n, timeUnit("<M8[M]")!), "1972-02");
    assert.equal(formatDatetime(-1n, timeUnit("<M8[W]")!), "1969-12-25");
    assert.equal(
      formatDatetime(2n, timeUnit("<M8[10s]")!),
      "1970-01-01T00:00:20",
    );
  });

  test("text the unit cannot hold exactly is refused", () => {
    const d = timeUnit("<M8[D]")!;
    assert.equal(parseDatetime("2020-01-01T12", d), undefined);
    assert.equal(parseDatetime("2020-02-30", d), undefined);
    assert.equal(parseDatetime("1 Jan 2020", d), undefined);
    assert.equal(parseDatetime("2020-13-01", d), undefined);
    assert.equal(
      parseDatetime("1970-01-01T00:00:01.5", timeUnit("<M8[s]")!),
      undefined,
    );
    assert.equal(
      parseDatetime("1970-01-01T00:00:15", timeUnit("<M8[10s]")!),
      undefined,
    );
    assert.equal(parseDatetime("2020-01-01", d), 18262n);
    assert.equal(parseDatetime("NaT", d), -(1n << 63n));
  });
});

describe("argument parsing", () => {
  const spec = {
    name: "cmd",
    options: {
      dtype: { type: "string" as const },
      delimiter: { type: "string" as const, short: "d" },
      flag: { type: "flag" as const },
    },
    minArgs: 1,
    maxArgs: 2,
    stdio: [0],
  };

  test("options in every spelling, '-' and '--'", () => {
    const p = parseArgs(
      ["--dtype=f4", "-d", ";", "-", "--flag", "--", "--x"],
      spec,
    );
    assert.deepEqual(p.positional, ["-", "--x"]);
    assert.deepEqual(p.options, { dtype: "f4", delimiter: ";", flag: true });
    assert.equal(parseArgs(["-d;", "a"], spec).options["delimiter"], ";");
  });

  test("usage errors", () => {
    assert.throws(() => parseArgs(["--nope", "a"], spec), UsageError);
    assert.throws(() => parseArgs(["a", "--dtype"], spec), /needs a value/);
    assert.throws(() => parseArgs(["--flag=1", "a"], spec), /takes no value/);
    assert.throws(
      () => parseArgs([], spec),
      /needs at least 1 argument, got 0/,
    );
    assert.throws(
      () => parseArgs(["a", "b", "c"], spec),
      /at most 2 arguments, got 3/,
    );
    assert.equal(parseArgs(["--help"], spec).help, true);
  });
});
