/**
 * Files NumPy writes that used to go wrong, by kind, with NumPy as the
 * oracle: several records in one file (np.save called repeatedly on one
 * handle), hostile files whose counts drive no unbounded work, datetime
 * units with a multiple through the `dtype` option, nested sub-array fields
 * written from JS, and the messages of issue 15 item 7.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  ensureAppendable,
  ensureAppendableSync,
  isAppendableSync,
  MemoryFile,
  needsRecoverySync,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  readNpy,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { readNpyRecords, readNpyRecordsSync } from "../src/read_npy_records.ts";
import {
  fixturePath,
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { toFixtureValues } from "./_js_json.ts";
import { scriptCommand } from "./_runtime.ts";
import { spawnSync } from "node:child_process";

/** Runs Python that writes files into `dir` and prints their names. */
function pyFiles(dir: string, code: string): string[] {
  const out = runPython(
    `import os, sys, warnings
import numpy as np
from numpy.lib import format
warnings.simplefilter("ignore")
os.chdir(sys.argv[1])
names = []
${code}
print("\\n".join(names))`,
    [dir],
  );
  return out.trim().split("\n").map((n) => join(dir, n));
}

describe("several records in one file", () => {
  const opts = numpyTestOptions();
  const MULTI = `
def multi(name, arrays, versions=None):
    with open(name, "wb") as f:
        for i, a in enumerate(arrays):
            if versions:
                format.write_array(f, np.asanyarray(a), version=versions[i])
            else:
                np.save(f, a)
    names.append(name)
multi("three.npy", [np.arange(3.0), np.arange(4, dtype=">i2"), np.array(["ab", "c"])])
multi("records.npy", [np.zeros(2, [("a", "<f4"), ("b", "<i8", (2,))]), np.ones((2, 3), "u1")])
multi("zero_d.npy", [np.array(7.5), np.arange(2, dtype="<i4"), np.array(3, dtype="u1")])
multi("versions.npy", [np.arange(2.0), np.arange(3.0), np.arange(4.0)], [(1, 0), (2, 0), (3, 0)])
multi("empty_first.npy", [np.zeros((0, 3)), np.arange(5, dtype="<u2")])
multi("fortran.npy", [np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(2.0)])
# np.load called repeatedly on one handle: what each record holds.
import json
for n in list(names):
    with open(n, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        count = 0
        while f.tell() < size:
            np.load(f)
            count += 1
    json.dump(count, open(n + ".count", "w"))
`;

  test("readers read the first record as np.load does", opts, async () => {
    const dir = tempDir();
    const paths = pyFiles(dir, MULTI);
    assert.equal(paths.length, 6);
    const want = npLoadJsonMany(paths);
    for (const [i, path] of paths.entries()) {
      for (const array of [readNpySync(path), await readNpy(path)]) {
        assert.deepEqual([...array.shape], want[i]!.shape, path);
        assert.deepEqual(toFixtureValues(array), want[i]!.values, path);
      }
      const reader = await NpyReader.open(path);
      assert.deepEqual(reader.shape, want[i]!.shape, path);
      if (want[i]!.shape.length > 0) {
        assert.deepEqual(toFixtureValues(await reader.read()), want[i]!.values);
      }
      await reader.close();
      assert.equal(needsRecoverySync(path), false, path);
      assert.equal(isAppendableSync(path), false, path);
    }
  });

  test(
    "readNpyRecords returns every record, as np.load called repeatedly",
    opts,
    async () => {
      const dir = tempDir();
      const paths = pyFiles(dir, MULTI);
      const load = runPython(
        `import json, sys
import numpy as np
import npy_json
out = []
for p in sys.argv[1:]:
    recs = []
    with open(p, "rb") as f:
        import os
        size = os.fstat(f.fileno()).st_size
        while f.tell() < size:
            a = np.load(f)
            recs.append({"shape": list(a.shape), "dtype": npy_json.descr_text(np.lib.format.dtype_to_descr(a.dtype)), "values": npy_json.encode_values(a)})
    out.append(recs)
print(json.dumps(out))`,
        paths,
      );
      const want = JSON.parse(load) as Array<
        Array<{ shape: number[]; dtype: string; values: unknown[] }>
      >;
      for (const [i, path] of paths.entries()) {
        for (
          const records of [
            readNpyRecordsSync(path),
            await readNpyRecords(path),
            await readNpyRecords(new MemoryFile(readFileSync(path))),
          ]
        ) {
          assert.equal(records.length, want[i]!.length, path);
          for (const [k, r] of records.entries()) {
            assert.deepEqual([...r.shape], want[i]![k]!.shape, `${path} ${k}`);
            assert.equal(r.dtype, want[i]![k]!.dtype, `${path} ${k}`);
            assert.deepEqual(toFixtureValues(r), want[i]![k]!.values);
          }
        }
      }
    },
  );

  test(
    "recover, append and ensureAppendable refuse, saying what the file is, and change no byte",
    opts,
    async () => {
      const dir = tempDir();
      const paths = pyFiles(dir, MULTI);
      const says = (e: unknown) => {
        assert.ok(e instanceof NpyFormatError, String(e));
        assert.match(e.message, /several arrays saved one after another/);
        assert.match(e.message, /readNpyRecords/);
        return true;
      };
      for (const path of paths) {
        const before = readFileSync(path);
        assert.throws(() => recoverSync(path), says);
        await assert.rejects(recover(path), says);
        assert.throws(
          () => recoverSync(path, { zerofillIncomplete: true }),
          says,
        );
        assert.throws(() => NpyAppendArraySync.open(path), says);
        assert.throws(() => ensureAppendableSync(path), says);
        await assert.rejects(ensureAppendable(path), says);
        assert.deepEqual(readFileSync(path), before, path);
      }
    },
  );

  test("a record cut off, or bytes after a record that start none, are named", () => {
    const a = encodeHeader({ dtype: "<f8", fortranOrder: false, shape: [2] });
    const one = new Uint8Array([...a, ...new Uint8Array(16)]);
    const cases: Array<[Uint8Array, RegExp]> = [
      [
        new Uint8Array([...one, ...one.subarray(0, one.length - 3)]),
        /record 2 .*cut off/i,
      ],
      [
        new Uint8Array([
          ...one,
          ...one,
          0x93,
          0x4e,
          0x55,
          0x4d,
          0x50,
          0x59,
          1,
          0,
          0,
        ]),
        /record 3 .*cut off/i,
      ],
      [
        new Uint8Array([...one, ...one.subarray(0, 20)]),
        /record 2 .*cut off/i,
      ],
    ];
    for (const [bytes, re] of cases) {
      assert.throws(
        () => readNpyRecordsSync(new MemoryFile(bytes)),
        (e: unknown) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.match(e.message, re);
          return true;
        },
      );
      // Yet readNpy reads the first record, as np.load.
      assert.deepEqual(readNpySync(new MemoryFile(bytes)).shape, [2]);
    }
    // Extra bytes that are not a record: one array with extra data.
    const junk = new Uint8Array([...one, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(
      () => readNpyRecordsSync(new MemoryFile(junk)),
      /do not start another/,
    );
    assert.equal(needsRecoverySync(new MemoryFile(junk)), true);
  });
});

/** Times a call: it must end within `ms` with a typed error or a result. */
function bounded<T>(ms: number, run: () => T): T | Error {
  const t0 = performance.now();
  let out: T | Error;
  try {
    out = run();
  } catch (e) {
    assert.ok(
      e instanceof NpyFormatError || e instanceof RangeError,
      `not a typed error: ${String(e)}`,
    );
    out = e as Error;
  }
  const took = performance.now() - t0;
  assert.ok(took < ms, `took ${took.toFixed(0)} ms`);
  return out;
}

describe("bounded work on hostile files", () => {
  test(
    "zero-byte items inside records: NumPy-written, a typed error fast",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const paths = pyFiles(
        dir,
        `
for i, dt in enumerate([
    [("b", "<f8", (2147483647, 0))],
    [("a", "<i4"), ("b", "<f8", (100000, 0, 1000))],
    [("r", "<i2", (1, 2147483647, 0))],
    [("a", "u1"), ("b", "<c16", (5, 2147483647, 0))],
]):
    np.save("z%d.npy" % i, np.zeros(3, dtype=dt))
    names.append("z%d.npy" % i)
`,
      );
      for (const path of paths) {
        const r = bounded(1000, () => readNpySync(path));
        assert.ok(r instanceof NpyFormatError, `${path}: ${String(r)}`);
        assert.match(r.message, /values/);
        const reader = NpyReader.openSync(path);
        const rows = bounded(1000, () => reader.readSync());
        assert.ok(rows instanceof NpyFormatError, path);
        reader.closeSync();
        const t0 = performance.now();
        await assert.rejects(readNpy(path), NpyFormatError);
        assert.ok(performance.now() - t0 < 1000);
      }
    },
  );

  test(
    "rows of no bytes: (2**40, 0) arrays read in one step",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const paths = pyFiles(
        dir,
        `
for i, (shape, dt) in enumerate([((2**40, 0), "<f8"), ((2**40, 0, 3), "<i2"), ((2**40, 7, 0), "U3")]):
    np.save("r%d.npy" % i, np.zeros(shape, dtype=dt))
    names.append("r%d.npy" % i)
`,
      );
      for (const path of paths) {
        const array = bounded(1000, () => readNpySync(path));
        assert.ok(!(array instanceof Error));
        assert.equal(array.shape[0], 2 ** 40);
        const reader = await NpyReader.open(path);
        const t0 = performance.now();
        let n = 0;
        for await (const batch of reader) {
          n++;
          assert.equal(batch.shape[0], 2 ** 40);
        }
        assert.equal(n, 1);
        assert.ok(performance.now() - t0 < 1000);
        await reader.close();
      }
    },
  );

  test("S0, U0 and V0 headers: typed errors or empty values, fast", () => {
    for (const descr of ["|S0", "<U0", "|V0"]) {
      for (const shape of [[3], [2 ** 40], [2 ** 20, 2 ** 20]]) {
        const bytes = encodeHeader({
          dtype: descr,
          fortranOrder: false,
          shape,
        });
        const r = bounded(1000, () => readNpySync(new MemoryFile(bytes)));
        if (shape[0] === 3) {
          assert.ok(!(r instanceof Error), String(r));
          assert.equal((r.data as unknown[]).length, 3);
        } else assert.ok(r instanceof NpyFormatError, String(r));
        const reader = NpyReader.openSync(new MemoryFile(bytes));
        const t0 = performance.now();
        try {
          for (const _ of reader.batchesSync()) { /* drain */ }
        } catch (e) {
          assert.ok(e instanceof NpyFormatError, String(e));
        }
        assert.ok(performance.now() - t0 < 1000);
      }
    }
  });
});

test(
  "to-csv of rows of no bytes and of S0/U0 items: bounded, no internal error",
  {
    timeout: 120_000,
  },
  () => {
    const [exe, pre] = scriptCommand(new URL("../cli.ts", import.meta.url), [
      "-R",
      "-W",
      "--no-lock",
    ]);
    const dir = tempDir();
    const files: Array<[string, Uint8Array, RegExp | string]> = [
      [
        "rows0.npy",
        encodeHeader({
          dtype: "<f8",
          fortranOrder: false,
          shape: [2 ** 40, 0],
        }),
        /rows hold no values/,
      ],
      [
        "s0.npy",
        encodeHeader({ dtype: "|S0", fortranOrder: false, shape: [3] }),
        /Cannot write .*as CSV/,
      ],
      [
        "u0.npy",
        encodeHeader({ dtype: "<U0", fortranOrder: false, shape: [2, 2] }),
        /Cannot write .*as CSV/,
      ],
      [
        "s0_many.npy",
        encodeHeader({ dtype: "|S0", fortranOrder: false, shape: [2 ** 40] }),
        /Cannot write .*as CSV|zero bytes per item/,
      ],
    ];
    for (const [name, bytes, want] of files) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const t0 = performance.now();
      const res = spawnSync(exe, [...pre, "to-csv", path], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
        timeout: 60_000,
      });
      assert.ok(performance.now() - t0 < 30_000, name);
      if (typeof want === "string") {
        assert.equal(res.status, 0, `${name}: ${res.stderr}`);
        assert.equal(res.stdout, want, name);
      } else {
        assert.notEqual(res.status, 0, name);
        assert.match(res.stderr, want, name);
        assert.doesNotMatch(res.stderr, /properties of undefined/, name);
      }
    }
  },
);

describe("datetime units with a multiple through the dtype option", () => {
  test("bytes equal np.save's", numpyTestOptions(), () => {
    const dir = tempDir();
    const cases: Array<[string, bigint[]]> = [
      ["<m8[10s]", [1n, -2n, 3n]],
      [">M8[15m]", [0n, 1000n]],
      ["<M8[10ms]", [123456789n]],
      ["M8[25us]", [-1n, 5n]],
      ["m8[3μs]", [7n]],
      ["<M8[2Y]", [1n, 2n]],
    ];
    for (const [i, [dtype, values]] of cases.entries()) {
      const file = new MemoryFile();
      const npy = NpyAppendArraySync.open(file, { dtype });
      npy.append(values);
      npy.close();
      const path = join(dir, `t${i}.npy`);
      runPython(
        `import sys, numpy as np
np.save(sys.argv[1], np.array([int(v) for v in sys.argv[3:]], dtype="<i8").astype(sys.argv[2]).astype(sys.argv[2]))`,
        [path, dtype.replace("μ", "u"), ...values.map(String)],
      );
      assert.deepEqual(file.bytes(), new Uint8Array(readFileSync(path)), dtype);
    }
  });
});

describe("nested sub-array fields written from JS", () => {
  test("bytes equal np.save's for every nesting", numpyTestOptions(), () => {
    const dir = tempDir();
    const cases: Array<[string, unknown[], string]> = [
      [
        "[('c', ('<f8', (5,)), (2,))]",
        [{ c: [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]] }],
        "np.array([(np.arange(1, 11.0).reshape(2, 5),)], dtype=DT)",
      ],
      [
        "[('a', [('x', '<f4'), ('y', '>i2')], (4,))]",
        [{
          a: [{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 5, y: 6 }, { x: 7, y: 8 }],
        }],
        "np.array([([(1, 2), (3, 4), (5, 6), (7, 8)],)], dtype=DT)",
      ],
      [
        "[('c', (('<i2', (2,)), (3,)), (2,))]",
        [{ c: [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]] }],
        "np.array([(np.arange(1, 13).reshape(2, 3, 2),)], dtype=DT)",
      ],
    ];
    for (const [i, [dtype, rows, expr]] of cases.entries()) {
      const file = new MemoryFile();
      const npy = NpyAppendArraySync.open(file, { dtype });
      npy.append(rows as never);
      npy.close();
      const path = join(dir, `n${i}.npy`);
      runPython(
        `import sys, ast, numpy as np
DT = np.lib.format.descr_to_dtype(ast.literal_eval(sys.argv[2]))
np.save(sys.argv[1], ${expr})`,
        [path, dtype],
      );
      assert.deepEqual(file.bytes(), new Uint8Array(readFileSync(path)), dtype);
    }
  });
});

describe("messages and classes (issue 15 item 7)", () => {
  test("isAppendable of a 0-d or object file agrees with the CLI's info", () => {
    for (const name of ["f8_le_c_0d", "object_c_1d", "U5_le_c_0d"]) {
      assert.equal(isAppendableSync(fixturePath(name)), false, name);
    }
    assert.equal(isAppendableSync(fixturePath("f8_le_c_1d")), true);
  });

  test("a wrong-kind shape entry is a TypeError naming the entry", () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[2n, 3n], /shape entry 0 is the bigint 2n/],
      [[2, "3"], /shape entry 1 is the string "3"/],
      [[6, null], /shape entry 1 is null;/],
    ];
    for (const [shape, re] of cases) {
      const npy = NpyAppendArraySync.open(new MemoryFile());
      assert.throws(
        () => npy.append({ data: [1, 2, 3, 4, 5, 6], shape } as never),
        (e: unknown) => e instanceof TypeError && re.test(e.message),
        String(shape),
      );
    }
  });

  test(
    "a NumPy header with dtype metadata is refused about metadata",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const paths = pyFiles(
        dir,
        `
np.save("m0.npy", np.ones(3, dtype=np.dtype({"names": ["a", "b"], "formats": [float, np.dtype("S3", metadata={"some": "stuff"})]})))
np.save("m1.npy", np.ones(2, dtype=[("x", np.dtype("<i4", metadata={"u": 1}))]))
names += ["m0.npy", "m1.npy"]
`,
      );
      for (const path of paths) {
        assert.throws(() => readNpySync(path), (e: unknown) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.match(e.message, /metadata/);
          assert.doesNotMatch(e.message, /sub-array/);
          return true;
        });
      }
      // NumPy refuses them too.
      const loads = runPython(
        `import sys, numpy as np
ok = []
for p in sys.argv[1:]:
    try:
        np.load(p); ok.append("yes")
    except ValueError:
        ok.append("no")
print(" ".join(ok))`,
        paths,
      );
      assert.equal(loads.trim(), "no no");
      writeFileSync(join(dir, "unused"), "");
    },
  );
});

describe("a typed array's first append infers its dtype as NumPy would", () => {
  test(
    "bytes equal np.save's, bare and as { data, shape }",
    numpyTestOptions(),
    () => {
      const cases: Array<[Iterable<number | bigint>, string]> = [
        [new Int8Array([-128, 0, 127, 5]), "i1"],
        [new Uint8Array([0, 1, 255, 7]), "u1"],
        [new Uint8ClampedArray([0, 9, 255, 3]), "u1"],
        [new Int16Array([-32768, 1, 32767, 2]), "<i2"],
        [new Uint16Array([0, 65535, 3, 4]), "<u2"],
        [new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1, 6]), "<i4"],
        [new Uint32Array([0, 2 ** 32 - 1, 8, 9]), "<u4"],
        [new Float32Array([0.1, -0, Infinity, NaN]), "<f4"],
        [new Float64Array([0.1, -0, 5e-324, -Infinity]), "<f8"],
        [new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n, 3n]), "<i8"],
        [new BigUint64Array([0n, 2n ** 64n - 1n, 4n, 5n]), "<u8"],
      ];
      // NumPy's files, all in one run: <i>-flat.npy (shape (4,)) and
      // <i>-2d.npy (shape (2, 2)).
      const dir = tempDir();
      const literal = (v: number | bigint): string =>
        typeof v === "bigint"
          ? String(v)
          : Number.isNaN(v)
          ? "float('nan')"
          : !Number.isFinite(v)
          ? `float('${v > 0 ? "inf" : "-inf"}')`
          : Object.is(v, -0)
          ? "-0.0"
          : String(v);
      runPython(
        `import sys, json, numpy as np
for i, (dtype, values) in enumerate(json.loads(sys.argv[2])):
    a = np.array([eval(v) for v in values], dtype=dtype)
    np.save(f"{sys.argv[1]}/{i}-flat.npy", a)
    np.save(f"{sys.argv[1]}/{i}-2d.npy", a.reshape(2, 2))`,
        [
          dir,
          JSON.stringify(
            cases.map(([data, dtype]) => [dtype, Array.from(data, literal)]),
          ),
        ],
      );
      for (const [i, [data, dtype]] of cases.entries()) {
        for (
          const [input, name] of [[{ data, shape: [2, 2] }, "2d"], [
            data,
            "flat",
          ]]
        ) {
          const file = new MemoryFile();
          const npy = NpyAppendArraySync.open(file);
          npy.append(input as never);
          npy.close();
          assert.deepEqual(
            file.bytes(),
            new Uint8Array(readFileSync(join(dir, `${i}-${name}.npy`))),
            `${dtype} ${name}`,
          );
        }
      }
    },
  );
});
