/**
 * Stop 24 (h1): `fortranOrder: true` on a 1-d file. A 1-d array is C- and
 * Fortran-contiguous at once, and `np.save` writes `fortran_order: False`
 * for every C-contiguous array (`header_data_from_array_1_0`), so
 * `np.save(np.asfortranarray(a))` of a 1-d `a` says C order. Our writer
 * wrote `fortran_order: True` for a new 1-d file made with
 * `fortranOrder: true` (not np.save's bytes), and a 1-d file with
 * `fortran_order: False` (np.save's) was refused when reopened with
 * `fortranOrder: true`, though both orders grow a 1-d file along axis 0.
 * From 2 axes on, the header keeps the order asked for: it decides along
 * which axis an appendable file grows.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { FaultyFile, InjectedFault } from "./_faulty_file.ts";

function same(path: string, expr: string, fortranHeader = false): void {
  const want = npSaveBytes(`np.asfortranarray(${expr})`);
  if (fortranHeader) {
    // From 2 axes on the header keeps Fortran order where np.save says C
    // order (the shape reads the same in both): the same bytes otherwise.
    const end = want.indexOf(0x0a);
    const text = new TextDecoder().decode(want.subarray(10, end));
    const flipped = text.replace(
      "'fortran_order': False",
      "'fortran_order': True",
    ) + " ";
    assert.notEqual(flipped, text + " ");
    want.set(new TextEncoder().encode(flipped), 10);
  }
  assert.deepEqual(new Uint8Array(readFileSync(path)), want);
}

const CASES: [string, { data: unknown; shape: number[]; dtype?: string }[]][] =
  [
    ["np.arange(5.0)", [{
      data: new Float64Array([0, 1, 2, 3, 4]),
      shape: [5],
    }]],
    [
      "np.arange(5, dtype='<i2')",
      [
        { data: new Int16Array([0, 1]), shape: [2] },
        { data: new Int16Array([2, 3, 4]), shape: [3] },
      ],
    ],
    ["np.zeros(0, dtype='<f4')", [{ data: new Float32Array(0), shape: [0] }]],
    [
      "np.array(['ab', 'c'], dtype='<U2')",
      [{ data: ["ab", "c"], shape: [2], dtype: "<U2" }],
    ],
  ];

const BUFFERED = { bufferBytes: 1 << 16, rewriteHeaderOnAppend: false };

for (const [expr, appends] of CASES) {
  test(
    `a new 1-d file made with fortranOrder: true has np.save's bytes: ${expr}`,
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      for (const buffered of [false, true]) {
        const p = join(dir, `s${buffered}.npy`);
        const w = NpyAppendArraySync.open(p, {
          fortranOrder: true,
          ...(buffered ? BUFFERED : {}),
        });
        assert.equal(w.fortranOrder, true);
        for (const a of appends) w.append(a as never);
        w.close();
        // The file's header order: a 1-d file says C order, as np.save.
        assert.equal(w.fortranOrder, false);
        same(p, expr);
        const a = join(dir, `a${buffered}.npy`);
        const aw = await NpyAppendArray.open(a, {
          fortranOrder: true,
          ...(buffered ? BUFFERED : {}),
        });
        for (const x of appends) await aw.append(x as never);
        await aw.close();
        assert.equal(aw.fortranOrder, false);
        same(a, expr);
      }
    },
  );
}

test(
  "a 1-d file is reopened with fortranOrder: true (np.save's and our own) and grows along axis 0",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    const p = join(dir, "np.npy");
    writeFileSync(p, npSaveBytes("np.asfortranarray(np.arange(3.0))"));
    const w = NpyAppendArraySync.open(p, { fortranOrder: true });
    assert.equal(w.fortranOrder, false);
    w.append(new Float64Array([3, 4]));
    w.close();
    same(p, "np.arange(5.0)");
    const aw = await NpyAppendArray.open(p, { fortranOrder: true });
    await aw.append({
      data: new Float64Array([5]),
      shape: [1],
      fortranOrder: true,
    });
    await aw.close();
    same(p, "np.arange(6.0)");
    // Reopened without the option and with fortranOrder: false alike.
    const w2 = NpyAppendArraySync.open(p, { fortranOrder: false });
    w2.append(new Float64Array([6]));
    w2.close();
    same(p, "np.arange(7.0)");
    assert.deepEqual(readNpySync(p).shape, [7]);
  },
);

test(
  "a 1-d file with a Fortran-order header (an older writer's) is reopened with either order and keeps its header",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const p = join(dir, "old.npy");
    const bytes = npSaveBytes("np.arange(3.0)");
    const text = new TextDecoder().decode(bytes.subarray(0, 128));
    const i = text.indexOf("False");
    // "False" -> "True " keeps the header length.
    const old = bytes.slice();
    old.set(new TextEncoder().encode("True, "), i);
    old.set(new TextEncoder().encode("'shape': (3,), }"), i + 6);
    old.fill(0x20, i + 22, bytes.indexOf(0x0a, i));
    writeFileSync(p, old);
    assert.equal(readNpySync(p).fortranOrder, true);
    for (const fortranOrder of [false, true]) {
      const w = NpyAppendArraySync.open(p, { fortranOrder });
      assert.equal(w.fortranOrder, true);
      w.append(new Float64Array([w.shape[0]!]));
      w.close();
    }
    const r = readNpySync(p);
    assert.deepEqual([...(r.data as Float64Array)], [0, 1, 2, 3, 4]);
    assert.equal(r.fortranOrder, true);
  },
);

test(
  "from 2 axes on the header keeps Fortran order even where np.save writes C order (it decides the growth axis)",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const p = join(dir, "col.npy");
    const w = NpyAppendArraySync.open(p, { fortranOrder: true });
    w.append({ data: new Float64Array([0, 1, 2]), shape: [3, 1] });
    assert.equal(w.fortranOrder, true);
    w.append({ data: new Float64Array([3, 4, 5]), shape: [3, 1] });
    w.close();
    same(p, "np.arange(6.0).reshape(2, 3).T");
    const r = readNpySync(p);
    assert.equal(r.fortranOrder, true);
    assert.deepEqual(r.shape, [3, 2]);
  },
);

test(
  "a 1-d Fortran-order stack's sealed shards keep np.save's bytes and the stack keeps its order",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "st");
    const s = NpyStackWriterSync.open(dir, {
      fortranOrder: true,
      shardRows: 2,
    });
    s.append(new Float64Array([0, 1, 2]));
    assert.equal(s.fortranOrder, true);
    s.close();
    same(join(dir, "0.npy"), "np.arange(2.0)");
    same(join(dir, "1.npy"), "np.arange(2.0, 3.0)");
    const again = NpyStackWriterSync.open(dir, { fortranOrder: true });
    again.append(new Float64Array([3]));
    again.close();
    same(join(dir, "2.npy"), "np.arange(3.0, 4.0)");
  },
);

test(
  "np.save's C-order header of a Fortran (3, 1) or (1, 5) array is appended to with fortranOrder: true along the last axis, and the reverse",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    // [start, appended shape, after one append, after two, whether
    // np.save writes those two with C order (shapes ambiguous still)]
    const cases: [string, number[], string, string, boolean][] = [
      [
        "np.arange(3.0).reshape(3, 1)",
        [3, 1],
        "np.arange(6.0).reshape(2, 3).T",
        "np.arange(9.0).reshape(3, 3).T",
        false,
      ],
      [
        "np.arange(5.0).reshape(1, 5)",
        [1, 1],
        "np.arange(6.0).reshape(1, 6)",
        "np.arange(7.0).reshape(1, 7)",
        true,
      ],
      [
        "np.zeros((0, 2))",
        [0, 1],
        "np.zeros((0, 3))",
        "np.zeros((0, 4))",
        true,
      ],
    ];
    for (const [expr, row, once, twice, ambiguous] of cases) {
      for (const how of ["sync", "async", "buffered"]) {
        const p = join(dir, `${how}.npy`);
        writeFileSync(p, npSaveBytes(`np.asfortranarray(${expr})`));
        const n = row.reduce((a, b) => a * b, 1);
        const size = (s: string) =>
          Number(
            runPython(`import numpy as np; print((${s}).size)`).trim(),
          );
        const base = size(expr);
        const rows = (k: number) =>
          Array.from({ length: n }, (_, i) => base + k * n + i);
        if (how === "async") {
          const w = await NpyAppendArray.open(p, { fortranOrder: true });
          assert.equal(w.fortranOrder, true);
          await w.append({ data: rows(0), shape: row });
          await w.close();
        } else {
          const w = NpyAppendArraySync.open(p, {
            fortranOrder: true,
            ...(how === "buffered" ? BUFFERED : {}),
          });
          assert.equal(w.fortranOrder, true);
          w.append({ data: rows(0), shape: row });
          w.close();
        }
        same(p, once, ambiguous);
        // Reopened: its header now says Fortran order.
        const w2 = NpyAppendArraySync.open(p, { fortranOrder: true });
        w2.append({ data: rows(1), shape: row });
        w2.close();
        same(p, twice, ambiguous);
      }
    }
    // The reverse: our Fortran (3, 1) file grows rows with fortranOrder: false.
    const q = join(dir, "rev.npy");
    const w = NpyAppendArraySync.open(q, { fortranOrder: true });
    w.append({ data: [0, 1, 2], shape: [3, 1] });
    w.close();
    const r = NpyAppendArraySync.open(q, { fortranOrder: false });
    assert.equal(r.fortranOrder, false);
    r.append([[3]]);
    r.close();
    assert.deepEqual(readNpySync(q).shape, [4, 1]);
    assert.equal(readNpySync(q).fortranOrder, false);
    assert.deepEqual(
      [...(readNpySync(q).data as Float64Array)],
      [0, 1, 2, 3],
    );
    // Not ambiguous: (2, 3) in C order is still refused with fortranOrder: true.
    const c = join(dir, "c.npy");
    writeFileSync(c, npSaveBytes("np.zeros((2, 3))"));
    assert.throws(
      () => NpyAppendArraySync.open(c, { fortranOrder: true }),
      /fortranOrder true does not match the file \(false\)/,
    );
  },
);

test(
  "a first append whose data write fails after the order's header leaves the same array (the header first, then the data)",
  numpyTestOptions(),
  () => {
    const start = npSaveBytes(
      "np.asfortranarray(np.arange(3.0).reshape(3, 1))",
    );
    for (const failAt of [1, 2]) {
      const m = new MemoryFile();
      m.writeSync(start, 0);
      const f = new FaultyFile({ failAt, sticky: true }, m);
      const w = NpyAppendArraySync.open(f.sync(), { fortranOrder: true });
      assert.throws(
        () => w.append({ data: [3, 4, 5], shape: [3, 1] }),
        InjectedFault,
      );
      const r = readNpySync(m);
      assert.deepEqual(r.shape, [3, 1]);
      assert.deepEqual([...(r.data as Float64Array)], [0, 1, 2]);
      assert.equal(r.fortranOrder, failAt === 2);
      assert.equal(m.bytes().length, start.length);
    }
  },
);
