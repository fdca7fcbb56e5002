/**
 * Adversary round 13, NumPy-made files: files NumPy writes in ways the
 * earlier rounds had not tried.
 *
 * Found before the fixes:
 * - A `bool` array NumPy made from raw bytes (`np.frombuffer(buf, bool)`,
 *   a bit mask read from a device or a file) holds bytes other than 0 and
 *   1; `np.save` keeps them and `np.load` reads each as `True`. `readNpy`
 *   and `NpyReader` gave the raw bytes (2, 255), not the 0/1 the README
 *   promises, and appending those rows to another file was a `RangeError`.
 * - Long double files (`np.longdouble`, `np.clongdouble`: `<f16`, `<c32`),
 *   which `np.save` writes on every x86-64 machine, and object arrays, were
 *   refused with messages naming no fix.
 * - `S` fields of records kept their trailing zeros (NumPy drops them).
 * - Headers `np.load` refuses were read: a NUL character (Python's parser
 *   takes none) and a vertical tab (no Python whitespace); headers np.load
 *   reads but np.save never writes now name the fix.
 * - An empty array with an axis beyond 2**53 - 1 names the fix.
 *
 * Held (kept here so it stays so): files written by `open_memmap` (C and
 * Fortran order, 1-D Fortran too) and by `write_array` with versions 1.0,
 * 2.0 and 3.0 forced, appended to and read back as `np.load` reads the
 * concatenation.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  parseDType,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const opts = numpyTestOptions();

/** The bytes of every case: 0, 1 and the other values a byte holds. */
const RAW = [0, 1, 2, 255, 128, 0, 7, 1];

/**
 * Writes bool files made from raw bytes; returns, per name, the values
 * `np.load(...).astype(np.uint8)` gives in the file's own order.
 */
function boolFiles(dir: string): Record<string, number[]> {
  return JSON.parse(runPython(
    `import json, sys
import numpy as np
d, raw = sys.argv[1], bytes(json.loads(sys.argv[2]))
files = {
    "flat": np.frombuffer(raw, bool),
    "more": np.frombuffer(raw[::-1], bool),
    "fortran": np.frombuffer(raw, bool).reshape(2, 4, order="F"),
    # Over the readers' 1 KiB scratch buffer: the other read path.
    "big": np.frombuffer(raw * 300, bool),
}
out = {}
for name, a in files.items():
    np.save(f"{d}/{name}.npy", a)
    b = np.load(f"{d}/{name}.npy")
    assert b.tobytes(order="A") == a.tobytes(order="A")  # np.save keeps the bytes
    out[name] = b.astype(np.uint8).ravel(order="K").tolist()
print(json.dumps(out))`,
    [dir, JSON.stringify(RAW)],
  ));
}

describe("adversary 13: bool files NumPy made from raw bytes", () => {
  test("readNpy gives 0 and 1, the values np.load gives", opts, async () => {
    const dir = tempDir();
    const want = boolFiles(dir);
    for (const [name, values] of Object.entries(want)) {
      const path = join(dir, `${name}.npy`);
      const sync = readNpySync(path);
      assert.equal(sync.dtype, "|b1", name);
      assert.deepEqual([...(sync.data as Uint8Array)], values, name);
      const async = await readNpy(path);
      assert.deepEqual([...(async.data as Uint8Array)], values, name);
      // From a file object too (another way in).
      const mem = new MemoryFile(new Uint8Array(readFileSync(path)));
      assert.deepEqual([...(readNpySync(mem).data as Uint8Array)], values);
    }
  });

  test("NpyReader rows, small and large, sync and async", opts, async () => {
    const dir = tempDir();
    const want = boolFiles(dir);
    for (const name of ["flat", "big"]) {
      const values = want[name]!;
      const path = join(dir, `${name}.npy`);
      await using reader = await NpyReader.open(path);
      for (const [s, e] of [[0, values.length], [2, 5], [3, 4]]) {
        const a = await reader.read(s, e);
        assert.deepEqual([...(a.data as Uint8Array)], values.slice(s, e));
        const b = reader.readSync(s, e);
        assert.deepEqual([...(b.data as Uint8Array)], values.slice(s, e));
      }
      // An async-only file object reads through the other path.
      const bytes = new Uint8Array(readFileSync(path));
      const asyncOnly = {
        read: (buf: Uint8Array, pos: number) => {
          const n = Math.max(0, Math.min(buf.length, bytes.length - pos));
          buf.set(bytes.subarray(pos, pos + n));
          return Promise.resolve(n);
        },
        write: () => Promise.reject(new Error("read only")),
        size: () => Promise.resolve(bytes.length),
        close: () => Promise.resolve(),
      };
      await using r2 = await NpyReader.open(asyncOnly);
      const c = await r2.read(1, values.length);
      assert.deepEqual([...(c.data as Uint8Array)], values.slice(1));
      // readInto gives the stored bytes, as NumPy's tobytes().
      const raw = new Uint8Array(4);
      assert.equal(reader.readIntoSync(raw, 0, 4), 4);
      assert.deepEqual([...raw], RAW.slice(0, 4));
    }
  });

  test(
    "rows read from one are appended to another, as np.concatenate's values",
    opts,
    () => {
      const dir = tempDir();
      boolFiles(dir);
      for (const [into, from] of [["flat", "more"], ["fortran", "fortran"]]) {
        const grown = join(dir, `${into}_grown.npy`);
        copyFileSync(join(dir, `${into}.npy`), grown);
        const before = new Uint8Array(readFileSync(grown));
        const rows = readNpySync(join(dir, `${from}.npy`));
        const w = NpyAppendArraySync.open(grown);
        w.append({
          data: rows.data,
          shape: rows.shape,
          fortranOrder: rows.fortranOrder,
        });
        w.close();
        const same = runPython(
          `import sys
import numpy as np
a, b, g = (np.load(p) for p in sys.argv[1:4])
axis = -1 if a.ndim > 1 and a.flags.f_contiguous else 0
print(np.array_equal(np.concatenate([a, b], axis=axis), g), g.flags.f_contiguous)`,
          [join(dir, `${into}.npy`), join(dir, `${from}.npy`), grown],
        ).trim();
        assert.equal(same, "True True", into);
        // The rows NumPy wrote are kept byte for byte.
        const after = new Uint8Array(readFileSync(grown));
        const data = before.length - RAW.length;
        assert.deepEqual(
          after.subarray(data, data + RAW.length),
          before.subarray(data),
          into,
        );
      }
    },
  );
});

describe("adversary 13: dtypes NumPy writes that JS cannot hold", () => {
  /** Writes the files; the descr of each. */
  function files(dir: string): Record<string, string> {
    return JSON.parse(runPython(
      `import json, sys
import numpy as np
d = sys.argv[1]
arrays = {
    "longdouble": np.arange(3, dtype=np.longdouble),
    "clongdouble": np.arange(3, dtype=np.clongdouble),
    "longdouble_be": np.arange(3, dtype=np.longdouble).astype(">f16"),
    "object": np.array([1, "a", None], dtype=object),
    "object_field": np.zeros(2, [("a", "O"), ("b", "<i4")]),
}
out = {}
for name, a in arrays.items():
    np.save(f"{d}/{name}.npy", a)
    np.load(f"{d}/{name}.npy", allow_pickle=True)  # NumPy reads them all
    out[name] = np.lib.format.dtype_to_descr(a.dtype)
print(json.dumps(out, default=str))`,
      [dir],
    ));
  }

  const FIX: Record<string, RegExp> = {
    longdouble: /long double .*a\.astype\("<f8"\), which rounds/,
    clongdouble: /long double .*a\.astype\("<c16"\), which rounds/,
    longdouble_be: /long double .*a\.astype\("<f8"\), which rounds/,
    object: /Python objects.*a\.astype\("U"\).* save it again/,
    object_field: /Python objects.*a\.astype\("U"\).* save it again/,
  };

  test(
    "reading and appending are NpyFormatErrors naming the file and the fix",
    opts,
    async () => {
      const dir = tempDir();
      const made = files(dir);
      assert.deepEqual(Object.keys(made), Object.keys(FIX));
      for (const [name, re] of Object.entries(FIX)) {
        const path = join(dir, `${name}.npy`);
        const before = new Uint8Array(readFileSync(path));
        const uses: [string, () => unknown][] = [
          ["readNpySync", () => readNpySync(path)],
          ["NpyAppendArraySync.open", () => NpyAppendArraySync.open(path)],
        ];
        for (const [what, use] of uses) {
          assert.throws(use, (e: unknown) => {
            assert.ok(e instanceof NpyFormatError, `${name} ${what}: ${e}`);
            assert.equal(e.code, "unsupported-dtype");
            assert.ok(e.message.includes(`"${path}"`), e.message);
            assert.match(e.message, re, `${name} ${what}`);
            return true;
          });
        }
        await assert.rejects(NpyReader.open(path), (e: unknown) => {
          assert.ok(e instanceof NpyFormatError, `${name}: ${e}`);
          assert.match(e.message, re, name);
          return true;
        });
        assert.deepEqual(new Uint8Array(readFileSync(path)), before, name);
      }
    },
  );

  test("empty arrays with an axis beyond 2**53 - 1 name the fix", opts, () => {
    const dir = tempDir();
    const shapes = ["(0, 2**60)", "(2**53 + 1, 0)", "(3, 0, 2**61)"];
    const loaded: string[] = JSON.parse(runPython(
      `import json, sys
import numpy as np
out = []
for i, s in enumerate(json.loads(sys.argv[2])):
    p = f"{sys.argv[1]}/e{i}.npy"
    np.save(p, np.zeros(eval(s), "u1"))
    out.append(str(np.load(p).shape))
print(json.dumps(out))`,
      [dir, JSON.stringify(shapes)],
    ));
    assert.equal(loaded.length, 3);
    for (const [i, shape] of loaded.entries()) {
      const path = join(dir, `e${i}.npy`);
      for (
        const use of [
          () => readNpySync(path),
          () => NpyAppendArraySync.open(path),
        ]
      ) {
        assert.throws(use, (e: unknown) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.ok(e.message.includes(`"${path}"`), e.message);
          assert.match(
            e.message,
            /is too large: axes beyond 2\*\*53 - 1 \(JS's safe integers\) are not supported; save the array again with NumPy in another shape$/,
            shape,
          );
          return true;
        });
      }
    }
  });

  test("NumPy's names of long doubles as the dtype option name the fix", () => {
    for (
      const [spec, to] of [
        ["float128", "<f8"],
        ["longdouble", "<f8"],
        ["g", "<f8"],
        [">f16", "<f8"],
        ["complex256", "<c16"],
        ["clongdouble", "<c16"],
        ["G", "<c16"],
      ]
    ) {
      assert.throws(
        () => parseDType(spec!),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.includes(`a.astype("${to}")`) &&
          e.message.includes(`Cannot use dtype "${spec}"`),
        spec,
      );
      const mem = new MemoryFile();
      assert.throws(
        () => NpyAppendArraySync.open(mem, { dtype: spec! }),
        (e: unknown) => e instanceof TypeError && /long double/.test(e.message),
      );
      assert.equal(mem.bytes().length, 0);
    }
  });
});

describe("adversary 13: files open_memmap and write_array make (held)", () => {
  test(
    "appended to, they read back as np.load reads the concatenation",
    opts,
    () => {
      const dir = tempDir();
      const names: string[] = JSON.parse(runPython(
        `import json, sys, warnings
import numpy as np
from numpy.lib import format as F
warnings.simplefilter("ignore")
d = sys.argv[1]
rec = np.dtype([("a", "<i4"), ("\\u00e9", ">f8")])
cases = {}
for v in [(1, 0), (2, 0), (3, 0)]:
    for kind, a, b in [
        ("f8", np.arange(4.0), np.arange(3.0)),
        ("rec", np.ones(3, rec), np.zeros(2, rec)),
        ("fortran", np.asfortranarray(np.ones((2, 3))), np.asfortranarray(np.zeros((2, 2)))),
    ]:
        name = f"w{v[0]}_{kind}"
        with open(f"{d}/{name}.npy", "wb") as f:
            F.write_array(f, a, version=v)
        cases[name] = (a, b)
for name, shape, fortran in [("m_c", (3, 2), False), ("m_f", (2, 3), True), ("m_f1", (5,), True), ("m_empty", (0, 2), False)]:
    m = F.open_memmap(f"{d}/{name}.npy", mode="w+", dtype="<u2", shape=shape, fortran_order=fortran)
    m[...] = np.arange(m.size).reshape(shape)
    m.flush()
    a = np.array(m, order="F" if fortran else "C")
    del m
    b = np.full(shape[:-1] + (2,) if fortran else (2,) + shape[1:], 7, "<u2", order="F" if fortran else "C")
    cases[name] = (a, b)
for name, (a, b) in cases.items():
    np.save(f"{d}/{name}_rows.npy", b)
    fortran = name.endswith(("fortran", "_f", "_f1"))
    np.save(f"{d}/{name}_want.npy", np.concatenate([a, b], axis=-1 if fortran else 0).astype(a.dtype))
print(json.dumps(list(cases)))`,
        [dir],
      ));
      for (const name of names) {
        const path = join(dir, `${name}.npy`);
        const rows = readNpySync(join(dir, `${name}_rows.npy`));
        const w = NpyAppendArraySync.open(path);
        w.append({
          data: rows.data,
          shape: rows.shape,
          fortranOrder: rows.fortranOrder,
        });
        w.close();
      }
      const bad = runPython(
        `import json, sys
import numpy as np
d = sys.argv[1]
bad = []
for name in json.loads(sys.argv[2]):
    g, w = np.load(f"{d}/{name}.npy"), np.load(f"{d}/{name}_want.npy")
    if g.dtype != w.dtype or not np.array_equal(g, w):
        bad.append(name)
print(json.dumps(bad))`,
        [dir, JSON.stringify(names)],
      ).trim();
      assert.equal(bad, "[]");
      assert.equal(names.length, 13);
    },
  );
});

describe("adversary 13: headers np.load reads but np.save never writes", () => {
  // Comments, raw and triple-quoted strings, joined strings, hexadecimal
  // numbers, a repeated key (the last wins in Python), no final newline.
  const TEXTS = [
    "{'descr': r'<i2', 'fortran_order': False, 'shape': (3,), }\n",
    "{'descr': '''<i2''', 'fortran_order': False, 'shape': (3,), }\n",
    "{'descr': '<' 'i2', 'fortran_order': False, 'shape': (3,), }\n",
    "{'descr': '<i2', 'fortran_order': False, 'shape': (0x3,), }\n",
    "{'descr': '<i2', # a comment\n 'fortran_order': False, 'shape': (3,), }\n",
    "{'descr': '<f8', 'descr': '<i2', 'fortran_order': False, 'shape': (3,), }\n",
    "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }\t",
  ];

  test(
    "are NpyFormatErrors naming the file and the fix, which works",
    opts,
    () => {
      const dir = tempDir();
      const paths = TEXTS.map((_, i) => join(dir, `h${i}.npy`));
      // Written by hand; np.load reads each; the fix, np.save(np.load()),
      // writes the same values to a second file.
      const loaded: number[][] = JSON.parse(runPython(
        `import json, sys
import numpy as np
texts, paths = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = []
for t, p in zip(texts, paths):
    h = t.encode("latin1")
    with open(p, "wb") as f:
        f.write(b"\\x93NUMPY\\x01\\x00" + len(h).to_bytes(2, "little") + h + np.array([1, -2, 3], "<i2").tobytes())
    a = np.load(p)
    np.save(p[:-4] + "_fixed.npy", a)
    out.append(a.tolist())
print(json.dumps(out))`,
        [JSON.stringify(TEXTS), JSON.stringify(paths)],
      ));
      for (const [i, path] of paths.entries()) {
        assert.deepEqual(loaded[i], [1, -2, 3], TEXTS[i]);
        const before = new Uint8Array(readFileSync(path));
        for (
          const use of [
            () => readNpySync(path),
            () => NpyAppendArraySync.open(path),
          ]
        ) {
          assert.throws(use, (e: unknown) => {
            assert.ok(e instanceof NpyFormatError, String(e));
            assert.equal(e.code, "bad-header");
            assert.ok(e.message.startsWith(`Cannot `), e.message);
            assert.ok(e.message.includes(`"${path}"`), e.message);
            assert.match(
              e.message,
              /np\.save never writes such a header: if np\.load reads the file, save it again with np\.save$/,
            );
            return true;
          }, TEXTS[i]);
        }
        assert.deepEqual(new Uint8Array(readFileSync(path)), before);
        const fixed = readNpySync(path.replace(/\.npy$/, "_fixed.npy"));
        assert.deepEqual([...(fixed.data as Int16Array)], [1, -2, 3]);
      }
    },
  );
});

describe("adversary 13: whitespace in headers as Python's parser takes it", () => {
  const BASE = "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }";
  // A vertical tab was skipped as a space (read, where np.load refuses);
  // a form feed and a tab are Python's whitespace (read by both).
  const TEXTS = [
    "\v" + BASE + "\n",
    BASE.replace("{", "{\v") + "\n",
    BASE + "\v\n",
    "\f" + BASE + "\n",
    BASE.replace(", ", ",\t") + "\f\n",
  ];

  test("read exactly when np.load reads it", opts, () => {
    const dir = tempDir();
    const paths = TEXTS.map((_, i) => join(dir, `w${i}.npy`));
    const loads: boolean[] = JSON.parse(runPython(
      `import json, sys
import numpy as np
out = []
for t, p in zip(json.loads(sys.argv[1]), json.loads(sys.argv[2])):
    h = t.encode("latin1")
    with open(p, "wb") as f:
        f.write(b"\\x93NUMPY\\x01\\x00" + len(h).to_bytes(2, "little") + h + bytes(6))
    try:
        np.load(p)
        out.append(True)
    except ValueError:
        out.append(False)
print(json.dumps(out))`,
      [JSON.stringify(TEXTS), JSON.stringify(paths)],
    ));
    assert.deepEqual(loads, [false, false, false, true, true]);
    for (const [i, path] of paths.entries()) {
      if (loads[i]) {
        assert.deepEqual([...(readNpySync(path).data as Int16Array)], [
          0,
          0,
          0,
        ]);
        continue;
      }
      for (
        const use of [
          () => readNpySync(path),
          () => NpyAppendArraySync.open(path),
        ]
      ) {
        assert.throws(use, (e: unknown) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.equal(e.code, "bad-header");
          assert.ok(e.message.includes(`"${path}"`), e.message);
          assert.match(e.message, /found "\\u000b"/);
          return true;
        }, JSON.stringify(TEXTS[i]));
      }
    }
  });
});

describe("adversary 13: a NUL character in a header", () => {
  // np.load refuses every one (Python's parser takes no NUL, even inside a
  // string); the library read them as field names and titles. NumPy's own
  // files hold the escaped text \\x00 instead, which is read (last case).
  const FIELDS = [
    "[(u'\0', u'<i2')]",
    "[('a', '<i2'), ('x\0', '<i2', (2,))]",
    "[(('t\0', 'a'), '<i2')]",
  ];

  test("is refused as np.load refuses it; an escaped one is read", opts, () => {
    const dir = tempDir();
    const texts = [...FIELDS, "[('\\x00', '<i2')]"];
    const loads: (string | null)[] = JSON.parse(runPython(
      `import json, sys
import numpy as np
out = []
for i, f in enumerate(json.loads(sys.argv[2])):
    t = "{'descr': " + f + ", 'fortran_order': False, 'shape': (1,), }\\n"
    for v in (1, 3):
        h = t.encode("latin1" if v == 1 else "utf8")
        p = f"{sys.argv[1]}/n{i}_{v}.npy"
        with open(p, "wb") as fh:
            fh.write(b"\\x93NUMPY" + bytes([v, 0]) + len(h).to_bytes(2 if v == 1 else 4, "little") + h + bytes([2, 6, 2, 2][i]))
        try:
            out.append(repr(np.load(p).dtype.names))
        except ValueError:
            out.append(None)
print(json.dumps(out))`,
      [dir, JSON.stringify(texts)],
    ));
    assert.deepEqual(loads, [
      null,
      null,
      null,
      null,
      null,
      null,
      "('\\x00',)",
      "('\\x00',)",
    ]);
    for (const [i] of FIELDS.entries()) {
      for (const v of [1, 3]) {
        const path = join(dir, `n${i}_${v}.npy`);
        const before = new Uint8Array(readFileSync(path));
        for (
          const use of [
            () => readNpySync(path),
            () => NpyAppendArraySync.open(path),
          ]
        ) {
          assert.throws(use, (e: unknown) => {
            assert.ok(e instanceof NpyFormatError, String(e));
            assert.equal(e.code, "bad-header");
            assert.ok(e.message.includes(`"${path}"`), e.message);
            assert.match(
              e.message,
              /a NUL character at offset \d+, which np\.load refuses too/,
            );
            return true;
          }, FIELDS[i]);
        }
        assert.deepEqual(new Uint8Array(readFileSync(path)), before);
      }
    }
    for (const v of [1, 3]) {
      const escaped = readNpySync(join(dir, `n3_${v}.npy`));
      assert.deepEqual(escaped.data, [{ "\0": 0 }]);
    }
  });
});

describe("adversary 13: S fields of records read as np.load gives them", () => {
  // NumPy drops the trailing zeros of every S item, in records and their
  // sub-arrays too; the library dropped them for S arrays only and gave
  // record fields with their padding.
  test(
    "trailing zeros dropped, inner ones kept, rows written back the same",
    opts,
    async () => {
      const dir = tempDir();
      const path = join(dir, "srec.npy");
      const want = JSON.parse(runPython(
        `import json, sys
import numpy as np
dt = np.dtype([("s", "S4"), ("sub", "S2", (2,)), ("in", [("t", ">S3")]), ("v", "V3")])
a = np.zeros(3, dt)
a[0] = (b"a\\x00b", [b"\\x00", b"q"], (b"x",), b"\\x00\\x01\\x00")
a[1] = (b"abcd", [b"zz", b""], (b"\\x00\\x00y",), b"\\x00\\x00\\x00")
np.save(sys.argv[1], a)
b = np.load(sys.argv[1])
print(json.dumps([[list(r["s"]), [list(x) for x in r["sub"]], list(r["in"]["t"]), list(bytes(r["v"]))] for r in b]))`,
        [path],
      ));
      const show = (data: unknown) =>
        (data as Record<string, unknown>[]).map((r) => [
          [...(r.s as Uint8Array)],
          (r.sub as Uint8Array[]).map((x) => [...x]),
          [...((r.in as Record<string, Uint8Array>).t!)],
          [...(r.v as Uint8Array)],
        ]);
      assert.deepEqual(show(readNpySync(path).data), want);
      await using reader = await NpyReader.open(path);
      assert.deepEqual(show((await reader.read(1, 3)).data), want.slice(1));
      // Appending the rows read back gives np.save's bytes of them all.
      const mem = new MemoryFile();
      const rows = readNpySync(path);
      const w = NpyAppendArraySync.open(mem, { dtype: rows.dtype });
      w.append({ data: rows.data, shape: rows.shape });
      w.close();
      assert.deepEqual(mem.bytes(), new Uint8Array(readFileSync(path)));
    },
  );
});
