/**
 * Adversary round 4, headers: descrs that NumPy reads differently from a
 * naive reading, or refuses, with NumPy 1.24 as the oracle. Each kind has
 * the member that was found plus others of the same kind:
 *
 * - a field whose sub-array shape is the plain integer 1 (`('a', '<f8', 1)`)
 *   is a scalar field to NumPy, not a `(1,)` sub-array;
 * - field names and titles that collide (`(('a', 'a'), '<i4')`, a title
 *   equal to another field's name) are refused by NumPy, so a file with
 *   them must not be written, nor read as if valid;
 * - type strings in a header that `np.dtype` refuses (spaces, a byte order
 *   before a type name, `M8[ s]`) are refused, those it accepts are read.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  inspectNpySync,
  isAppendableSync,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import {
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { toFixtureValues } from "./_js_json.ts";

/** A version 1.0 `.npy` file with `descr` (Python text) and `data`. */
function handMade(descr: string, shape: string, data: Uint8Array): Uint8Array {
  let text = `{'descr': ${descr}, 'fortran_order': False, 'shape': ${shape}, }`;
  text += " ".repeat(63 - ((10 + text.length) % 64)) + "\n";
  const head = new Uint8Array(10 + text.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head[8] = text.length & 0xff;
  head[9] = text.length >> 8;
  for (let i = 0; i < text.length; i++) head[10 + i] = text.charCodeAt(i);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/**
 * What `np.load` makes of a header's descr (`descr_to_dtype(eval(spec))`):
 * the descr `np.save` would write back, or null where NumPy refuses it.
 */
function numpyDescrs(specs: string[]): (string | null)[] {
  return JSON.parse(runPython(
    `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for s in json.loads(sys.argv[1]):
    try:
        dt = np.lib.format.descr_to_dtype(eval(s))
        out.append(repr(np.lib.format.dtype_to_descr(dt)))
    except Exception:
        out.append(None)
print(json.dumps(out))`,
    [JSON.stringify(specs)],
  ));
}

const f64 = (...xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);

describe("a sub-array shape given as the integer 1 is a scalar field", () => {
  const opts = numpyTestOptions();
  const DESCRS = [
    "[('a', '<f8', 1)]",
    "[('a', '<f8', 1), ('b', '<f8', 2)]",
    "[('a', ('<f8', 1), (2,))]",
    "[('a', ('<f8', (1,)), 1)]",
  ];

  test("readNpy gives the dtype and values np.load gives", opts, () => {
    const dir = tempDir();
    const paths = DESCRS.map((descr, i) => {
      const dt = parseDType(descr);
      const path = join(dir, `f${i}.npy`);
      const n = dt.itemsize / 8;
      const values = Array.from({ length: 2 * n }, (_, k) => k + 0.5);
      writeFileSync(path, handMade(descr, "(2,)", f64(...values)));
      return path;
    });
    const want = npLoadJsonMany(paths);
    const descrs = numpyDescrs(DESCRS);
    for (const [i, path] of paths.entries()) {
      const got = readNpySync(path);
      assert.equal(got.dtype, descrs[i], DESCRS[i]);
      assert.deepEqual(toFixtureValues(got), want[i]!.values, DESCRS[i]);
    }
  });

  test("parseDType agrees with np.dtype on the same text", opts, () => {
    const want = numpyDescrs(DESCRS);
    for (const [i, descr] of DESCRS.entries()) {
      assert.equal(parseDType(descr).str, want[i], descr);
    }
    // The JS spelling, as the FieldSpec type allows it.
    assert.equal(parseDType([["a", "<f8", 1]]).str, "[('a', '<f8')]");
    assert.equal(parseDType([["a", "<f8", 2]]).str, "[('a', '<f8', (2,))]");
  });

  test("an append keeps the dtype NumPy sees", opts, () => {
    const dir = tempDir();
    const path = join(dir, "one.npy");
    writeFileSync(path, handMade("[('a', '<f8', 1)]", "(1,)", f64(1.5)));
    {
      using npy = NpyAppendArraySync.open(path);
      npy.append({ data: [{ a: 2.5 }], shape: [1] });
    }
    const [got] = npLoadJsonMany([path]);
    assert.deepEqual(got!.values, [{ a: 1.5 }, { a: 2.5 }]);
    const header = readFileSync(path, "latin1").slice(10, 40);
    assert.equal(header, "{'descr': [('a', '<f8')], 'for");
  });
});

describe("field names and titles that collide are refused, as NumPy", () => {
  const opts = numpyTestOptions();
  const BAD = [
    "[(('a', 'a'), '<i4')]",
    "[(('b', 'a'), '<i4'), ('b', '<i4')]",
    "[('b', '<i4'), (('b', 'a'), '<i4')]",
    "[(('t', 'a'), '<i4'), (('t', 'b'), '<i4')]",
    "[(('a', 'b'), '<i4'), (('c', 'a'), '<i4')]",
    "[(('', 'a'), '<i4'), (('', 'b'), '<i4')]",
  ];
  const GOOD = [
    "[(('', 'a'), '<i4')]",
    "[(('x', 'a'), '<i4'), (('y', 'b'), '<i4')]",
  ];

  // The oracle is descr_to_dtype (np.load's way); np.dtype of a list would
  // rename fields called '' to f0, f1, ..., which a header never does.
  test("NumPy refuses them (the oracle)", opts, () => {
    assert.deepEqual(numpyDescrs(BAD), BAD.map(() => null));
    const good = numpyDescrs(GOOD);
    for (const [i, descr] of GOOD.entries()) {
      assert.notEqual(good[i], null, descr);
      assert.equal(parseDType(descr).str, good[i], descr);
    }
  });

  test("the dtype option refuses them with a TypeError", () => {
    for (const descr of BAD) {
      assert.throws(
        () => parseDType(descr),
        (e: unknown) =>
          e instanceof TypeError && /used twice|duplicate/.test(e.message),
        descr,
      );
      const mem = new MemoryFile();
      assert.throws(
        () => NpyAppendArraySync.open(mem, { dtype: descr }),
        TypeError,
      );
      assert.equal(mem.bytes().length, 0);
    }
  });

  test("a file with them is an NpyFormatError naming the file", () => {
    const dir = tempDir();
    for (const [i, descr] of BAD.entries()) {
      const path = join(dir, `bad${i}.npy`);
      const n = descr.split("<i4").length - 1;
      writeFileSync(path, handMade(descr, "(1,)", new Uint8Array(4 * n)));
      assert.throws(
        () => readNpySync(path),
        (e: unknown) =>
          e instanceof NpyFormatError && e.code === "unsupported-dtype" &&
          e.file === path && e.message.includes(path),
        descr,
      );
    }
  });
});

describe("type strings in a header are read exactly as np.dtype reads them", () => {
  const opts = numpyTestOptions();
  const TEXTS = [
    " <f8",
    "<M[10ms]",
    "m[s]",
    "<f8 ",
    "<f8\t",
    "<float64",
    ">int32",
    "|bool",
    "<M8[ s]",
    "<M8[s ]",
    "<m8[+s]",
    "<M8[ μs]",
    "unicode3",
    // Accepted by NumPy, so read.
    "<M8[ 10s]",
    "<M8[+10s]",
    "float64",
    "<d",
    "=q",
    "<datetime64[ms]",
  ];

  test("refused or read as NumPy does", opts, () => {
    const dir = tempDir();
    const paths = TEXTS.map((t, i) => {
      const path = join(dir, `t${i}.npy`);
      const repr = `'${t}'`;
      writeFileSync(path, handMade(repr, "(1,)", new Uint8Array(8)));
      return path;
    });
    const want: (string | null)[] = JSON.parse(runPython(
      `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for p in sys.argv[1:]:
    try:
        out.append(np.load(p).dtype.str)
    except Exception:
        out.append(None)
print(json.dumps(out))`,
      paths,
    ));
    for (const [i, path] of paths.entries()) {
      if (want[i] === null) {
        assert.throws(
          () => readNpySync(path),
          (e: unknown) =>
            e instanceof NpyFormatError && e.code === "unsupported-dtype" &&
            e.message.includes(path),
          TEXTS[i],
        );
      } else {
        const got = readNpySync(path);
        assert.equal(parseDType(got.dtype).str, want[i], TEXTS[i]);
      }
    }
  });
});

describe("titles that are not strings", () => {
  test("are refused with a message about the title, not the name", () => {
    for (const title of ["1", "(1, 2)", "b'x'"]) {
      const descr = `[((${title}, 'a'), '<i4')]`;
      const bytes = handMade(descr, "(1,)", new Uint8Array(4));
      assert.throws(
        () => readNpySync(new MemoryFile(bytes)),
        (e: unknown) =>
          e instanceof NpyFormatError && e.code !== undefined &&
          /title|cannot parse/.test(e.message) && !/name must/.test(e.message),
        descr,
      );
    }
  });
});

describe("escapes in header strings read as Python reads them", () => {
  const opts = numpyTestOptions();

  test("octal escapes of one to three digits", opts, () => {
    const dir = tempDir();
    const NAMES = [
      String.raw`a\012b`,
      String.raw`\101`,
      String.raw`\0`,
      String.raw`\08`,
      String.raw`\1234`,
      String.raw`\777`,
      String.raw`x\7y`,
    ];
    const paths = NAMES.map((name, i) => {
      const path = join(dir, `o${i}.npy`);
      writeFileSync(
        path,
        handMade(`[('${name}', 'u1')]`, "(1,)", new Uint8Array(1)),
      );
      return path;
    });
    const want: string[] = JSON.parse(runPython(
      `import json, sys
import numpy as np
print(json.dumps([np.load(p).dtype.names[0] for p in sys.argv[1:]]))`,
      paths,
    ));
    for (const [i, path] of paths.entries()) {
      const dt = parseDType(readNpySync(path).dtype);
      assert.equal(dt.fields![0]!.name, want[i], NAMES[i]);
    }
  });
});

describe("a 1.0 header whose names need escapes beyond latin1", () => {
  const opts = numpyTestOptions();

  test("is read, but never rewritten into another name", opts, () => {
    const dir = tempDir();
    const files = JSON.parse(runPython(
      `import json, os, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for i, d in enumerate([
    [('\\ud83d\\ude00', '<f4'), ('b', 'u1')],
    [(('\\udbff\\udfff', 'a'), '<i2')],
    [('s', [('\\ud800\\udc00x', 'u1')], (2,))],
]):
    p = os.path.join(sys.argv[1], "s%d.npy" % i)
    np.save(p, np.zeros(2, dtype=d))
    with open(p, "rb") as f:
        out.append([p, f.read()[6]])
print(json.dumps(out))`,
      [dir],
    )) as [string, number][];
    for (const [path, version] of files) {
      assert.equal(version, 1, path);
      const before = readFileSync(path);
      assert.equal(readNpySync(path).shape[0], 2);
      assert.equal(isAppendableSync(path), false);
      assert.equal(inspectNpySync(path).appendable, false);
      const refused = (e: unknown) =>
        e instanceof NpyFormatError && e.code === "unsupported-dtype" &&
        e.message.includes(path) && /rename the field/.test(e.message);
      assert.throws(() => NpyAppendArraySync.open(path), refused);
      // A partial row: recover would rewrite the header too.
      writeFileSync(path, Buffer.concat([before, Buffer.from([1])]));
      assert.throws(() => recoverSync(path), refused);
      for (const inplace of [false, true]) {
        assert.throws(() => ensureAppendableSync(path, { inplace }), refused);
      }
      writeFileSync(path, before);
      assert.deepEqual(readFileSync(path), before);
    }
  });
});

describe("NumPy's limits: 32 dimensions, items under 2**31 bytes", () => {
  const opts = numpyTestOptions();

  test("a 33-d append is a RangeError; 32-d files load in NumPy", opts, () => {
    const mem = new MemoryFile();
    const npy = NpyAppendArraySync.open(mem, { dtype: "<f8" });
    assert.throws(
      () => npy.append({ data: new Float64Array(1), shape: Array(33).fill(1) }),
      (e: unknown) => e instanceof RangeError && /32/.test(e.message),
    );
    assert.equal(mem.bytes().length, 0);
    const nested = Array(33).fill(0).reduce((acc) => [acc], 1.5);
    assert.throws(() => npy.append(nested), RangeError);
    npy.append({ data: new Float64Array(2), shape: [2, ...Array(31).fill(1)] });
    npy.close();
    const dir = tempDir();
    writeFileSync(join(dir, "d32.npy"), mem.bytes());
    const [got] = npLoadJsonMany([join(dir, "d32.npy")]);
    assert.equal(got!.shape.length, 32);
  });

  test("headers beyond the limits are NpyFormatErrors, fast", opts, () => {
    const dir = tempDir();
    const CASES: [string, string, string][] = [
      ["'<f8'", `(${Array(33).fill(0).join(", ")})`, "dimensions"],
      ["[('a', '<f8', (" + Array(33).fill(1).join(", ") + "))]", "(0,)", ""],
      ["'|V2147483648'", "(0,)", ""],
      ["'|S2147483648'", "(0,)", ""],
      ["'<U536870912'", "(0,)", ""],
      ["[('a', '|u1', (2147483647,)), ('b', '|u1')]", "(0,)", ""],
      ["[('a', '<f8', (268435456,))]", "(0,)", ""],
    ];
    const paths = CASES.map(([descr, shape], i) => {
      const path = join(dir, `l${i}.npy`);
      writeFileSync(path, handMade(descr, shape, new Uint8Array(0)));
      return path;
    });
    // NumPy refuses each, or misreads its itemsize (a C int): the oracle.
    const numpyOk: boolean[] = JSON.parse(runPython(
      `import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for p in sys.argv[1:]:
    try:
        a = np.load(p)
        out.append(a.dtype.itemsize > 0)
    except Exception:
        out.append(False)
print(json.dumps(out))`,
      paths,
    ));
    assert.deepEqual(numpyOk, CASES.map(() => false));
    for (const [i, path] of paths.entries()) {
      assert.throws(
        () => readNpySync(path),
        (e: unknown) =>
          e instanceof NpyFormatError && e.message.includes(path) &&
          (e.code === "bad-header" || e.code === "unsupported-dtype"),
        CASES[i]![0],
      );
    }
  });

  test("the dtype option refuses what NumPy cannot hold", () => {
    for (
      const spec of [
        "|S2147483648",
        "<U536870912",
        "|V2147483648",
        "[('a', '<f8', (268435456,))]",
        "[('a', '|u1', (2147483647,)), ('b', '|u1')]",
        "[('a', '<f8', (" + Array(33).fill(1).join(", ") + "))]",
      ]
    ) {
      assert.throws(() => parseDType(spec), TypeError, spec);
    }
    assert.equal(parseDType("|S2147483647").itemsize, 2147483647);
    assert.equal(parseDType("<U536870911").itemsize, 2147483644);
    assert.equal(
      parseDType("[('a', '<f8', (" + Array(32).fill(1).join(", ") + "))]")
        .itemsize,
      8,
    );
  });
});

describe("padding in a descr is what descr_to_dtype calls padding", () => {
  const opts = numpyTestOptions();
  // A field named '' whose whole type is void (a plain V, or any sub-array)
  // is padding to NumPy; one with a title, or of another type, is a field.
  const DESCRS = [
    "[('a', '<i2'), ('', '>f4', (2,)), ('c', 'S3')]",
    "[('', '<f8', (0,)), ('b', 'u1')]",
    "[('', [('x', 'u1')], (2,)), ('b', 'u1')]",
    "[('', ('<f8', (2,))), ('b', 'u1')]",
    "[(('t', ''), '|V4'), ('b', 'u1')]",
    "[('', '<f8', 1), ('b', 'u1')]",
    "[('', 'S3'), ('b', 'u1')]",
    "[('', '|V3', (2,)), ('b', 'u1')]",
  ];

  test("readNpy and parseDType agree with np.load", opts, () => {
    const want = numpyDescrs(DESCRS);
    const dir = tempDir();
    for (const [i, descr] of DESCRS.entries()) {
      assert.notEqual(want[i], null, descr);
      const dt = parseDType(descr);
      assert.equal(dt.str, want[i], descr);
      const path = join(dir, `p${i}.npy`);
      writeFileSync(
        path,
        handMade(descr, "(2,)", new Uint8Array(2 * dt.itemsize)),
      );
      assert.equal(readNpySync(path).dtype, want[i], descr);
    }
  });
});

describe("Python 2 text in headers", () => {
  const opts = numpyTestOptions();

  test("u'' strings read as np.load reads them", opts, () => {
    const dir = tempDir();
    const path = join(dir, "u.npy");
    writeFileSync(
      path,
      handMade("[(u'a', u'<i2'), (U'b', '|u1')]", "(2,)", new Uint8Array(6)),
    );
    const [want] = numpyDescrs(["[(u'a', u'<i2'), (U'b', '|u1')]"]);
    assert.equal(readNpySync(path).dtype, want);
    for (const bad of ["b'<f8'", "ub'<f8'", "f'<f8'", "r'<f8'"]) {
      assert.throws(
        () =>
          readNpySync(new MemoryFile(handMade(bad, "(1,)", new Uint8Array(8)))),
        NpyFormatError,
        bad,
      );
    }
  });
});

describe("ensureAppendable in place on a path", () => {
  const opts = numpyTestOptions();

  test("refuses a file of several records, as the other paths do", opts, () => {
    const dir = tempDir();
    const path = join(dir, "multi.npy");
    runPython(
      `import sys, numpy as np
with open(sys.argv[1], "wb") as f:
    np.save(f, np.arange(3.0))
    np.save(f, np.arange(2))`,
      [path],
    );
    const before = readFileSync(path);
    for (const inplace of [false, true]) {
      assert.throws(
        () => ensureAppendableSync(path, { inplace }),
        (e: unknown) =>
          e instanceof NpyFormatError && e.code === "several-arrays",
        `inplace: ${inplace}`,
      );
    }
    assert.deepEqual(readFileSync(path), before);
  });
});
