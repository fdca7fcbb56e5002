/**
 * Stack writers: Dask's `to_npy_stack` layout, rotation by `shardRows`
 * and `shardBytes`, `seal()`, `close()`, Fortran order, continuing a
 * stack, the `info` pickle byte for byte, and bad input.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import {
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  parseDType,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { pickleStackInfo, unpickleStackInfo } from "../src/_pickle.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** The stack's files, without the live shard writer's lock file. */
function files(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.endsWith(".lock")).sort();
}

function f64(dir: string): number[] {
  return [...readNpyStackSync(dir).data as Float64Array];
}

/** Python: every shard equals np.save of its rows, info equals Python's pickle of the same dict. */
const CHECK_LAYOUT = `
import io, os, pickle, sys, json
import numpy as np
d = sys.argv[1]
info = pickle.load(open(os.path.join(d, "info"), "rb"))
n = len(info["chunks"][info["axis"]])
out = {"chunks": [list(c) for c in info["chunks"]], "axis": info["axis"], "dtype": str(info["dtype"].descr), "same": []}
for i in range(n):
    p = os.path.join(d, "%d.npy" % i)
    a = np.load(p)
    b = io.BytesIO(); np.save(b, a)
    out["same"].append(b.getvalue() == open(p, "rb").read())
again = pickle.dumps({"chunks": info["chunks"], "dtype": info["dtype"], "axis": info["axis"]}, protocol=2)
out["pickleSame"] = again == open(os.path.join(d, "info"), "rb").read()
print(json.dumps(out))
`;

function checkLayout(dir: string): {
  chunks: number[][];
  axis: number;
  dtype: string;
  same: boolean[];
  pickleSame: boolean;
} {
  return JSON.parse(runPython(CHECK_LAYOUT, [dir]));
}

describe("NpyStackWriterSync layout", () => {
  test(
    "shardRows splits appends so every sealed shard but the last holds exactly that many",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const ref = join(tempDir(), "ref.npy");
      const stack = NpyStackWriterSync.open(dir, { shardRows: 4 });
      const single = NpyAppendArraySync.open(ref, { deleteIfExists: true });
      let v = 0;
      for (const rows of [1, 3, 6, 2, 9, 1]) {
        const data = new Float64Array(rows * 3).map(() => v++);
        stack.append({ data, shape: [rows, 3] });
        single.append({ data, shape: [rows, 3] });
      }
      assert.deepEqual(stack.shape, [22, 3]);
      assert.equal(stack.shards, 5);
      assert.deepEqual(files(dir), [
        "0.npy",
        "1.npy",
        "2.npy",
        "3.npy",
        "4.npy",
        "5.npy.part",
        "info",
      ]);
      stack.close();
      single.close();
      assert.deepEqual(files(dir), [
        "0.npy",
        "1.npy",
        "2.npy",
        "3.npy",
        "4.npy",
        "5.npy",
        "info",
      ]);
      const got = checkLayout(dir);
      assert.deepEqual(got.chunks, [[4, 4, 4, 4, 4, 2], [3]]);
      assert.equal(got.axis, 0);
      assert.deepEqual(got.same, [true, true, true, true, true, true]);
      assert.ok(got.pickleSame);
      assert.deepEqual(readNpyStackSync(dir).data, readNpySync(ref).data);
    },
  );

  test("appends split across shards keep every dtype's values (as one file would)", () => {
    const cases: [string, unknown[]][] = [
      ["<u2", [1, 2, 3, 60000, 5]],
      [">u4", [1, 2, 3, 4e9, 5]],
      ["<u8", [1, 2, 3, 4, 5]],
      ["|u1", [1, 2, 3, 255, 5]],
      ["|b1", [true, false, true, true, false]],
      [">i2", [-1, 2, -3, 4, -5]],
      [">f8", [0.5, 1.5, -2, 1e300, 5]],
      ["<c8", [1, 2, 3, 4, 5]],
      ["<U3", ["a", "bb", "ccc", "d", ""]],
      ["<f2", [0.5, 1, 2, 65504, -3]],
    ];
    for (const [dtype, values] of cases) {
      const dir = tempDir();
      const ref = join(tempDir(), "ref.npy");
      {
        using stack = NpyStackWriterSync.open(dir, { shardRows: 2, dtype });
        using one = NpyAppendArraySync.open(ref, { dtype });
        stack.append(values);
        one.append(values);
        assert.equal(stack.shards, 2, dtype);
      }
      const got = readNpyStackSync(dir);
      assert.equal(got.dtype, readNpySync(ref).dtype, dtype);
      assert.deepEqual(got.data, readNpySync(ref).data, dtype);
    }
  });

  test("shardBytes seals at the first row boundary at or past the size", () => {
    const dir = tempDir();
    using stack = NpyStackWriterSync.open(dir, { shardBytes: 100 });
    for (let i = 0; i < 10; i++) {
      stack.append(new Float64Array([i, i, i, i, i]));
    }
    // 40 bytes an append: sealed after 3 appends (120 bytes).
    assert.equal(stack.shards, 3);
    assert.deepEqual(readNpySync(join(dir, "0.npy")).shape, [15]);
    assert.deepEqual(readNpySync(join(dir, "2.npy")).shape, [15]);
    assert.deepEqual(stack.shape, [50]);
  });

  test("seal() ends the live shard; seal() with no rows does nothing", () => {
    const dir = tempDir();
    using stack = NpyStackWriterSync.open(dir);
    stack.seal();
    assert.equal(stack.shards, 0);
    stack.append([1, 2]);
    stack.seal();
    stack.seal();
    stack.append([3]);
    stack.seal();
    assert.equal(stack.shards, 2);
    assert.deepEqual(files(dir), ["0.npy", "1.npy", "info"]);
    assert.deepEqual(f64(dir), [1, 2, 3]);
  });

  test("close() seals a live shard holding rows and leaves no live shard", () => {
    const dir = tempDir();
    const stack = NpyStackWriterSync.open(dir, { shardRows: 10 });
    stack.append([1, 2, 3]);
    assert.ok(existsSync(join(dir, "0.npy.part")));
    stack.close();
    stack.close();
    assert.deepEqual(files(dir), ["0.npy", "info"]);
    assert.ok(!existsSync(`${dir}.lock`));
  });

  test(
    "Fortran-order stacks grow along the last axis (axis = ndim - 1)",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      {
        using stack = NpyStackWriterSync.open(dir, {
          fortranOrder: true,
          shardRows: 2,
          dtype: "<i4",
        });
        // Shape (2, 5) in Fortran order: columns [0,1], [2,3], ... [8,9].
        stack.append({
          data: new Int32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
          shape: [2, 5],
          fortranOrder: true,
        });
        stack.append({
          data: new Int32Array([10, 11, 12, 13]),
          shape: [2, 2],
          fortranOrder: true,
        });
        assert.deepEqual(stack.shape, [2, 7]);
        assert.equal(stack.shards, 3);
      }
      const got = checkLayout(dir);
      assert.equal(got.axis, 1);
      assert.deepEqual(got.chunks, [[2], [2, 2, 2, 1]]);
      // The last shard, one column, is C- and F-contiguous: np.save marks
      // it C order, and so does the stack once it is sealed.
      assert.deepEqual(got.same, [true, true, true, true]);
      assert.equal(readNpySync(join(dir, "3.npy")).fortranOrder, false);
      assert.equal(readNpySync(join(dir, "2.npy")).fortranOrder, true);
      // Reopened, the stack still grows along the last axis.
      {
        using again = NpyStackWriterSync.open(dir, { fortranOrder: true });
        assert.deepEqual(again.shape, [2, 7]);
        again.append({
          data: new Int32Array([14, 15]),
          shape: [2, 1],
          fortranOrder: true,
        });
        assert.deepEqual(again.shape, [2, 8]);
      }
      assert.deepEqual(checkLayout(dir).chunks, [[2], [2, 2, 2, 1, 1]]);
      assert.ok(got.pickleSame);
      const all = readNpyStackSync(dir);
      assert.deepEqual(all.shape, [2, 8]);
      assert.ok(all.fortranOrder);
      assert.deepEqual([...all.data as Int32Array], [...Array(16).keys()]);
      // Rows (columns) across the C-headed one-column shards.
      const part = NpyStackReader.openSync(dir).readSync(5, 8);
      assert.deepEqual(part.shape, [2, 3]);
      assert.deepEqual([...part.data as Int32Array], [10, 11, 12, 13, 14, 15]);
    },
  );

  test(
    "a 1-d Fortran-order stack: shards are np.save's bytes (C-order headers)",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      {
        using stack = NpyStackWriterSync.open(dir, {
          fortranOrder: true,
          shardRows: 3,
        });
        stack.append(new Float64Array([1, 2, 3, 4, 5]));
      }
      {
        using again = NpyStackWriterSync.open(dir, {
          fortranOrder: true,
          shardRows: 3,
        });
        again.append(new Float64Array([6]));
      }
      const got = checkLayout(dir);
      assert.deepEqual(got.chunks, [[3, 2, 1]]);
      assert.deepEqual(got.same, [true, true, true]);
      assert.deepEqual(f64(dir), [1, 2, 3, 4, 5, 6]);
    },
  );

  test(
    "structured stacks: info holds the structured dtype, shards are np.save's bytes",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const dtype = "[('t', '<i8'), ('xy', '<f4', (2,)), ('name', '<U3')]";
      const itemsize = parseDType(dtype).itemsize;
      {
        using stack = NpyStackWriterSync.open(dir, { dtype, shardRows: 3 });
        const bytes = new Uint8Array(itemsize * 7).map((_, i) => (i * 7) % 97);
        // Keep the U3 code points valid.
        for (let r = 0; r < 7; r++) {
          bytes.fill(
            65,
            r * itemsize + 16,
            r * itemsize + itemsize,
          );
        }
        for (let r = 0; r < 7; r++) {
          for (let k = 16; k < itemsize; k += 4) {
            bytes.set(
              [65 + r, 0, 0, 0],
              r * itemsize + k,
            );
          }
        }
        stack.append({ data: bytes, shape: [7], dtype });
      }
      const got = checkLayout(dir);
      assert.deepEqual(got.chunks, [[3, 3, 1]]);
      assert.deepEqual(got.same, [true, true, true]);
      assert.ok(got.pickleSame);
      assert.equal(
        got.dtype,
        "[('t', '<i8'), ('xy', '<f4', (2,)), ('name', '<U3')]",
      );
    },
  );

  test("reopening continues the stack: the live shard fills up to shardRows", () => {
    const dir = tempDir(), copy = tempDir();
    {
      using a = NpyStackWriterSync.open(dir, { shardRows: 3 });
      a.append([1, 2, 3, 4]);
      // The folder as a process that stopped here left it.
      // A live writer's lock files are its own: a copy of the folder (what a
      // kill leaves) must not take them along.
      cpSync(dir, copy, {
        recursive: true,
        filter: (src) => !src.endsWith(".lock"),
      });
    }
    assert.deepEqual(files(copy), ["0.npy", "1.npy.part", "info"]);
    {
      using b = NpyStackWriterSync.open(copy, { shardRows: 3 });
      assert.deepEqual(b.shape, [4]);
      assert.equal(b.shards, 1);
      b.append([5, 6, 7]);
      assert.equal(b.shards, 2);
      assert.equal(b.dtype, "<f8");
    }
    assert.deepEqual(f64(copy), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(readNpySync(join(copy, "1.npy")).shape, [3]);
    assert.deepEqual(readNpySync(join(copy, "2.npy")).shape, [1]);
  });

  test("info appears with the first sealed shard: Dask and Ray never see a partial shard", () => {
    const dir = tempDir();
    using stack = NpyStackWriterSync.open(dir, { dtype: "<f4" });
    stack.append({ data: new Float32Array(4), shape: [2, 2] });
    assert.deepEqual(files(dir), ["0.npy.part"]);
    stack.seal();
    assert.deepEqual(files(dir), ["0.npy", "info"]);
  });

  test("deleteIfExists starts a new stack: old shards, live shard and info are removed", () => {
    const dir = tempDir();
    {
      using s = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<i8" });
      s.append([1, 2, 3, 4, 5]);
    }
    assert.deepEqual(files(dir), ["0.npy", "1.npy", "2.npy", "info"]);
    {
      using s = NpyStackWriterSync.open(dir, {
        deleteIfExists: true,
        dtype: "<f4",
      });
      assert.deepEqual(s.shape, []);
      assert.deepEqual(files(dir), []);
      s.append(new Float32Array([9]));
    }
    assert.deepEqual(files(dir), ["0.npy", "info"]);
    assert.equal(readNpyStackSync(dir).dtype, "<f4");
  });

  test("info is replaced atomically: no temporary file is left", () => {
    const dir = tempDir();
    using stack = NpyStackWriterSync.open(dir, { shardRows: 1 });
    for (let i = 0; i < 5; i++) stack.append([i]);
    assert.deepEqual(files(dir), [
      "0.npy",
      "1.npy",
      "2.npy",
      "3.npy",
      "4.npy",
      "info",
    ]);
    const info = unpickleStackInfo(
      new Uint8Array(readFileSync(join(dir, "info"))),
      "info",
    );
    assert.deepEqual(info.chunks, [[1, 1, 1, 1, 1]]);
  });

  test("NpyStackWriter (async) writes the same files as the sync writer", async () => {
    const a = tempDir(), b = tempDir();
    {
      await using stack = await NpyStackWriter.open(a, { shardRows: 2 });
      await stack.append([[1, 2], [3, 4], [5, 6]]);
      await stack.seal();
      await stack.append([[7, 8]]);
      assert.equal(stack.shards, 2);
    }
    {
      using stack = NpyStackWriterSync.open(b, { shardRows: 2 });
      stack.append([[1, 2], [3, 4], [5, 6]]);
      stack.seal();
      stack.append([[7, 8]]);
    }
    assert.deepEqual(files(a), files(b));
    for (const f of files(a)) {
      assert.deepEqual(readFileSync(join(a, f)), readFileSync(join(b, f)), f);
    }
  });
});

describe("NpyStackWriterSync bad input", () => {
  test("a second writer on the same stack gets NpyLockedError", () => {
    const dir = tempDir();
    using first = NpyStackWriterSync.open(dir);
    first.append([1]);
    assert.throws(() => NpyStackWriterSync.open(dir), (e: unknown) => {
      assert.ok(e instanceof NpyLockedError);
      assert.match(e.message, /^Cannot append to ".*": .*holds it/);
      return true;
    });
    first.append([2]);
    assert.deepEqual(first.shape, [2]);
  });

  test("shardRows and shardBytes must be positive integers", () => {
    const dir = tempDir();
    for (const bad of [0, -1, 1.5, NaN, "4" as unknown as number]) {
      assert.throws(() => NpyStackWriterSync.open(dir, { shardRows: bad }), {
        name: "RangeError",
        message: new RegExp(
          `^Cannot open the stack ".*": shardRows must be a positive integer, not `,
        ),
      });
      assert.throws(
        () => NpyStackWriterSync.open(dir, { shardBytes: bad }),
        RangeError,
      );
    }
    // The refusals left no lock behind.
    using ok = NpyStackWriterSync.open(dir, { shardRows: 2 });
    ok.append([1]);
  });

  test("a dtype that differs from the stack's is refused and changes nothing", () => {
    const dir = tempDir();
    {
      using s = NpyStackWriterSync.open(dir, { dtype: "<i2" });
      s.append([[1, 2], [3, 4]]);
    }
    const before = readFileSync(join(dir, "info"));
    assert.throws(() => NpyStackWriterSync.open(dir, { dtype: "<f8" }), {
      name: "TypeError",
      message:
        /^Cannot append to the stack ".*": its dtype is "<i2", not "<f8"; drop the dtype option/,
    });
    assert.throws(
      () => NpyStackWriterSync.open(dir, { fortranOrder: true }),
      TypeError,
    );
    assert.deepEqual(readFileSync(join(dir, "info")), before);
    assert.deepEqual(files(dir), ["0.npy", "info"]);
  });

  test("a failed append (bad shape) changes no byte and no state", () => {
    const dir = tempDir();
    using s = NpyStackWriterSync.open(dir, { shardRows: 2 });
    s.append([[1, 2]]);
    const part = readFileSync(join(dir, "0.npy.part"));
    assert.throws(() => s.append([[1, 2, 3]]), RangeError);
    assert.throws(
      () => s.append([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
      RangeError,
    );
    assert.deepEqual(readFileSync(join(dir, "0.npy.part")), part);
    assert.deepEqual(s.shape, [1, 2]);
    assert.equal(s.shards, 0);
  });

  test("the first append failing leaves no live shard", () => {
    const dir = tempDir();
    using s = NpyStackWriterSync.open(dir, { dtype: "<u1" });
    assert.throws(() => s.append([1, 300]), RangeError);
    assert.deepEqual(files(dir), []);
    s.append([1, 2]);
    assert.deepEqual(s.shape, [2]);
  });

  test("append after close is a TypeError naming the stack", () => {
    const dir = tempDir();
    const s = NpyStackWriterSync.open(dir);
    s.close();
    assert.throws(() => s.append([1]), {
      name: "TypeError",
      message: /^Cannot append to the stack ".*": the writer is closed/,
    });
  });

  test("a broken info is an NpyFormatError naming the file and recoverStack", () => {
    const dir = tempDir();
    {
      using s = NpyStackWriterSync.open(dir);
      s.append([1]);
    }
    writeFileSync(join(dir, "info"), "not a pickle");
    assert.throws(() => NpyStackWriterSync.open(dir), {
      name: "NpyFormatError",
      message: /^Cannot read the stack info ".*info": .*recoverStack/,
    });
  });
});

describe("info pickle", () => {
  test(
    "equals Python's pickle.dumps(protocol=2) byte for byte, for many dtypes",
    numpyTestOptions(),
    () => {
      const dtypes = [
        "<f8",
        "|u1",
        ">i2",
        "<U3",
        "<M8[ns]",
        "|b1",
        "|S4",
        "<c16",
        "<f2",
        "<m8[s]",
        "|V8",
        "[('a', '<f4'), ('b', '<i8', (2,))]",
        "[('xx', '<f4'), ('yy', '<f4')]",
        "[('a', '<M8[s]'), ('b', '<m8[s]')]",
        "[('a', '<f4'), ('', '|V4'), ('b', '<U2')]",
        "[('a', [('b', '<i2'), ('c', '>f8', (2, 3))])]",
      ];
      const code = `
import sys, json, pickle, numpy as np
from numpy.lib.format import descr_to_dtype
for line in sys.stdin:
    j = json.loads(line)
    s = j["dtype"]
    dt = descr_to_dtype(eval(s) if s.startswith("[") else s)
    ref = pickle.dumps({"chunks": tuple(tuple(c) for c in j["chunks"]), "dtype": dt, "axis": j["axis"]}, protocol=2)
    got = bytes.fromhex(j["hex"])
    back = pickle.loads(got)
    print(json.dumps([ref == got, back["dtype"] == dt, ref.hex()]))
`;
      const chunks = [[...Array(300).keys()].map((i) => i * 1000), [3]];
      const lines = dtypes.map((d) =>
        JSON.stringify({
          dtype: d,
          chunks,
          axis: 0,
          hex: Buffer.from(
            pickleStackInfo({ chunks, dtype: parseDType(d), axis: 0 }),
          ).toString("hex"),
        })
      ).join("\n");
      const out = runPython(code, [], new TextEncoder().encode(lines + "\n"))
        .trim().split("\n");
      out.forEach((l, i) => {
        const [same, equal, ref] = JSON.parse(l);
        assert.ok(equal, dtypes[i]);
        assert.ok(same, dtypes[i]);
        // And the reader reads Python's bytes back.
        const info = unpickleStackInfo(
          new Uint8Array(Buffer.from(ref, "hex")),
          "x",
        );
        assert.equal(info.dtype?.str, parseDType(dtypes[i]!).str);
        assert.deepEqual(info.chunks, chunks);
      });
    },
  );

  test(
    "reads Dask's own info (default protocol) and continues a Dask stack",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      runPython(
        "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array(np.arange(10.0).reshape(5, 2), chunks=(2, 2)))",
        [dir],
      );
      const info = unpickleStackInfo(
        new Uint8Array(readFileSync(join(dir, "info"))),
        "info",
      );
      assert.deepEqual(info.chunks, [[2, 2, 1], [2]]);
      {
        using s = NpyStackWriterSync.open(dir);
        assert.deepEqual(s.shape, [5, 2]);
        s.append([[10, 11]]);
      }
      const out = runPython(
        "import sys, numpy as np, dask.array as da; x = da.from_npy_stack(sys.argv[1]).compute(); print(x.shape, x.sum())",
        [dir],
      );
      assert.equal(out.trim(), "(6, 2) 66.0");
    },
  );
});
