/**
 * The command line on stacks: `split IN DIR --rows N`, `info DIR`,
 * `concat OUT DIR...` and `to-csv DIR`, run as a user would (a child
 * process of the runtime running the tests), checked with Dask and NumPy.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyStackWriterSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const SLOW = { timeout: 120_000 };

/** A (25, 3) float64 file, row i = [3i, 3i+1, 3i+2]. */
function source(): string {
  const p = join(tempDir(), "in.npy");
  using w = NpyAppendArraySync.open(p);
  w.append({
    data: Float64Array.from({ length: 75 }, (_, i) => i),
    shape: [25, 3],
  });
  return p;
}

describe("CLI on stacks", { ...numpyTestOptions(), ...SLOW }, () => {
  test("split IN DIR --rows N writes a stack Dask reads as IN", SLOW, () => {
    const src = source();
    const dir = join(tempDir(), "stack");
    const r = cli(["split", src, dir, "--rows", "10"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), [
      "0.npy",
      "1.npy",
      "2.npy",
      "info",
    ]);
    const out = runPython(
      "import sys, numpy as np, dask.array as da; x = da.from_npy_stack(sys.argv[1]); print(x.chunks[0], bool(np.array_equal(x.compute(), np.load(sys.argv[2]))))",
      [dir, src],
    );
    assert.equal(out.trim(), "(10, 10, 5) True");
  });

  test("split needs --rows or --bytes; --help documents it", SLOW, () => {
    const r = cli(["split", source(), join(tempDir(), "s")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--rows N/);
    // Both, or one twice: refused, no folder made.
    for (
      const extra of [
        ["--rows", "4", "--bytes", "100"],
        ["--rows", "4", "--rows", "5"],
        ["--bytes=64", "--bytes", "64"],
      ]
    ) {
      const out = join(tempDir(), "s");
      const bad = cli(["split", source(), out, ...extra]);
      assert.equal(bad.code, 2, extra.join(" "));
      assert.match(bad.stderr, /exclude each other|is given twice/);
      assert.equal(existsSync(out), false);
    }
    const h = cli(["split", "--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: npy-append-array split /);
    assert.match(h.stdout, /Example:/);
  });

  test("info DIR shows the stack; --json for scripts", SLOW, () => {
    const dir = tempDir();
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i2" });
      w.append({ data: new Int16Array(22), shape: [11, 2] });
      // The live shard (3 rows) stays: the writer is open while info runs.
      const t = cli(["info", dir]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /shape: +\(11, 2\)/);
      assert.match(t.stdout, /2 sealed, 4 rows each, live shard with 3 rows/);
      const j = JSON.parse(cli(["info", "--json", dir]).stdout);
      assert.deepEqual(j.chunks, [4, 4]);
      assert.equal(j.liveRows, 3);
      assert.equal(j.dtype, "<i2");
    }
  });

  test(
    "split into a folder that is not empty is refused (a rerun after a kill would add its rows twice); --append continues it",
    SLOW,
    () => {
      const src = source();
      const root = tempDir();
      const dir = join(root, "stack");
      mkdirSync(dir); // an empty folder is a new stack
      assert.equal(cli(["split", src, dir, "--rows", "10"]).code, 0);
      const again = cli(["split", src, dir, "--rows", "10"]);
      assert.notEqual(again.code, 0);
      assert.match(
        again.stderr,
        /Cannot split .*in\.npy into .*stack: the folder is not empty \(a split stopped part-way leaves part of the rows there\); remove it and run the split again, or pass --append to add all of .*in\.npy's rows after the stack's/,
      );
      assert.match(cli(["info", dir]).stdout, /shape: +\(25, 3\)/);
      // A folder holding anything else is refused too, and left as it is.
      const other = join(root, "other");
      mkdirSync(other);
      writeFileSync(join(other, "notes.txt"), "mine");
      assert.notEqual(cli(["split", src, other, "--rows", "10"]).code, 0);
      assert.deepEqual(readdirSync(other), ["notes.txt"]);
      const more = cli(["split", src, dir, "--rows", "10", "--append"]);
      assert.equal(more.code, 0, more.stderr);
      assert.match(cli(["info", dir]).stdout, /shape: +\(50, 3\)/);
      const same = runPython(
        "import sys, numpy as np, dask.array as da; a = np.load(sys.argv[2]); print(bool(np.array_equal(da.from_npy_stack(sys.argv[1]).compute(), np.concatenate([a, a]))))",
        [dir, src],
      );
      assert.equal(same.trim(), "True");
    },
  );

  test("concat OUT DIR... joins stacks (and files) into one file", SLOW, () => {
    const src = source();
    const dir = join(tempDir(), "stack");
    assert.equal(cli(["split", src, dir, "--rows", "7"]).code, 0);
    const out = join(tempDir(), "out.npy");
    const r = cli(["concat", out, dir, src]);
    assert.equal(r.code, 0, r.stderr);
    const same = runPython(
      "import sys, numpy as np; a = np.load(sys.argv[2]); print(bool(np.array_equal(np.load(sys.argv[1]), np.concatenate([a, a]))))",
      [out, src],
    );
    assert.equal(same.trim(), "True");
  });

  test(
    "to-csv DIR writes the stack's rows in order, as to-csv of the file",
    SLOW,
    () => {
      const src = source();
      const dir = join(tempDir(), "stack");
      assert.equal(cli(["split", src, dir, "--bytes", "100"]).code, 0);
      const a = cli(["to-csv", dir]);
      const b = cli(["to-csv", src]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, b.stdout);
      // NumPy's str() style (stop 27).
      assert.equal(a.stdout.split("\n")[24], "72.0,73.0,74.0");
    },
  );

  test(
    "to-csv of a 2-d Fortran-order stack is refused, naming the fix",
    SLOW,
    () => {
      const dir = tempDir();
      {
        using w = NpyStackWriterSync.open(dir, {
          shardRows: 1,
          fortranOrder: true,
        });
        w.append({ data: new Float64Array(4), shape: [2, 2] });
      }
      const r = cli(["to-csv", dir]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Fortran-order stack.*concat it into one file first/,
      );
    },
  );
});
