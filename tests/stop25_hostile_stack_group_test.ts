/**
 * Stop 25 (h5): stack and group folders built by hand to break the readers.
 *
 * - A sealed shard longer than its header says (bytes appended, a file
 *   grown by `truncate`): the scan took the header's rows, as `np.load` and
 *   Dask do, but the read counted the file's whole rows and refused with
 *   "the stack was replaced ... open it again", which no reopening or
 *   `recoverStack` ended. The header's rows are read now, Dask's values.
 * - A `group.json` of gigabytes (a sparse file): read whole, the open ran
 *   for minutes or out of memory. Refused now at its size, naming the fix.
 * - A symbolic link loop as `info` or as a group member: a bare `Error`
 *   `ELOOP` with no fix. Now the runtime's `TypeError` naming the path and
 *   the fix (fix or remove that link).
 * - A `group.json` listing 200,000 members: `RangeError: Maximum call
 *   stack size exceeded` (a spread of every member's rows).
 *
 * Each refusal leaves the folder as it was (names, kinds and bytes).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

/** Names, kinds, sizes and (for small files) bytes of a folder. */
function snapshot(dir: string): string {
  return readdirSync(dir).sort().map((name) => {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return `${name}:link:${readlinkSync(p)}`;
    if (!st.isFile()) return `${name}:not a file`;
    return st.size > 1 << 20
      ? `${name}:${st.size}`
      : `${name}:${readFileSync(p).toString("hex")}`;
  }).join("\n");
}

/** A stack of 6 int32 rows of 2, 3 shards of 2 rows, written by Dask. */
function daskStack(dir: string): void {
  runPython(
    "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array(np.arange(12, dtype='<i4').reshape(6, 2), chunks=(2, 2)))",
    [dir],
  );
}

const DASK_READ =
  "import sys, json, dask.array as da; print(json.dumps(da.from_npy_stack(sys.argv[1]).compute().tolist()))";

for (
  const [name, grow] of [
    ["one row appended", (p: string) => appendFileSync(p, new Uint8Array(8))],
    [
      "a row and a half appended",
      (p: string) => appendFileSync(p, new Uint8Array(12)),
    ],
    ["grown to 1 TiB (sparse)", (p: string) => truncateSync(p, 2 ** 40)],
  ] as const
) {
  test(
    `a sealed shard longer than its header (${name}) reads as Dask reads it`,
    numpyTestOptions(),
    async () => {
      const dir = join(tempDir(), "s");
      daskStack(dir);
      grow(join(dir, "1.npy"));
      const want = Array.from({ length: 12 }, (_, i) => i);
      if (name !== "grown to 1 TiB (sparse)") {
        assert.deepEqual(JSON.parse(runPython(DASK_READ, [dir])).flat(), want);
      }
      const before = snapshot(dir);
      const a = readNpyStackSync(dir);
      assert.deepEqual(a.shape, [6, 2]);
      assert.deepEqual(Array.from(a.data as Int32Array), want);
      const r = await NpyStackReader.open(dir);
      assert.deepEqual(Array.from((await r.read(1, 5)).data as Int32Array), [
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
      ]);
      await r.close();
      assert.equal(snapshot(dir), before);
      // The command line reads the stack as the readers do (stop 26, h1;
      // tests/stop26_cli_stacks_test.ts checks its values); nothing changes.
      for (
        const args of [["to-csv", dir], [
          "concat",
          join(dir, "..", "o.npy"),
          dir,
        ]]
      ) {
        const run = cli(args);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(snapshot(dir), before);
      }
      // A writer goes on after the header's rows.
      const w = NpyStackWriterSync.open(dir);
      w.append([[12, 13]]);
      w.close();
      assert.deepEqual(
        Array.from(readNpyStackSync(dir).data as Int32Array),
        [...want, 12, 13],
      );
    },
  );
}

test("a group.json of gigabytes is refused at its size, nothing changed", () => {
  const dir = join(tempDir(), "g");
  const g = NpyGroupWriterSync.open(dir, { members: { a: "<f8" } });
  g.append({ a: [1, 2] });
  g.close();
  truncateSync(join(dir, "group.json"), 3 * 2 ** 30);
  const before = snapshot(dir);
  const t0 = Date.now();
  for (
    const f of [
      () => NpyGroupReader.openSync(dir),
      () => NpyGroupWriterSync.open(dir),
      () => recoverGroupSync(dir),
    ]
  ) {
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.match(e.message, /group\.json/);
      assert.match(e.message, /3221225472 bytes/);
      assert.match(e.message, /move it out of the folder/);
      return true;
    });
  }
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  assert.equal(snapshot(dir), before);
  const info = cli(["info", dir], { timeout: 60_000 });
  assert.equal(info.code, 1, info.stderr);
  assert.match(info.stderr, /3221225472 bytes/);
  assert.equal(snapshot(dir), before);
});

test("a symlink loop as info or as a group member: TypeError ELOOP naming it and the fix", () => {
  const root = tempDir();
  const s = join(root, "s");
  const w = NpyStackWriterSync.open(s, { dtype: "<i4", shardRows: 2 });
  w.append([1, 2, 3]);
  w.close();
  rmSync(join(s, "info"));
  symlinkSync("info", join(s, "info"));
  const g = join(root, "g");
  const gw = NpyGroupWriterSync.open(g, { members: { a: "<f8", b: "<f8" } });
  gw.append({ a: [1], b: [2] });
  gw.close();
  rmSync(join(g, "a.npy"));
  symlinkSync("a.npy", join(g, "a.npy"));
  const cases: Array<[string, string, () => unknown]> = [
    [s, "info", () => readNpyStackSync(s)],
    [s, "info", () => NpyStackReader.openSync(s)],
    [s, "info", () => NpyStackWriterSync.open(s)],
    [g, "a.npy", () => NpyGroupReader.openSync(g)],
    [g, "a.npy", () => NpyGroupWriterSync.open(g)],
    [g, "a.npy", () => recoverGroupSync(g)],
  ];
  for (const [dir, file, f] of cases) {
    const before = snapshot(dir);
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.equal((e as { code?: string }).code, "ELOOP");
      assert.ok(e.message.includes(join(dir, file)), e.message);
      assert.match(e.message, /fix or remove that link/);
      return true;
    });
    assert.equal(snapshot(dir), before);
  }
  for (const dir of [s, g]) {
    const before = snapshot(dir);
    const r = cli(["info", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /fix or remove that link/);
    assert.equal(snapshot(dir), before);
  }
  // recoverStack writes info again (the loop is the file it replaces).
  assert.deepEqual(recoverStackSync(s), [3]);
  assert.deepEqual(Array.from(readNpyStackSync(s).data as Int32Array), [
    1,
    2,
    3,
  ]);
});

test("a group.json listing 200,000 members: a typed refusal, not a stack overflow", () => {
  const dir = join(tempDir(), "g");
  const gw = NpyGroupWriterSync.open(dir, { members: { a: "<f8" } });
  gw.append({ a: [1] });
  gw.close();
  const members = Array.from({ length: 200_000 }, (_, i) => ({
    name: `m${i}`,
    file: `m${i}.npy`,
    dtype: null,
    fortranOrder: false,
    axis: 0,
  }));
  writeFileSync(
    join(dir, "group.json"),
    JSON.stringify({ format: "npy-append-array group", version: 1, members }),
  );
  const before = snapshot(dir);
  // Members never written (dtype null, no file) hold 0 rows: a group of
  // 0 rows, read without a stack overflow.
  const r = NpyGroupReader.openSync(dir);
  assert.equal(r.length, 0);
  r.closeSync();
  const info = cli(["info", dir]);
  assert.equal(info.code, 0, info.stderr);
  assert.equal(snapshot(dir), before);
});
