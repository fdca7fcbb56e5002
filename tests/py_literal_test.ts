/**
 * The Python literal reader and writer: `pyRepr` strings equal Python's
 * `repr` (the escapes `str.isprintable()` decides, the quote choice), the
 * printable table agrees with Python for every code point, and the parser
 * reads back what `repr` writes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { NpyFormatError } from "../mod.ts";
import {
  parsePyLiteral,
  PY_NONE,
  pyRepr,
  pyReprString,
  PyTuple,
} from "../src/py_literal.ts";
import { isPrintable } from "../src/_printable.ts";
import { UNICODE_VERSION } from "../src/_printable_table.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

test(
  "isPrintable agrees with Python's str.isprintable for every code point",
  numpyTestOptions(),
  () => {
    const py = JSON.parse(runPython(
      `import json, sys, unicodedata
out = []
start = None
for c in range(0x110000):
    bad = not chr(c).isprintable()
    if bad and start is None:
        start = c
    elif not bad and start is not None:
        out.append([start, c])
        start = None
if start is not None:
    out.append([start, 0x110000])
print(json.dumps({"version": unicodedata.unidata_version, "ranges": out}))`,
    )) as { version: string; ranges: [number, number][] };
    assert.equal(UNICODE_VERSION, py.version);
    const ours: [number, number][] = [];
    let start = -1;
    for (let c = 0; c <= 0x110000; c++) {
      const bad = c < 0x110000 && !isPrintable(c);
      if (bad && start < 0) start = c;
      else if (!bad && start >= 0) {
        ours.push([start, c]);
        start = -1;
      }
    }
    assert.deepEqual(ours, py.ranges);
  },
);

// Every kind of character repr treats apart, plus quotes and backslashes.
const STRINGS = [
  "",
  "plain",
  "it's",
  'say "hi"',
  `both ' and "`,
  "back\\slash",
  "tab\there\nnew\rret",
  "\x00\x01\x1f\x7f",
  "\x80\x85\x9f\xa0\xad\xff",
  "é名😀",
  "\u200b\u200e\u2028\u2029\u202f\u3000",
  "\ufeff\ufffe\uffff",
  "\ue000\uf8ff",
  "\u0378\u0379",
  "\ud800",
  "\udfff lone",
  "\u{e0001}\u{e007f}",
  "\u{f0000}\u{10fffd}",
  "\u{1f600}\u{1d400}",
  "\u1680\u2000\u205f",
  "a'b\"c\\",
];

test("pyReprString equals Python's repr", numpyTestOptions(), () => {
  // Lone surrogates cannot cross JSON to Python as text: send code points.
  const points = STRINGS.map((s) => [...s].map((c) => c.codePointAt(0)!));
  const want = JSON.parse(runPython(
    `import json, sys
out = [repr("".join(chr(c) for c in s)) for s in json.loads(sys.argv[1])]
print(json.dumps(out))`,
    [JSON.stringify(points)],
  )) as string[];
  for (const [i, s] of STRINGS.entries()) {
    assert.equal(pyReprString(s), want[i], JSON.stringify(s));
  }
});

test("parsePyLiteral reads back what pyRepr writes", () => {
  for (const s of STRINGS) {
    assert.equal(parsePyLiteral(pyReprString(s), "text"), s);
  }
  const value = [
    new PyTuple(["a\u00a0b", "<f8", new PyTuple([2n, 5n])]),
    new PyTuple([
      "c",
      new PyTuple(["<f8", new PyTuple([5n])]),
      new PyTuple([2n]),
    ]),
  ];
  assert.deepEqual(parsePyLiteral(pyRepr(value)), value);
});

test("the Python 2 L suffix: upper case only, and only where allowed", () => {
  assert.deepEqual(parsePyLiteral("(3L, 2L)"), new PyTuple([3n, 2n]));
  assert.throws(() => parsePyLiteral("(3l,)"), NpyFormatError);
  assert.throws(
    () => parsePyLiteral("(3L,)", "header", { allowLongSuffix: false }),
    (e: Error) => e instanceof NpyFormatError && /offset 2/.test(e.message),
  );
  assert.deepEqual(
    parsePyLiteral("(3,)", "header", { allowLongSuffix: false }),
    new PyTuple([3n]),
  );
});

test("None is Python's None (np.save writes it as a field's missing title)", () => {
  assert.equal(parsePyLiteral("None"), PY_NONE);
  assert.equal(
    pyRepr(parsePyLiteral("[((None, 'a'), '<i4')]")),
    "[((None, 'a'), '<i4')]",
  );
});

test("malformed literals are NpyFormatErrors naming the offset", () => {
  for (
    const bad of [
      "'unterminated",
      "'bad \\q escape'",
      "'\\x4'",
      "'\\U00110000'",
      "(1, 2",
      "{'a': 1, 'a': 2}",
      "{1: 2}",
      "[1, 2] x",
      "01",
      "1.5",
      "Nonex",
      "__import__('os')",
      // Python's parser stops at 200 nested brackets.
      "(".repeat(201) + "1" + ")".repeat(201),
    ]
  ) {
    assert.throws(
      () => parsePyLiteral(bad),
      (e: Error) => e instanceof NpyFormatError && /offset \d+/.test(e.message),
      bad,
    );
  }
});
