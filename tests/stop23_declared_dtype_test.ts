/**
 * Stop 23 (h5): `{ data, shape, dtype }` whose typed array is not of the
 * dtype it names (a `Float32Array` named `"<i8"`, a `Float64Array` named
 * `"<f4"`, an `Int32Array` named `"<f4"`) had its bytes copied as the
 * named dtype's: the writer acknowledged the append, and the file held
 * half or twice the bytes its header counts (NumPy could not load it, or
 * every later row was shifted), or bit patterns as values (1.0 as
 * 1065353216). Such input is now a `TypeError` naming the file and the
 * fix, nothing written; the typed arrays a dtype is documented to take
 * (`Uint8Array` as raw bytes, `Uint16Array` bits for `f2`, `BigInt64Array`
 * ticks for times, float pairs for complex) still go in.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  parseDType,
  readNpySync,
} from "../mod.ts";
import {
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";

/** [file dtype, data, the dtype the input names] */
const LIES: Array<[string, () => ArrayLike<unknown>, string]> = [
  ["<i8", () => new Float32Array([1, 2]), "<i8"],
  ["<f4", () => new Float64Array([1.5, 2]), "<f4"],
  ["<f4", () => new Int32Array([1, 2]), "<f4"],
  ["<i4", () => new Float32Array([1, 2]), "<i4"],
  ["<i2", () => new Int32Array([1, 2]), "<i2"],
  ["<f8", () => new Float32Array([1.5, 2]), "<f8"],
  ["<i8", () => new Float64Array([1, 2]), "<i8"],
  ["<M8[s]", () => new Float64Array([1, 2]), "<M8[s]"],
  ["<f8", () => new Int16Array([1, 2]), "<f8"],
  ["<f8", () => new BigInt64Array([1n, 2n]), "<f8"],
  ["|b1", () => new Int8Array([2, -1]), "|b1"],
  ["<u2", () => new Int16Array([-1, 2]), "<u2"],
  ["<c16", () => new Float32Array([1, 2, 3, 4]), "<c16"],
  ["<f4", () => new Float32Array([1, 2]), "<i4"],
];

function refusal(path: string) {
  return (e: unknown) =>
    e instanceof TypeError && e.message.includes(JSON.stringify(path)) &&
    /leave dtype out/.test(e.message);
}

test(
  "a typed array named another dtype is refused, the file unchanged",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    const paths: string[] = [];
    for (const [i, [fileDt, data, named]] of LIES.entries()) {
      const path = join(dir, `lie${i}.npy`);
      const first = fileDt === "<c16" ? [1, 2] : [1, 0];
      {
        using w = NpyAppendArraySync.open(path, { dtype: fileDt });
        w.append({
          data: first.map((v) =>
            fileDt.includes("M8") ? BigInt(v) : fileDt === "<i8" ? BigInt(v) : v
          ),
          shape: [2],
        });
      }
      const before = readFileSync(path);
      const shape = fileDt === "<c16" ? [2] : [2];
      {
        using w = NpyAppendArraySync.open(path);
        assert.throws(
          () => w.append({ data: data(), shape, dtype: named }),
          refusal(path),
          `${data().constructor.name} named ${named}`,
        );
      }
      {
        await using w = await NpyAppendArray.open(path);
        await assert.rejects(
          w.append({ data: data(), shape, dtype: named }),
          refusal(path),
        );
      }
      assert.deepEqual(readFileSync(path), before, `${named}: unchanged`);
      paths.push(path);
    }
    for (const np of npLoadJsonMany(paths)) assert.deepEqual(np.shape, [2]);
  },
);

test("a new file takes no bytes of a typed array named another dtype", () => {
  const dir = tempDir();
  const path = join(dir, "new.npy");
  using w = NpyAppendArraySync.open(path);
  assert.throws(
    () =>
      w.append({ data: new Float32Array([1, 2]), shape: [2], dtype: "<i8" }),
    refusal(path),
  );
  w.append({ data: new BigInt64Array([1n, 2n]), shape: [2], dtype: "<i8" });
  assert.deepEqual(w.shape, [2]);
});

test("duck-typed tensors and ndarrays whose dtype names another type are refused", () => {
  const dir = tempDir();
  const path = join(dir, "duck.npy");
  using w = NpyAppendArraySync.open(path, { dtype: "<f4" });
  const tensor = {
    shape: [2],
    dtype: "int32",
    dataSync: () => new Float64Array([1, 2]),
  };
  assert.throws(() => w.append(tensor), refusal(path));
  const nd = {
    shape: [2],
    stride: [1],
    offset: 0,
    dtype: "int32",
    data: new Float64Array([1, 2]),
  };
  assert.throws(() => w.append(nd), refusal(path));
  w.append(new Float32Array([1]));
  assert.deepEqual(w.shape, [1]);
});

test("stacks and groups refuse it too", () => {
  const dir = tempDir();
  {
    using s = NpyStackWriterSync.open(join(dir, "stack"), {
      shardRows: 4,
      dtype: "<f4",
    });
    assert.throws(
      () =>
        s.append({ data: new Float64Array([1, 2]), shape: [2], dtype: "<f4" }),
      (e) => e instanceof TypeError && /leave dtype out/.test(e.message),
    );
    s.append(new Float32Array([1]));
    assert.deepEqual(s.shape, [1]);
  }
  using g = NpyGroupWriterSync.open(join(dir, "group"), {
    members: { x: "<i8", y: "<f4" },
  });
  assert.throws(
    () =>
      g.append({
        x: { data: new Float32Array([1, 2]), shape: [2], dtype: "<i8" },
        y: new Float32Array([1, 2]),
      }),
    (e) => e instanceof TypeError && /leave dtype out/.test(e.message),
  );
});

test("the typed arrays a dtype takes still go in", numpyTestOptions(), () => {
  const dir = tempDir();
  const paths: string[] = [];
  const cases: Array<[string, ArrayLike<unknown>, string, unknown]> = [
    ["<c8", new Float32Array([1, 2, 3, 4]), "<c8", [[1, 2], [3, 4]]],
    ["<c16", new Float64Array([1, 2, 3, 4]), "<c16", [[1, 2], [3, 4]]],
    ["<f2", new Uint16Array([0x3c00, 0x4000]), "<f2", [1, 2]],
    ["<M8[s]", new BigInt64Array([1n, 2n]), "<M8[s]", null],
    ["<i4", new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), "<i4", [1, 2]],
    ["<f8", new Float64Array([1.5, 2]), ">f8", [1.5, 2]],
    ["<f8", new Float32Array([1.5, 2]), "float32", [1.5, 2]],
    ["|b1", new Uint8Array([1, 0]), "|b1", [true, false]],
  ];
  for (const [i, [fileDt, data, named]] of cases.entries()) {
    const path = join(dir, `ok${i}.npy`);
    {
      using w = NpyAppendArraySync.open(path, { dtype: fileDt });
      w.append({ data, shape: [2], dtype: named });
    }
    assert.deepEqual(readNpySync(path).shape, [2]);
    paths.push(path);
  }
  const loaded = npLoadJsonMany(paths);
  for (const [i, [fileDt, , named, want]] of cases.entries()) {
    const np = loaded[i]!;
    assert.deepEqual(np.shape, [2], `${fileDt} from ${named}`);
    if (want !== null) {
      assert.deepEqual(
        JSON.stringify(np.values).replace(/\.0\b/g, ""),
        JSON.stringify(want),
        `${fileDt} from ${named}`,
      );
    }
  }
});

test(
  "plain values named a dtype are that dtype's values, cast to the file's",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    // [file dtype, values, named dtype, NumPy expression of the rows]
    const cases: Array<[string, unknown[], string, string]> = [
      ["<M8[ms]", [1n, 2n], "<M8[s]", "np.array([1, 2], 'M8[s]')"],
      ["<m8[ms]", [1, 2], "<m8[s]", "np.array([1, 2], 'm8[s]')"],
      ["<M8[D]", [1n], "<M8[W]", "np.array([1], 'M8[W]')"],
      ["<f8", [0.1, 2], "<f4", "np.array([0.1, 2], 'f4')"],
      ["<i8", [3, 4], "<i2", "np.array([3, 4], 'i2')"],
      ["<f8", [true, false], "|b1", "np.array([True, False])"],
    ];
    const paths: string[] = [];
    for (const [i, [fileDt, values, named]] of cases.entries()) {
      const path = join(dir, `plain${i}.npy`);
      using w = NpyAppendArraySync.open(path, { dtype: fileDt });
      w.append({ data: values, shape: [values.length], dtype: named });
      paths.push(path);
    }
    const got = npLoadJsonMany(paths);
    const want = npLoadJsonMany(cases.map(([fileDt, , , expr], i) => {
      const path = join(dir, `want${i}.npy`);
      runPython(
        `import sys, numpy as np, warnings
warnings.simplefilter("ignore")
np.save(sys.argv[1], np.concatenate([np.empty(0, sys.argv[2]), ${expr}]))`,
        [path, fileDt],
      );
      return path;
    }));
    for (const [i, [fileDt, , named]] of cases.entries()) {
      assert.deepEqual(
        got[i]!.values,
        want[i]!.values,
        `${named} in ${fileDt}`,
      );
    }
  },
);

test("plain values a named dtype cannot hold are refused", () => {
  const dir = tempDir();
  const path = join(dir, "refused.npy");
  using w = NpyAppendArraySync.open(path, { dtype: "<f8" });
  const bad: Array<[unknown[], string]> = [
    [[1.5, 2], "<i8"],
    [[300, 1], "|u1"],
    [[1, 2], "|b1"],
    [[1e300, 2], "<f4"],
  ];
  for (const [values, named] of bad) {
    assert.throws(
      () => w.append({ data: values, shape: [2], dtype: named }),
      (e) =>
        e instanceof RangeError && e.message.includes(JSON.stringify(path)),
      named,
    );
  }
  w.append({ data: [255, 1], shape: [2], dtype: "|u1" });
  assert.deepEqual(w.shape, [2]);
});

test(
  "text, bytes and records named on a typed array other than Uint8Array are refused",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const rec = "[('a', '<f4'), ('b', '<f4')]";
    const cases: Array<[string, ArrayLike<unknown>, number]> = [
      ["<U2", new Uint32Array([65, 66]), 2],
      ["<U1", new Uint32Array([0x110000]), 1],
      ["|V4", new Float64Array([1, 2]), 2],
      ["|S8", new Float64Array([1, 2]), 2],
      ["|S4", new Int32Array([1, 2]), 2],
      ["|S2", new Uint16Array([0x4141, 0x4242]), 2],
      [rec, new Float32Array([1, 2, 3, 4]), 2],
    ];
    const paths: string[] = [];
    for (const [i, [dt, data, n]] of cases.entries()) {
      const path = join(dir, `text${i}.npy`);
      using w = NpyAppendArraySync.open(path, { dtype: dt });
      assert.throws(
        () => w.append({ data, shape: [n], dtype: dt }),
        (e) =>
          e instanceof TypeError && e.message.includes(JSON.stringify(path)) &&
          /as a Uint8Array/.test(e.message),
        dt,
      );
      // Its bytes as a Uint8Array go in.
      const t = data as Uint8Array;
      const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
      if (dt === "<U1") continue;
      const items = t.byteLength / parseDType(dt).itemsize;
      w.append({ data: bytes, shape: [items], dtype: dt });
      assert.deepEqual(w.shape, [items]);
      paths.push(path);
    }
    for (const np of npLoadJsonMany(paths)) assert.equal(np.shape.length, 1);
  },
);

test(
  "plain one-byte values named |u1 or |b1 into a text file are their text, as np.asarray(data, dtype).astype",
  numpyTestOptions(),
  () => {
    // Lead's merge of h5 with h4 and h1: plain values named "|u1" were
    // made a Uint8Array, then taken as the text file's raw bytes ("data
    // has 2 bytes, shape (2) needs 10"); named "|b1" True became "1".
    const dir = tempDir();
    const cases: Array<[string, unknown[], string, string]> = [
      ["|S5", [true, false], "|b1", "[True, False]"],
      ["<U5", [true, false], "|b1", "[True, False]"],
      ["|S5", [7, 200], "|u1", "[7, 200]"],
      ["<U4", [7, 200], "|u1", "[7, 200]"],
      ["|S5", [-7, 100], "|i1", "[-7, 100]"],
    ];
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const [i, [fileDt, values, named, py]] of cases.entries()) {
      const path = join(dir, `one_byte${i}.npy`);
      const w = NpyAppendArraySync.open(path, { dtype: fileDt });
      w.append({ data: values, shape: [values.length], dtype: named });
      w.close();
      const want = join(dir, `one_byte${i}_np.npy`);
      runPython(
        `import numpy as np, sys
np.save(sys.argv[1], np.asarray(${py}, sys.argv[2]).astype(sys.argv[3]))`,
        [want, named, fileDt],
      );
      ours.push(path);
      theirs.push(want);
    }
    for (const [i, p] of ours.entries()) {
      assert.deepEqual(
        readFileSync(p),
        readFileSync(theirs[i]!),
        `${cases[i]![2]} into ${cases[i]![0]}`,
      );
    }
  },
);
