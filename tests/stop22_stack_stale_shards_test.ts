/**
 * Stop 22 (h2): shards left past `info` by a rewrite. Dask's
 * `to_npy_stack` over an existing stack with fewer shards writes a new
 * `info` first, then `0.npy .. (m-1).npy`, and leaves the old
 * `m.npy .. M.npy`; Dask then reads its m shards only. Our readers and
 * writer took the old shards in as rows (they are there for a writer
 * killed between a seal and the rewrite of `info`). Now an unlisted shard
 * older than `info` is refused by every reader, the writer's open and the
 * CLI, naming the first such shard and the fix; nothing is changed;
 * `recoverStack` takes them in. A killed writer's unlisted shard (as new
 * as `info` or newer) is still read.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { runPython, tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";
import { cli } from "./_cli_run.ts";
import { isDamagedStack, SLOW, stackInts, startReady } from "./_stack_dask.ts";

/** Dask's to_npy_stack of `100 + arange` in `shape`, `chunks`, `axis`. */
const DASK_WRITE = `
import sys, numpy as np, dask.array as da
d, shape, fortran, chunks, axis = sys.argv[1], eval(sys.argv[2]), sys.argv[3] == 'F', eval(sys.argv[4]), int(sys.argv[5])
x = 100 + np.arange(int(np.prod(shape)), dtype='<i4').reshape(shape)
if fortran: x = np.asfortranarray(x)
da.to_npy_stack(d, da.from_array(x, chunks=chunks), axis=axis)
`;
const DASK_READ =
  "import sys, json, dask.array as da; x = da.from_npy_stack(sys.argv[1]).compute(); print(json.dumps({'shape': list(x.shape), 'flat': x.ravel(order=sys.argv[2]).tolist()}))";

const CASES = [
  // C order: rows along axis 0; ours 5 shards of 2 rows, Dask's 2.
  { order: "C", ours: [10, 3], dask: "(4, 3)", chunks: "(2, 3)", axis: 0 },
  // Fortran order: columns along the last axis.
  { order: "F", ours: [3, 10], dask: "(3, 4)", chunks: "(3, 2)", axis: 1 },
] as const;

/** Our stack of 5 shards of 2 rows (or columns), values 0 .. 29. */
function ourStack(dir: string, shape: readonly number[], fortran: boolean) {
  using w = NpyStackWriterSync.open(dir, {
    shardRows: 2,
    fortranOrder: fortran,
  });
  w.append({
    data: Int32Array.from({ length: 30 }, (_, i) => i),
    shape: [...shape],
    fortranOrder: fortran,
  });
}

function isStaleError(e: unknown, dir: string): boolean {
  return isDamagedStack(
    e,
    `"${dir}/2.npy"`,
    /to_npy_stack/,
    /2\.npy \.\. 4\.npy/,
    /recoverStack/,
  );
}

/** What Dask reads: shape and values in the stack's order. */
function daskReads(dir: string, order: string) {
  return JSON.parse(runPython(DASK_READ, [dir, order])) as {
    shape: number[];
    flat: number[];
  };
}

for (const c of CASES) {
  test(
    `Dask's to_npy_stack over a longer ${c.order}-order stack: readers, CLI and writer refuse naming the old shards; without them we read what Dask reads`,
    SLOW,
    () => {
      const dir = join(tempDir(), "s");
      ourStack(dir, c.ours, c.order === "F");
      runPython(DASK_WRITE, [dir, c.dask, c.order, c.chunks, String(c.axis)]);
      assert.ok(existsSync(join(dir, "4.npy")), "Dask left the old shards");
      const before = folderSnapshot(dir);
      assert.throws(
        () => NpyStackReader.openSync(dir),
        (e) => isStaleError(e, dir),
      );
      assert.throws(() => readNpyStackSync(dir), (e) => isStaleError(e, dir));
      assert.throws(
        () => NpyStackWriterSync.open(dir),
        (e) => isStaleError(e, dir),
      );
      const r = cli(["info", dir]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /to_npy_stack/);
      assert.match(r.stderr, /2\.npy \.\. 4\.npy/);
      assert.equal(folderSnapshot(dir), before, "nothing changed");
      // The fix: remove the old shards; we read what Dask reads.
      for (const k of [2, 3, 4]) rmSync(join(dir, `${k}.npy`));
      const want = daskReads(dir, c.order);
      const got = readNpyStackSync(dir);
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual([...got.data as Int32Array], want.flat);
    },
  );
}

test(
  "recoverStack takes in the shards Dask left (the user's choice): every row is read",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    ourStack(dir, [10, 3], false);
    runPython(DASK_WRITE, [dir, "(4, 3)", "C", "(2, 3)", "0"]);
    assert.deepEqual(recoverStackSync(dir), [10, 3]);
    const got = readNpyStackSync(dir);
    assert.deepEqual(got.shape, [10, 3]);
    const v = [...got.data as Int32Array];
    assert.deepEqual(
      v.slice(0, 12),
      Array.from({ length: 12 }, (_, i) => 100 + i),
    );
    assert.deepEqual(v.slice(12), Array.from({ length: 18 }, (_, i) => 12 + i));
    assert.deepEqual(daskReads(dir, "C").shape, [10, 3]);
  },
);

test(
  "a group reader over a member stack rewritten by to_npy_stack refuses naming the old shards",
  SLOW,
  () => {
    const g = join(tempDir(), "g");
    {
      using w = NpyGroupWriterSync.open(g, {
        members: { a: "<i4", b: "<i4" },
        shardRows: 2,
      });
      const v = Int32Array.from({ length: 10 }, (_, i) => i);
      w.append({ a: v, b: v });
    }
    const a = join(g, "a");
    runPython(DASK_WRITE, [a, "(4,)", "C", "(2,)", "0"]);
    const before = folderSnapshot(g);
    assert.throws(() => NpyGroupReader.openSync(g), (e) => isStaleError(e, a));
    assert.equal(folderSnapshot(g), before, "nothing changed");
  },
);

test(
  "a writer killed after a seal, before info: its unlisted shard is as new as info or newer, and read",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.from([0, 1, 2, 3]));
    }
    // As if killed between sealing 2.npy and rewriting info: info listed 2.
    const info = join(dir, "info");
    const listed2 = readFileSync(info);
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.from([4, 5]));
    }
    writeFileSync(info, listed2);
    const t = statSync(join(dir, "2.npy")).mtime;
    // Equal times (a coarse file system) read as a killed writer's too.
    // Both set from one Date: Node's Stats.mtime rounds to the nearest
    // millisecond, so info set alone to it could land after the shard's
    // own time (failed on Node, where this machine's file times end in
    // .59 ms).
    utimesSync(join(dir, "2.npy"), t, t);
    utimesSync(info, t, t);
    assert.deepEqual(stackInts(dir), [0, 1, 2, 3, 4, 5]);
    utimesSync(
      info,
      new Date(t.getTime() - 5000),
      new Date(t.getTime() - 5000),
    );
    assert.deepEqual(stackInts(dir), [0, 1, 2, 3, 4, 5]);
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.from([6]));
    }
    assert.deepEqual(stackInts(dir), [0, 1, 2, 3, 4, 5, 6]);
  },
);

test(
  "a writer killed between the seal at close() and info: the shard's last rows came before info, yet it is read",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    // Seals 0.npy (info written after 2.npy.part got row 2).
    w.append(Int32Array.from([0, 1, 2]));
    const info = join(dir, "info");
    const listed1 = readFileSync(info);
    const t1 = statSync(info).mtime;
    const part = join(dir, "1.npy.part");
    const partTime = statSync(part).mtime;
    assert.ok(partTime <= t1);
    // A later clock tick, then close() seals 1.npy and rewrites info.
    const until = Date.now() + 30;
    while (Date.now() < until) { /* wait a clock tick */ }
    w.close();
    // Killed before info: the old info back, with its old time.
    writeFileSync(info, listed1);
    const old = new Date(Math.floor(t1.getTime()) - 1); // as old, or older
    utimesSync(info, old, old);
    assert.deepEqual(stackInts(dir), [0, 1, 2]);
  },
);

test(
  "readers opened beside a live writer sealing a shard every 2 rows never take its new shards for old ones",
  { timeout: 300_000 },
  async () => {
    const dir = join(tempDir(), "live");
    const rows = 1000;
    const { exited: ended } = await startReady(
      new URL("./_stop22_stack_live_child.ts", import.meta.url),
      [dir, String(rows)],
    );
    const exited = ended.then((e) => e.code);
    let running = true;
    void exited.then(() => running = false);
    let opens = 0;
    while (running) {
      const got = readNpyStackSync(dir);
      const v = [...got.data as Int32Array];
      assert.deepEqual(v, Array.from({ length: v.length }, (_, i) => i));
      using r = NpyStackReader.openSync(dir);
      const before = r.length;
      r.refreshSync();
      assert.ok(r.length >= before);
      opens++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.equal(await exited, 0);
    assert.ok(opens > 5, `${opens} opens`);
    assert.equal(readNpyStackSync(dir).shape[0], rows);
  },
);
