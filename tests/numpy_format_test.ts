/**
 * NumPy's own format test suite (`numpy/lib/tests/test_format.py`, NumPy
 * 1.24), carried over: the same arrays (basic arrays of every scalar type
 * and byte order, empty, 0-d, C, Fortran and non-contiguous; the record
 * arrays, nested ones and a sub-array of a sub-array; padded, titled and
 * empty dtypes; the `descr_to_dtype` cases; a long string), malformed
 * magic strings, versions and headers, the header-size limits, unicode
 * field names, the growth-axis header lengths and dtype metadata. Files
 * are made by NumPy at test time; our code is the library's. Object arrays
 * are refused by design (pickles are not read).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseHeader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";
import {
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { toFixtureValues } from "./_js_json.ts";

interface Case {
  file: string;
  group: string;
  object: boolean;
  /** np.load with its defaults reads it. */
  loads: boolean;
  /** Written with an explicit version (keep it when rewriting). */
  version: number;
}

const MAKE = String.raw`
import json, os, sys, warnings
import numpy as np
from numpy.lib import format
warnings.simplefilter("ignore")
os.chdir(sys.argv[1])
cases = []
def save(group, arr, version=None, obj=False):
    name = "c%04d.npy" % len(cases)
    with open(name, "wb") as f:
        if version is None:
            np.save(f, arr, allow_pickle=True)
        else:
            format.write_array(f, arr, version=version, allow_pickle=True)
    try:
        np.load(name, allow_pickle=False)
        loads = True
    except ValueError:
        loads = False
    cases.append({"file": name, "group": group, "object": obj, "loads": loads,
                  "version": (version or (0, 0))[0]})

scalars = [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32,
           np.uint64, np.int64, np.float32, np.float64, np.complex64,
           np.complex128, object]
for scalar in scalars:
    for endian in "<>":
        dtype = np.dtype(scalar).newbyteorder(endian)
        basic = np.arange(1500).astype(dtype)
        for arr in [np.array([], dtype=dtype), np.array(10, dtype=dtype), basic,
                    basic.reshape((30, 50)), basic.reshape((30, 50)).T,
                    basic.reshape((30, 50))[::-1, ::2]]:
            save("basic", arr, obj=scalar is object)

Pdescr = [("x", "i4", (2,)), ("y", "f8", (2, 2)), ("z", "u1")]
PbufferT = [([3, 2], [[6., 4.], [6., 4.]], 8), ([4, 3], [[7., 5.], [7., 5.]], 9)]
Ndescr = [("x", "i4", (2,)),
          ("Info", [("value", "c16"), ("y2", "f8"),
                    ("Info2", [("name", "S2"), ("value", "c16", (2,)),
                               ("y3", "f8", (2,)), ("z3", "u4", (2,))]),
                    ("name", "S2"), ("z2", "b1")]),
          ("color", "S2"), ("info", [("Name", "U8"), ("Value", "c16")]),
          ("y", "f8", (2, 2)), ("z", "u1")]
NbufferT = [([3, 2], (6j, 6., ("nn", [6j, 4j], [6., 4.], [1, 2]), "NN", True),
             "cc", ("NN", 6j), [[6., 4.], [6., 4.]], 8),
            ([4, 3], (7j, 7., ("oo", [7j, 5j], [7., 5.], [2, 1]), "OO", False),
             "dd", ("OO", 7j), [[7., 5.], [7., 5.]], 9)]
for arr in [np.array(PbufferT, dtype=np.dtype(Pdescr).newbyteorder("<")),
            np.array(NbufferT, dtype=np.dtype(Ndescr).newbyteorder("<")),
            np.array(PbufferT, dtype=np.dtype(Pdescr).newbyteorder(">")),
            np.array(NbufferT, dtype=np.dtype(Ndescr).newbyteorder(">")),
            np.zeros(1, dtype=[("c", ("<f8", (5,)), (2,))])]:
    save("record", arr)

save("long_str", np.ones(1, dtype=np.dtype((str, format.BUFFER_SIZE + 1))))

dt1 = np.dtype("i1, i4, i1", align=True)
dt2 = np.dtype({"names": ["a", "b"], "formats": ["i4", "i4"], "offsets": [1, 6]})
dt3 = np.dtype({"names": ["c", "d"], "formats": ["i4", dt2]})
dt4 = np.dtype({"names": ["a", "", "b"], "formats": ["i4"] * 3})
dt5 = np.dtype({"names": ["a", "b"], "formats": ["i4", "i4"], "offsets": [1, 6],
                "titles": ["aa", "bb"]})
dt6 = np.dtype({"names": [], "formats": [], "itemsize": 8})
for dt in [dt1, dt2, dt3, dt4, dt5, dt6]:
    arr = np.zeros(3, dt)
    for i in range(3):
        arr[i] = i + 5
    save("padded", arr)

pad8 = {"names": ["a", "b"], "formats": ["i1", "i1"], "offsets": [0, 4], "itemsize": 8}
for dt in [
    np.dtype(np.dtype([("a", np.int8), ("b", np.int16), ("c", np.int32)], align=True), (3,)),
    np.dtype([("x", np.dtype((np.dtype(pad8), (3,))), (4,))]),
    np.dtype([("x", ("<f8", (5,)), (2,))]),
    np.dtype([("x", np.dtype((np.dtype((np.dtype(pad8), (3,))), (4,))))]),
    np.dtype([("a", np.dtype((np.dtype((np.dtype((np.dtype([("a", int), ("b", np.dtype(pad8))]), (3,))), (4,))), (5,))))]),
]:
    save("descr_to_dtype", np.zeros(3, dt))

d = np.ones(1000, dtype=[(("%d" % i) * 100, float) for i in range(500)])
save("version_2_0", d, version=(2, 0))
save("version_2_0_guess", d)
save("huge_header", np.array(1, dtype="i," * 10000 + "i"))
uarr = np.array([(1, 3), (1, 2), (1, 3), (1, 2)],
                dtype=[("int", int), ("\N{CJK UNIFIED IDEOGRAPH-6574}\N{CJK UNIFIED IDEOGRAPH-5F62}", int)])
save("unicode_names", uarr, version=(3, 0))
save("unicode_names", uarr)
save("small_v2", np.ones((3, 6), dtype=float), version=(2, 0))
save("small_v1", np.ones((3, 6), dtype=float), version=(1, 0))
for dt in [
    np.dtype({"names": ["a", "b"], "formats": [float, np.dtype("S3", metadata={"some": "stuff"})]}),
    np.dtype(int, metadata={"some": "stuff"}),
    np.dtype([("subarray", (int, (2,)))], metadata={"some": "stuff"}),
    np.dtype({"names": ["a", "b"], "formats": [float, np.dtype({"names": ["c"], "formats": [np.dtype(int, metadata={})]})]}),
]:
    save("metadata", np.ones(10, dtype=dt))
print(json.dumps(cases))
`;

function makeCases(): { dir: string; cases: Case[] } {
  const dir = tempDir();
  const cases = JSON.parse(runPython(MAKE, [dir])) as Case[];
  return { dir, cases };
}

/** A file whose reads return a random number of bytes, as NumPy's
 * BytesIOSRandomSize. */
function randomShortReads(bytes: Uint8Array, seed: number): FileLikeSync {
  const file = new MemoryFile(bytes);
  const rand = mulberry32(seed);
  return {
    readSync(buffer, position) {
      const n = 1 + Math.floor(rand() * buffer.length);
      return file.readSync(buffer.subarray(0, n), position);
    },
    writeSync: (b, p) => file.writeSync(b, p),
    sizeSync: () => file.sizeSync(),
  } as FileLikeSync;
}

const BIG = { maxHeaderSize: 1_000_000 };

describe("numpy/lib/tests/test_format.py, carried over", () => {
  const opts = numpyTestOptions();
  let made: { dir: string; cases: Case[] } | undefined;
  const get = () => made ??= makeCases();

  test(
    "roundtrip: every array reads back as np.load gives it",
    opts,
    async () => {
      const { dir, cases } = get();
      const readable = cases.filter((c) => !c.object && c.group !== "metadata");
      assert.ok(readable.length > 140, `${readable.length} cases`);
      const want = npLoadJsonMany(readable.map((c) => join(dir, c.file)));
      for (const [i, c] of readable.entries()) {
        const path = join(dir, c.file);
        const bytes = new Uint8Array(readFileSync(path));
        for (
          const array of [
            readNpySync(path, BIG),
            await readNpy(new MemoryFile(bytes), BIG),
            // roundtrip_randsize: reads that return fewer bytes than asked.
            readNpySync(randomShortReads(bytes, i + 1), BIG),
          ]
        ) {
          assert.deepEqual([...array.shape], want[i]!.shape, c.file);
          assert.equal(array.fortranOrder, want[i]!.fortran_order, c.file);
          assert.deepEqual(toFixtureValues(array), want[i]!.values, c.file);
        }
      }
    },
  );

  test("the header and the whole file are written byte for byte", opts, () => {
    const { dir, cases } = get();
    let rewritten = 0;
    for (const c of cases) {
      if (c.object || c.group === "metadata") continue;
      const bytes = new Uint8Array(readFileSync(join(dir, c.file)));
      const h = parseHeader(bytes, BIG);
      assert.equal(h.headerLength % 64, 0, c.file);
      const ours = encodeHeader(
        { dtype: h.dtype, fortranOrder: h.fortranOrder, shape: h.shape },
        { version: c.version || 1 },
      );
      assert.deepEqual(ours, bytes.subarray(0, h.headerLength), c.file);
      if (h.shape.length === 0 || c.version !== 0) continue;
      const array = readNpySync(new MemoryFile(bytes), BIG);
      const out = new MemoryFile();
      const npy = NpyAppendArraySync.open(out, {
        dtype: array.dtype,
        fortranOrder: array.fortranOrder,
        casting: "no",
        ...BIG,
      });
      npy.append(array);
      npy.close();
      assert.deepEqual(out.bytes(), bytes, c.file);
      rewritten++;
    }
    assert.ok(rewritten > 100, `${rewritten} rewritten`);
  });

  test("roundtrip_truncated: one byte short is an NpyFormatError", opts, () => {
    const { dir, cases } = get();
    for (const c of cases) {
      if (c.group !== "basic" || c.object) continue;
      const bytes = new Uint8Array(readFileSync(join(dir, c.file)));
      assert.throws(
        () => readNpySync(new MemoryFile(bytes.subarray(0, bytes.length - 1))),
        NpyFormatError,
        c.file,
      );
    }
  });

  test("object arrays are refused (by design: no pickles)", opts, () => {
    const { dir, cases } = get();
    const objects = cases.filter((c) => c.object);
    assert.equal(objects.length, 12);
    for (const c of objects) {
      assert.throws(
        () => readNpySync(join(dir, c.file)),
        (e: unknown) =>
          e instanceof NpyFormatError && /Python objects/.test(e.message),
      );
    }
  });

  test(
    "dtype metadata: refused where np.load refuses, read where it reads",
    opts,
    () => {
      const { dir, cases } = get();
      const meta = cases.filter((c) => c.group === "metadata");
      assert.deepEqual(meta.map((c) => c.loads), [false, true, true, true]);
      for (const c of meta) {
        const path = join(dir, c.file);
        if (!c.loads) {
          assert.throws(() => readNpySync(path), /metadata/);
          continue;
        }
        const [want] = npLoadJsonMany([path]);
        assert.deepEqual(toFixtureValues(readNpySync(path)), want!.values);
      }
    },
  );

  test(
    "huge_header and version_2_0: the header cap in characters",
    opts,
    () => {
      const { dir, cases } = get();
      const huge = join(
        dir,
        cases.find((c) => c.group === "huge_header")!.file,
      );
      assert.equal(readFileSync(huge)[6], 2);
      for (const maxHeaderSize of [undefined, 20000]) {
        assert.throws(
          () => readNpySync(huge, maxHeaderSize ? { maxHeaderSize } : {}),
          (e: unknown) =>
            e instanceof NpyFormatError &&
            /larger than maxHeaderSize/.test(e.message),
        );
      }
      assert.deepEqual(readNpySync(huge, { maxHeaderSize: 180000 }).shape, []);
      for (const group of ["version_2_0", "version_2_0_guess"]) {
        const path = join(dir, cases.find((c) => c.group === group)!.file);
        assert.equal(readFileSync(path)[6], 2);
        assert.throws(() => readNpySync(path), /maxHeaderSize/);
        assert.deepEqual(readNpySync(path, { maxHeaderSize: 200000 }).shape, [
          1000,
        ]);
      }
      assert.equal(cases.find((c) => c.group === "huge_header")!.loads, false);
    },
  );

  test("read_magic and the headers of 1.0, 2.0 and 3.0 files", opts, () => {
    const { dir, cases } = get();
    const version = (g: string, k = 0) =>
      parseHeader(
        new Uint8Array(
          readFileSync(join(dir, cases.filter((c) => c.group === g)[k]!.file)),
        ),
      );
    assert.deepEqual(version("small_v1").version, [1, 0]);
    assert.deepEqual(version("small_v2").version, [2, 0]);
    assert.deepEqual(version("small_v2").shape, [3, 6]);
    assert.equal(version("small_v2").dtype.str, "<f8");
    // Unicode field names: 3.0 whether asked for or guessed.
    assert.deepEqual(version("unicode_names", 0).version, [3, 0]);
    assert.deepEqual(version("unicode_names", 1).version, [3, 0]);
  });
});

describe("malformed magic strings, versions and headers", () => {
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const magic = (major: number, minor: number) =>
    new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const blobs: Uint8Array[] = [
    // bad_version_magic, with a plausible rest.
    ...[[1, 1], [0, 0], [0, 1], [2, 2], [255, 255]].map(([a, b]) =>
      new Uint8Array([...magic(a!, b!), 0x36, 0, ...enc("{}\n")])
    ),
    new Uint8Array([...magic(2, 0)]),
    // malformed_magic
    enc("\x92NUMPY\x01\x00"),
    enc("\x00NUMPY\x01\x00"),
    enc("\x93numpy\x01\x00"),
    enc("\x93MATLB\x01\x00"),
    enc("\x93NUMPY\x01"),
    enc("\x93NUMPY"),
    new Uint8Array(0),
    // test_bad_header: length field missing, one byte, longer than the file.
    new Uint8Array([...magic(1, 0)]),
    new Uint8Array([...magic(1, 0), 0x31]),
    new Uint8Array([...magic(1, 0), 0x01, 0x00]),
    // keys missing, an extra key
    enc(
      "\x93NUMPY\x01\x006\x00{'descr': 'x', 'shape': (1, 2), }                    \n",
    ),
    enc(
      "\x93NUMPY\x01\x00F\x00{'descr': '<f8', 'extrakey': -1, 'fortran_order': False, 'shape': (1, 2)}\n",
    ),
  ];

  test(
    "NumPy's read_array refuses each, and so do we (NpyFormatError)",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const paths = blobs.map((b, i) => {
        const p = join(dir, `bad${i}.npy`);
        writeFileSync(p, b);
        return p;
      });
      const numpy = JSON.parse(runPython(
        `import json, sys
from numpy.lib import format
out = []
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as f:
            format.read_array(f)
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))`,
        paths,
      )) as boolean[];
      assert.deepEqual(numpy, blobs.map(() => false));
      for (const [i, b] of blobs.entries()) {
        assert.throws(
          () => readNpySync(new MemoryFile(b)),
          NpyFormatError,
          `blob ${i}`,
        );
      }
    },
  );
});

describe("writing: versions, header limits, growth axis", () => {
  test("write_version: 1 and 2 are accepted, others refused", () => {
    const h = { dtype: "<i8", fortranOrder: false, shape: [1] } as const;
    assert.equal(encodeHeader(h, { version: 1 })[6], 1);
    assert.equal(encodeHeader(h, { version: 2 })[6], 2);
    assert.equal(encodeHeader(h)[6], 1);
    for (const bad of [0, 255, -1, 256]) {
      assert.throws(() => encodeHeader(h, { version: bad }), RangeError);
    }
  });

  test(
    "large_header: a 1.0 header cannot hold it, so it is 2.0 as np.save writes",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const path = join(dir, "wide.npy");
      runPython(
        `import sys, warnings, numpy as np
warnings.simplefilter("ignore")
np.save(sys.argv[1], np.zeros((), dtype=[("x" * 256 * 256, "<i8")]))`,
        [path],
      );
      const theirs = new Uint8Array(readFileSync(path));
      const ours = encodeHeader({
        dtype: [["x".repeat(256 * 256), "<i8"]],
        fortranOrder: false,
        shape: [],
      });
      assert.equal(ours[6], 2);
      assert.deepEqual(ours, theirs.subarray(0, ours.length));
    },
  );

  test("header_growth_axis: header lengths with growth space, as NumPy's", () => {
    // NumPy's test passes a dtype object, so its header holds
    // "dtype([...])": 7 characters more than the descr np.save writes.
    // Names 7 spaces longer give the same text length.
    for (
      const [fortran, space, length] of [
        [false, 22, 128],
        [false, 23, 192],
        [true, 23, 128],
        [true, 24, 192],
      ] as const
    ) {
      for (let i = 0; i < 16; i++) {
        const size = 10 ** i;
        const ours = encodeHeader({
          dtype: [[" ".repeat(space + 7), "<i8"]],
          fortranOrder: fortran,
          shape: fortran ? [2, size] : [size, 2],
        });
        assert.equal(ours.length, length, `${fortran} ${space} 1e${i}`);
      }
    }
    // Beyond 2**53 a JS number cannot hold the length: refused by design.
    assert.throws(
      () =>
        encodeHeader({
          dtype: "<i8",
          fortranOrder: false,
          shape: [10 ** 17, 2],
        }),
      RangeError,
    );
  });
});
