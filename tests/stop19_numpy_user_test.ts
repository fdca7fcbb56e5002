/**
 * Stop 19, what a NumPy user expects (leftovers an adversary found):
 * - a stack whose shard headers pass 10,000 characters (hundreds of
 *   fields) was written (the writer takes `maxHeaderSize`) but could not
 *   be read back nor continued: the stack readers, the group reader's
 *   member stacks, the writer's scan of its shards and the CLI's stack
 *   commands now take the cap (`np.load(max_header_size=)` reads them);
 * - a JS field list's field named `""` kept the empty name; `np.dtype`
 *   names it `f{index}`. A header's descr keeps `''` as np.load does;
 * - JS strings into `S` were encoded as latin-1 (é became 0xE9); NumPy
 *   accepts ASCII only (`np.array(['é'], 'S')` raises). from-csv keeps
 *   np.loadtxt's latin-1;
 * - `"S0"`/`"U0"` were a type of no bytes (every value refused as not
 *   fitting, `casting: "unsafe"` emptied them) while `"S"`, the same NumPy
 *   dtype, was refused with its fix: now both are refused so. `"V"` is
 *   `"V0"`, a void of no bytes, as `np.zeros(3, "V")` makes.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  parseDType,
  readNpyStack,
  readNpyStackSync,
  readNpySync,
  recoverGroupSync,
  recoverStack,
  recoverStackSync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const SLOW = { timeout: 120_000 };

const FIELDS = 600;
const WIDE: [string, string][] = Array.from(
  { length: FIELDS },
  (_, i) => [`field_${i}`, "<u1"],
);
const BIG = 100_000;

/** A stack of 3 one-row shards of 600 u1 fields, row r holding (i + r) % 256. */
function wideStack(dir: string): void {
  using w = NpyStackWriterSync.open(dir, {
    dtype: WIDE,
    maxHeaderSize: BIG,
    shardRows: 1,
  });
  for (let r = 0; r < 3; r++) {
    w.append(Uint8Array.from({ length: FIELDS }, (_, i) => (i + r) % 256));
  }
}

/** NumPy's bytes of the whole stack, read with np.load(max_header_size=). */
function npStackHex(dir: string): string {
  return runPython(
    `import sys, numpy as np
a = np.concatenate([np.load(f"{sys.argv[1]}/{k}.npy", max_header_size=${BIG}) for k in range(3)])
print(a.tobytes().hex())`,
    [dir],
  ).trim();
}

function hex(data: unknown): string {
  const parts = data as Uint8Array[] | Uint8Array;
  if (parts instanceof Uint8Array) return Buffer.from(parts).toString("hex");
  throw new Error("expected bytes");
}

describe("stop 19: stacks with long headers", () => {
  test(
    "readNpyStack, NpyStackReader and the writer take maxHeaderSize; the values are np.load's",
    numpyTestOptions(),
    async () => {
      const dir = join(tempDir(), "wide");
      wideStack(dir);
      const want = npStackHex(dir);
      // Without the option: the default cap refuses it, naming the fix.
      assert.throws(() => readNpyStackSync(dir), {
        name: "NpyFormatError",
        message:
          /0\.npy.*larger than maxHeaderSize \(10000\); raise maxHeaderSize/,
      });
      const opts = { maxHeaderSize: BIG };
      const a = readNpyStackSync(dir, opts);
      assert.deepEqual(a.shape, [3]);
      assert.equal(a.dtype, parseDType(WIDE).str);
      const bytes = (x: { data: unknown }) => {
        const d = x.data as Record<string, Uint8Array>[];
        const out = new Uint8Array(d.length * FIELDS);
        d.forEach((row, r) => {
          for (let i = 0; i < FIELDS; i++) {
            out[r * FIELDS + i] = Number(row[`field_${i}`]);
          }
        });
        return hex(out);
      };
      assert.equal(bytes(a), want);
      assert.equal(bytes(await readNpyStack(dir, opts)), want);
      const r = await NpyStackReader.open(dir, opts);
      assert.equal(bytes(await r.read(1, 3)), want.slice(2 * FIELDS));
      assert.equal(r.refreshSync(), 3);
      await r.close();
      // The writer continues it (its scan reads every shard's header).
      {
        using w = NpyStackWriterSync.open(dir, opts);
        assert.deepEqual(w.shape, [3]);
      }
      // A bad cap is refused as NpyReader's is.
      assert.throws(
        () => NpyStackReader.openSync(dir, { maxHeaderSize: 10 }),
        NpyFormatError,
      );
      assert.throws(
        () => NpyStackReader.openSync(dir, { maxHederSize: 1 } as never),
        { name: "TypeError", message: /maxHederSize/ },
      );
    },
  );

  test(
    "recoverStack takes maxHeaderSize: such a stack is recovered and reads as np.load's",
    numpyTestOptions(),
    async () => {
      const dir = join(tempDir(), "wide");
      wideStack(dir);
      const want = npStackHex(dir);
      rmSync(join(dir, "info")); // as if killed before info was written
      assert.throws(() => recoverStackSync(dir), {
        name: "NpyFormatError",
        message: /larger than maxHeaderSize \(10000\); raise maxHeaderSize/,
      });
      assert.throws(
        () => recoverStackSync(dir, { maxHederSize: 1 } as never),
        { name: "TypeError", message: /maxHederSize/ },
      );
      assert.deepEqual(await recoverStack(dir, { maxHeaderSize: BIG }), [3]);
      assert.equal(npStackHex(dir), want);
      const a = readNpyStackSync(dir, { maxHeaderSize: BIG });
      assert.deepEqual(a.shape, [3]);
      const row2 = (a.data as Record<string, number>[])[2]!;
      assert.equal(Number(row2.field_599), (599 + 2) % 256);
      // The CLI's recover passes --max-header-size on to a stack folder.
      rmSync(join(dir, "info"));
      assert.notEqual(cli(["recover", dir]).code, 0);
      const r = cli(["recover", "--max-header-size", String(BIG), dir]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /stack recovered, shape \(3,\)/);
      assert.equal(npStackHex(dir), want);
    },
  );

  test("a group's member stacks are read, reopened and recovered with its maxHeaderSize", () => {
    const dir = join(tempDir(), "g");
    {
      using g = NpyGroupWriterSync.open(dir, {
        members: { w: { dtype: WIDE } },
        maxHeaderSize: BIG,
        shardRows: 1,
      });
      const row: Record<string, number> = {};
      for (let i = 0; i < FIELDS; i++) row[`field_${i}`] = i % 256;
      g.append({ w: [row, row] });
    }
    {
      using r = NpyGroupReader.openSync(dir, { maxHeaderSize: BIG });
      assert.deepEqual(r.readSync().w!.shape, [2]);
    }
    // The group writer reopens it (its member stacks' scan and recovery).
    {
      using g = NpyGroupWriterSync.open(dir, { maxHeaderSize: BIG });
      const row: Record<string, number> = {};
      for (let i = 0; i < FIELDS; i++) row[`field_${i}`] = 7;
      g.append({ w: [row] });
    }
    assert.equal(recoverGroupSync(dir, { maxHeaderSize: BIG }), 3);
    using r = NpyGroupReader.openSync(dir, { maxHeaderSize: BIG });
    const got = r.readSync().w!;
    assert.deepEqual(got.shape, [3]);
    assert.equal((got.data as Record<string, number>[])[2]!.field_5, 7);
  });

  test(
    "the CLI's info and concat read such a stack with --max-header-size",
    { ...numpyTestOptions(), ...SLOW },
    () => {
      const dir = join(tempDir(), "wide");
      wideStack(dir);
      const big = String(BIG);
      const info = cli(["info", "--json", "--max-header-size", big, dir]);
      assert.equal(info.code, 0, info.stdout + info.stderr);
      assert.deepEqual(JSON.parse(info.stdout + info.stderr).shape, [3]);
      const out = join(tempDir(), "one.npy");
      const cat = cli(["concat", "--max-header-size", big, out, dir]);
      assert.equal(cat.code, 0, cat.stdout + cat.stderr);
      const got = runPython(
        `import sys, numpy as np
print(np.load(sys.argv[1], max_header_size=${BIG}).tobytes().hex())`,
        [out],
      ).trim();
      assert.equal(got, npStackHex(dir));
    },
  );
});

describe("stop 19: a field named '' in a JS field list", () => {
  test(
    "is f{index}, as np.dtype names it: the bytes of np.save",
    numpyTestOptions(),
    () => {
      const f = new MemoryFile();
      const w = NpyAppendArraySync.open(f, {
        dtype: [["", "<i4"], ["b", "<f8"], ["", "|V3"]],
      });
      w.append([{ f0: 1, b: 2.5, f2: new Uint8Array([1, 2, 3]) }]);
      w.close();
      assert.deepEqual(
        f.bytes(),
        npSaveBytes(
          "np.array([(1, 2.5, b'\\x01\\x02\\x03')], dtype=[('', '<i4'), ('b', '<f8'), ('', 'V3')])",
        ),
      );
    },
  );

  test("a header's '' stays '' and a '' void is padding, as np.load reads them", () => {
    assert.equal(
      parseDType("[('', '<i4'), ('b', '<f8')]").fields![0]!.name,
      "",
    );
    const padded = parseDType("[('a', '|u1'), ('', '|V3'), ('b', '<i4')]");
    assert.deepEqual(padded.fields!.map((x) => x.name), ["a", "b"]);
    // A name taken by f{index} is a duplicate, as np.dtype says.
    assert.throws(() => parseDType([["f1", "<i4"], ["", "<f8"]] as never), {
      name: "TypeError",
      message: /duplicate field name or title "f1"/,
    });
  });
});

describe("stop 19: JS strings into S", () => {
  test("a non-ASCII string is refused, naming the file, the value and the fix; the file keeps its rows", () => {
    const path = join(tempDir(), "s.npy");
    {
      using w = NpyAppendArraySync.open(path, { dtype: "|S4" });
      w.append(["ab"]);
    }
    for (const casting of ["same_kind", "unsafe"] as const) {
      using w = NpyAppendArraySync.open(path, { casting });
      assert.throws(() => w.append(["é"]), {
        name: "RangeError",
        message:
          `Cannot append value "é" at index 0 to "${path}": dtype "|S4" holds ASCII text only, as NumPy encodes strings into it; use a "U" dtype for text, or pass the bytes as a Uint8Array (new TextEncoder().encode(s) for UTF-8)`,
      });
      w.append([new Uint8Array([0xe9])]);
    }
    const a = readNpySync(path);
    assert.deepEqual(
      (a.data as Uint8Array[]).map((b) => [...b]),
      [[97, 98], [0xe9], [0xe9]],
    );
  });

  test(
    "from-csv encodes an S field as np.loadtxt does (latin-1) and refuses past it",
    { ...numpyTestOptions(), ...SLOW },
    () => {
      const d = tempDir();
      writeFileSync(join(d, "t.csv"), "é\nab\n");
      const out = join(d, "o.npy");
      const r = cli(["from-csv", "--dtype", "S5", join(d, "t.csv"), out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const np = runPython(
        `import sys, numpy as np
print(np.loadtxt(sys.argv[1], dtype='S5', encoding='utf-8').tobytes().hex())`,
        [join(d, "t.csv")],
      ).trim();
      const b = readFileSync(out);
      assert.equal(b.subarray(b.length - 10).toString("hex"), np);
      writeFileSync(join(d, "u.csv"), "名\n");
      const bad = cli([
        "from-csv",
        "--dtype",
        "S5",
        join(d, "u.csv"),
        join(d, "u.npy"),
      ]);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stdout + bad.stderr,
        /"名" is not latin-1 text.*use a U dtype/,
      );
    },
  );
});

describe("stop 19: S, S0 and the like are one dtype", () => {
  test("parseDType gives np.dtype's size-0 type for each spelling", () => {
    for (
      const [specs, str] of [
        [["S", "|S", "S0", "bytes", "bytes0", "a", "a0"], "|S0"],
        [["U", "<U", "U0", "str", "str0", "unicode"], "<U0"],
        [["V", "V0", "void", "void0"], "|V0"],
      ] as const
    ) {
      for (const s of specs) assert.equal(parseDType(s).str, str, s);
    }
  });

  test("the dtype option refuses each the same way, with the fix", () => {
    const tail =
      " (NumPy sizes it from the data: leave the dtype out, and a new file takes it from the first append)";
    for (
      const [spec, why] of [
        ["S0", `a bytes type needs its size, such as "|S8"${tail}`],
        ["S", `a bytes type needs its size, such as "|S8"${tail}`],
        ["bytes0", `a bytes type needs its size, such as "|S8"${tail}`],
        ["U0", `a string type needs its size, such as "<U8"${tail}`],
        ["<U", `a string type needs its size, such as "<U8"${tail}`],
      ] as [string, string][]
    ) {
      assert.throws(
        () => NpyAppendArraySync.open(new MemoryFile(), { dtype: spec }),
        {
          name: "TypeError",
          message:
            `Cannot open the file object: Cannot use dtype "${spec}": ${why}`,
        },
      );
    }
  });

  test(
    "a void of size 0 (V, V0, void) is kept, as np.zeros(3, 'V') makes one",
    numpyTestOptions(),
    () => {
      for (const spec of ["V", "V0", "void"]) {
        const f = new MemoryFile();
        const w = NpyAppendArraySync.open(f, { dtype: spec });
        w.append([0, 1, 2].map(() => new Uint8Array(0)));
        w.close();
        assert.deepEqual(f.bytes(), npSaveBytes("np.zeros(3, 'V')"), spec);
      }
    },
  );

  test(
    "the CLI's --dtype refuses them as a usage error, with the fix",
    SLOW,
    () => {
      const d = tempDir();
      writeFileSync(join(d, "t.csv"), "ab\n");
      for (const spec of ["S", "S0"]) {
        const r = cli([
          "from-csv",
          "--dtype",
          spec,
          join(d, "t.csv"),
          join(d, "o.npy"),
        ]);
        assert.equal(r.code, 2);
        assert.match(
          r.stdout + r.stderr,
          new RegExp(
            `Cannot use dtype "${spec}": a type of size 0 holds no value; give its size, such as S8`,
          ),
        );
      }
    },
  );

  test(
    "a file whose header says |S0 is read as np.load reads it",
    numpyTestOptions(),
    () => {
      const path = join(tempDir(), "z.npy");
      runPython(
        `import sys, numpy as np
from numpy.lib import format as F
with open(sys.argv[1], 'wb') as f:
    F._write_array_header(f, {'descr': '|S0', 'fortran_order': False, 'shape': (3,)}, (1, 0))`,
        [path],
      );
      const a = readNpySync(path);
      assert.equal(a.dtype, "|S0");
      assert.deepEqual(a.shape, [3]);
    },
  );
});
