/**
 * Stop 26 (h1): the command line reads a stack folder as the library's
 * stack reader does (`NpyStackReader`, as `np.load` and Dask read it).
 *
 * `to-csv DIR` and `concat OUT DIR` listed a stack's shards and opened each
 * as a file: a sealed shard longer than its header (bytes appended, a file
 * grown by `truncate`) was refused with the file's fix, `npy-append-array
 * recover 1.npy`, which cuts the tail, where `readNpyStack`, `np.load` and
 * Dask read the header's rows. Now they read the stack as one array through
 * `NpyStackReader`; `concat` still copies the stored bytes of each shard's
 * rows (every bit, NaN payloads too).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync, readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

/** Names and sizes of a folder's files. */
function sizes(dir: string): string {
  return readdirSync(dir).sort().map((n) =>
    `${n}:${statSync(join(dir, n)).size}`
  ).join(" ");
}

/** Dask's values of a stack, and np.loadtxt's of a CSV, as JSON. */
const COMPARE = `
import sys, json, numpy as np, dask.array as da
want = da.from_npy_stack(sys.argv[1]).compute()
got = np.loadtxt(sys.argv[2], delimiter=",", dtype=want.dtype, ndmin=want.ndim)
print(json.dumps([want.shape == got.shape, bool((want == got).all()), str(want.dtype)]))
`;

/** Whether np.load of a file equals Dask's reading of a stack. */
const SAME_NPY = `
import sys, json, numpy as np, dask.array as da
want = da.from_npy_stack(sys.argv[1]).compute()
got = np.load(sys.argv[2])
print(json.dumps([want.shape == got.shape, want.dtype == got.dtype, want.tobytes() == got.tobytes()]))
`;

const GROWTHS = [
  ["one row appended", (p: string) => appendFileSync(p, new Uint8Array(8))],
  ["a row and a half", (p: string) => appendFileSync(p, new Uint8Array(12))],
  ["grown to 1 TiB (sparse)", (p: string) => truncateSync(p, 2 ** 40)],
] as const;

for (const [name, grow] of GROWTHS) {
  test(
    `to-csv and concat of a stack whose sealed shard is longer than its header (${name}) give Dask's values`,
    numpyTestOptions(),
    () => {
      const root = tempDir();
      const dir = join(root, "s");
      runPython(
        "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array((np.arange(12, dtype='<f4') / 3).reshape(6, 2), chunks=(2, 2)))",
        [dir],
      );
      grow(join(dir, "1.npy"));
      const before = sizes(dir);
      const csv = join(root, "s.csv");
      const run = cli(["to-csv", dir, csv]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(runPython(COMPARE, [dir, csv])), [
        true,
        true,
        "float32",
      ]);
      const out = join(root, "o.npy");
      const cat = cli(["concat", out, dir]);
      assert.equal(cat.code, 0, cat.stderr);
      assert.deepEqual(JSON.parse(runPython(SAME_NPY, [dir, out])), [
        true,
        true,
        true,
      ]);
      // Appended to: the stack's rows after the file's own.
      const again = cli(["concat", out, dir]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(readNpySync(out).shape, [12, 2]);
      assert.equal(sizes(dir), before);
    },
  );
}

test("concat of a stack with a tail keeps every bit of its rows (NaN payloads), not the tail", () => {
  const root = tempDir();
  const dir = join(root, "s");
  const w = NpyStackWriterSync.open(dir, { dtype: "<f8", shardRows: 2 });
  const bits = new BigUint64Array([
    0x7ff0000000000001n,
    0xfff8dead0000beefn,
    0x7ff4000000000000n,
    0x3ff0000000000000n,
    0xfff0000000000abcn,
  ]);
  w.append(new Float64Array(bits.buffer));
  w.close();
  appendFileSync(join(dir, "0.npy"), new Uint8Array(8).fill(0x55));
  const out = join(root, "o.npy");
  const run = cli(["concat", out, dir]);
  assert.equal(run.code, 0, run.stderr);
  const a = readNpySync(out);
  assert.deepEqual(a.shape, [5]);
  const got = new BigUint64Array((a.data as Float64Array).slice().buffer);
  assert.deepEqual([...got], [...bits]);
});

test(
  "to-csv of a one-shard Fortran-order stack with a tail gives Dask's values; two shards are still refused",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    const dir = join(root, "f");
    const w = NpyStackWriterSync.open(dir, {
      dtype: "<i4",
      fortranOrder: true,
      shardRows: 3,
    });
    w.append({
      data: new Int32Array([1, 2, 3, 4, 5, 6]),
      shape: [2, 3],
      fortranOrder: true,
    });
    w.close();
    appendFileSync(join(dir, "0.npy"), new Uint8Array(8).fill(7));
    const csv = join(root, "f.csv");
    const run = cli(["to-csv", dir, csv]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(csv, "utf8"), "1,3,5\n2,4,6\n");
    assert.deepEqual(JSON.parse(runPython(COMPARE, [dir, csv])), [
      true,
      true,
      "int32",
    ]);
    const w2 = NpyStackWriterSync.open(dir, { shardRows: 3 });
    w2.append({
      data: new Int32Array([7, 8]),
      shape: [2, 1],
      fortranOrder: true,
    });
    w2.close();
    const csv2 = join(root, "f2.csv");
    const refused = cli(["to-csv", dir, csv2]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /Fortran-order stack.*concat it into one file/,
    );
    assert.throws(() => statSync(csv2), { code: "ENOENT" });
  },
);

test("to-csv and concat of a folder with no shard name it and the fix", () => {
  const root = tempDir();
  const dir = join(root, "empty");
  writeFileSync(join(root, "x"), "");
  NpyStackWriterSync.open(dir, { dtype: "<f8" }).close();
  for (const args of [["to-csv", dir], ["concat", join(root, "o.npy"), dir]]) {
    const run = cli(args);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(dir), run.stderr);
    assert.doesNotMatch(run.stderr, /at \w+ \(|TypeError: Cannot read prop/);
  }
  assert.throws(() => statSync(join(root, "o.npy")), { code: "ENOENT" });
});

test(
  "concat of a Fortran-order stack whose last shard is one column (saved in C order) gives Dask's values",
  numpyTestOptions(),
  () => {
    // np.save writes an array that is both C and F contiguous (one column)
    // as C order; the copy read that shard's first row (one item) as the
    // stack's column and left the rest zeros, silently (before stop 26 too).
    const root = tempDir();
    const dir = join(root, "f");
    const w = NpyStackWriterSync.open(dir, {
      dtype: "<f8",
      fortranOrder: true,
      shardRows: 2,
    });
    w.append({
      data: Float64Array.from({ length: 15 }, (_, i) => i + 0.5),
      shape: [3, 5],
      fortranOrder: true,
    });
    w.close();
    appendFileSync(join(dir, "2.npy"), new Uint8Array(24).fill(9));
    const before = sizes(dir);
    for (const extra of [[], ["--dtype", "<f4"]]) {
      const out = join(root, `o${extra.length}.npy`);
      const run = cli(["concat", ...extra, out, dir]);
      assert.equal(run.code, 0, run.stderr);
      const same = JSON.parse(runPython(
        "import sys, json, numpy as np, dask.array as da; a = np.load(sys.argv[2]); d = da.from_npy_stack(sys.argv[1]).compute(); print(json.dumps([a.shape == d.shape, bool(a.flags.f_contiguous), bool((a == d).all())]))",
        [dir, out],
      ));
      assert.deepEqual(same, [true, true, true], extra.join(" "));
    }
    assert.equal(sizes(dir), before);
  },
);
