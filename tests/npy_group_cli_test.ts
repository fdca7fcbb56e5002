/**
 * The command line on groups: `info DIR` shows the members and rows,
 * `to-csv DIR` writes one CSV with a column block per member (checked with
 * NumPy). Run as a user would: a child process of the test's runtime.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync, NpyGroupWriterSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const SLOW = { timeout: 120_000 };

function makeGroup(dir: string, n: number, shardRows?: number): void {
  using g = NpyGroupWriterSync.open(dir, {
    ...(shardRows === undefined ? {} : { shardRows }),
    members: {
      x: "<f4",
      y: "<i8",
      t: "<M8[s]",
      f: { dtype: "<f8", fortranOrder: true },
    },
  });
  for (let i = 0; i < n; i += 3) {
    const k = Math.min(3, n - i);
    const rows = Array.from({ length: k }, (_, r) => i + r);
    g.append({
      x: rows.map((v) => [v + 0.5, -v]),
      y: rows,
      t: new BigInt64Array(rows.map((v) => BigInt(1_700_000_000 + v))),
      f: {
        data: new Float64Array(rows.flatMap((v) => [v / 4, v * 100])),
        shape: [2, k],
        fortranOrder: true,
      },
    });
  }
}

test("info DIR shows a group: members, dtypes, shapes, rows", SLOW, () => {
  const dir = join(tempDir(), "g");
  makeGroup(dir, 7);
  const r = cli(["info", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(group of 4 members, 7 rows\)/);
  assert.match(r.stdout, /\n {2}x {11}<f4 {2}\(7, 2\) {2}C\n/);
  assert.match(r.stdout, /\n {2}f {11}<f8 {2}\(2, 7\) {2}F\n/);
  const j = cli(["info", "--json", dir]);
  const rec = JSON.parse(j.stdout);
  assert.equal(rec.length, 7);
  assert.equal(rec.aligned, true);
  assert.deepEqual(rec.members.map((m: { name: string }) => m.name), [
    "x",
    "y",
    "t",
    "f",
  ]);
  // A member ahead of the others (a crash between appends).
  const y = NpyAppendArraySync.open(join(dir, "y.npy"));
  y.append([99]);
  y.close();
  const bad = cli(["info", dir]);
  assert.equal(bad.code, 0, bad.stderr);
  assert.match(
    bad.stdout,
    /7 rows; not aligned: run "npy-append-array recover [^"]+"\)/,
  );
});

test("to-csv DIR writes a column block per member", {
  ...numpyTestOptions(),
  ...SLOW,
}, () => {
  const root = tempDir();
  const dir = join(root, "g");
  makeGroup(dir, 10);
  const out = join(root, "g.csv");
  const r = cli(["to-csv", "--no-progress", dir, out]);
  assert.equal(r.code, 0, r.stderr);
  const check = runPython(
    `
import sys
import numpy as np
d, csv = sys.argv[1], sys.argv[2]
x, y, t, f = (np.load(d + "/%s.npy" % m, mmap_mode="r") for m in "xytf")
got = np.loadtxt(csv, delimiter=",", dtype=str)
assert got.shape == (10, 6), got.shape
# Datetimes in ISO 8601, as np.datetime_as_string writes them.
assert (got[:, 3] == np.datetime_as_string(t)).all(), got[:, 3]
want = np.column_stack([x.astype("f8"), y, f.T])
num = np.delete(got, 3, axis=1).astype("f8")
assert (num == want).all(), (num, want)
print("ok")
`,
    [dir, out],
  );
  assert.equal(check.trim(), "ok");
  const stdout = cli(["to-csv", "-d", ";", dir]);
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.equal(
    stdout.stdout.split("\n")[1],
    // NumPy's str() of each float (stop 27): -1.0 and 100.0.
    "1.5;-1.0;1;2023-11-14T22:13:21;0.25;100.0",
  );
});

test("to-csv refuses a group with a 3-d member, naming it", SLOW, () => {
  const dir = join(tempDir(), "g");
  const g = NpyGroupWriterSync.open(dir, { members: { a: "<f4", b: "<f4" } });
  g.append({ a: [1], b: [[[1, 2]]] });
  g.close();
  const r = cli(["to-csv", dir]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /member "b" is 3-d, and CSV holds 1-d and 2-d members/,
  );
});

test("info and to-csv on a group of stacks", {
  ...numpyTestOptions(),
  ...SLOW,
}, () => {
  const root = tempDir();
  const dir = join(root, "g");
  makeGroup(dir, 10, 4);
  const r = cli(["info", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(group of 4 members, 10 rows\)/);
  assert.match(
    r.stdout,
    /\n {2}x {11}<f4 {2}\(10, 2\) {2}C {2}stack \S+, 3 sealed shards of 4 rows\n/,
  );
  assert.match(r.stdout, /\n {2}f {11}<f8 {2}\(2, 10\) {2}F {2}stack /);
  const rec = JSON.parse(cli(["info", "--json", dir]).stdout);
  assert.equal(rec.length, 10);
  assert.equal(rec.aligned, true);
  assert.deepEqual(rec.members[0].stack.shape, [10, 2]);
  const out = join(root, "g.csv");
  const c = cli(["to-csv", "--no-progress", dir, out]);
  assert.equal(c.code, 0, c.stderr);
  const check = runPython(
    `
import sys
import numpy as np
import dask.array as da
d, csv = sys.argv[1], sys.argv[2]
x, y, t, f = (da.from_npy_stack(d + "/" + m).compute() for m in "xytf")
got = np.loadtxt(csv, delimiter=",", dtype=str)
assert got.shape == (10, 6), got.shape
assert (got[:, 3] == np.datetime_as_string(t)).all(), got[:, 3]
want = np.column_stack([x.astype("f8"), y, f.T])
num = np.delete(got, 3, axis=1).astype("f8")
assert (num == want).all(), (num, want)
print("ok")
`,
    [dir, out],
  );
  assert.equal(check.trim(), "ok");
});
