/**
 * Stop 23 (h2): stacks under attack. Stop 22 told the shards Dask's
 * `to_npy_stack` leaves past its new `info` from a killed writer's by
 * time alone: an unlisted shard older than `info` was refused. Times do
 * not tell: a shard and `info` written in the same tick (a coarse file
 * system), or a copy that gives the folder new times in copy order
 * (`cp -r`, `rsync -r`, `touch`), made Dask's leftovers look new, and our
 * readers read the old rows after Dask's. A live shard `{n}.npy.part`
 * left by a killed writer was read after a Dask rewrite of as many shards
 * (Dask never sees it), and a writer continued it.
 *
 * Now `info` tells who wrote it last: ours is pickle protocol 2, Dask's
 * (Python 3's default) is 4 or 5, and our writer rewrites a Dask-written
 * `info` as its own when it opens the stack, before any seal. An unlisted
 * shard or a live shard beside an `info` we did not write is refused
 * whatever the times; beside ours the time rule stays.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { runPython, tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";
import { scriptCommand } from "./_runtime.ts";
import {
  daskReads,
  daskRewrite,
  isDamagedStack,
  SLOW,
  stackInts as ints,
  startReady,
} from "./_stack_dask.ts";

/** Our closed stack of `rows` rows 0 .. rows-1, 2 a shard. */
function ourStack(dir: string, rows: number): void {
  using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
  w.append(Int32Array.from({ length: rows }, (_, i) => i));
}

function isLeftOver(e: unknown, dir: string, name: RegExp): boolean {
  return isDamagedStack(e, dir, name, /to_npy_stack/, /recoverStack/);
}

/** The folder's files but lock files (a killed writer's lock is removed by the writer's open). */
function snapshot(dir: string): string {
  return folderSnapshot(dir).split("\n").filter((l) => !/^\S+\.lock /.test(l))
    .join("\n");
}

/** Every reader and the writer's open refuse; nothing changes. */
function allRefuse(dir: string, name: RegExp): void {
  const before = snapshot(dir);
  assert.throws(() => readNpyStackSync(dir), (e) => isLeftOver(e, dir, name));
  assert.throws(
    () => NpyStackReader.openSync(dir),
    (e) => isLeftOver(e, dir, name),
  );
  assert.throws(
    () => NpyStackWriterSync.open(dir),
    (e) => isLeftOver(e, dir, name),
  );
  assert.equal(snapshot(dir), before, "nothing changed");
}

function setTimes(dir: string, at: (name: string) => number): void {
  for (const name of readdirSync(dir)) {
    const t = new Date(at(name));
    utimesSync(join(dir, name), t, t);
  }
}

test(
  "Dask's shorter rewrite in the same tick as our shards (equal times): its old shards are refused, not read",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    ourStack(dir, 10);
    daskRewrite(dir, 4, "2");
    assert.ok(existsSync(join(dir, "4.npy")));
    const t = statSync(join(dir, "info")).mtimeMs;
    setTimes(dir, () => t); // a 1 s or 2 s file system: one tick
    allRefuse(dir, /2\.npy \.\. 4\.npy/);
    for (const k of [2, 3, 4]) rmSync(join(dir, `${k}.npy`));
    assert.deepEqual(ints(dir), [0, 10, 20, 30]);
    assert.deepEqual(daskReads(dir), [0, 10, 20, 30]);
  },
);

test(
  "a copy of a Dask-rewritten stack with new times in copy order (info first, as cp -r, rsync -r, or touch may): the old shards are refused",
  SLOW,
  () => {
    const src = join(tempDir(), "s");
    ourStack(src, 10);
    daskRewrite(src, 4, "2");
    const dst = join(tempDir(), "copy");
    mkdirSync(dst);
    // info copied first: every shard is then newer than it.
    const names = ["info", ...readdirSync(src).filter((n) => n !== "info")];
    const now = Date.now();
    names.forEach((n, i) => {
      copyFileSync(join(src, n), join(dst, n));
      const t = new Date(now + 1000 * i);
      utimesSync(join(dst, n), t, t);
    });
    allRefuse(dst, /2\.npy \.\. 4\.npy/);
    // Real copies refuse too, whatever order they take.
    for (const args of [["-r"], ["-a"]]) {
      const c = join(tempDir(), `cp${args[0]}`);
      assert.equal(spawnSync("cp", [...args, src, c]).status, 0);
      allRefuse(c, /2\.npy \.\. 4\.npy/);
    }
    // recoverStack takes them in (the user's choice): every row.
    assert.deepEqual(recoverStackSync(dst), [10]);
    assert.deepEqual(ints(dst), [0, 10, 20, 30, 4, 5, 6, 7, 8, 9]);
  },
);

async function killedWriter(dir: string, rows: number): Promise<void> {
  const { child, exited } = await startReady(
    new URL("./_stop23_stack_kill_child.ts", import.meta.url),
    [dir, String(rows)],
  );
  child.kill("SIGKILL");
  await exited;
}

test(
  "a killed writer's live shard beside a Dask rewrite of as many shards: refused, not read after Dask's rows nor continued",
  SLOW,
  async () => {
    const dir = join(tempDir(), "s");
    await killedWriter(dir, 5); // 0.npy, 1.npy, 2.npy.part (row 4)
    assert.ok(existsSync(join(dir, "2.npy.part")));
    assert.deepEqual(ints(dir), [0, 1, 2, 3, 4]); // every acknowledged row
    daskRewrite(dir, 4, "2"); // Dask reads 4 rows
    assert.deepEqual(daskReads(dir), [0, 10, 20, 30]);
    allRefuse(dir, /2\.npy\.part/);
    // recoverStack takes it in: the row the killed writer acknowledged.
    const copy = join(tempDir(), "copy");
    assert.equal(spawnSync("cp", ["-a", dir, copy]).status, 0);
    assert.deepEqual(recoverStackSync(copy), [5]);
    assert.deepEqual(ints(copy), [0, 10, 20, 30, 4]);
    // Or remove it: we read what Dask reads, and append after it.
    rmSync(join(dir, "2.npy.part"));
    assert.deepEqual(ints(dir), [0, 10, 20, 30]);
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.of(7));
    }
    assert.deepEqual(daskReads(dir), [0, 10, 20, 30, 7]);
  },
);

test(
  "our writer rewrites a Dask-written info as its own at open, before any seal: a kill between its first seal and info leaves a shard that is read",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    ourStack(dir, 4);
    daskRewrite(dir, 4, "2");
    assert.notEqual(readFileSync(join(dir, "info"))[1], 2, "Dask's protocol");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    const info = readFileSync(join(dir, "info"));
    assert.equal(info[1], 2, "ours once opened, before any append");
    assert.deepEqual(daskReads(dir), [0, 10, 20, 30]);
    w.append(Int32Array.from([4, 5]));
    w.close();
    // As if killed between the seal of 2.npy and info, in one tick.
    writeFileSync(join(dir, "info"), info);
    setTimes(dir, () => statSync(join(dir, "2.npy")).mtimeMs);
    assert.deepEqual(ints(dir), [0, 10, 20, 30, 4, 5]);
  },
);

test(
  "a killed writer's folder copied with cp -a, touch or cp -r: every acknowledged row is read (cp -r may ask for recoverStack), none twice",
  SLOW,
  async () => {
    const base = tempDir();
    const dir = join(base, "s");
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.from([0, 1, 2, 3]));
    }
    const listed2 = readFileSync(join(dir, "info"));
    // Floored: Node's Stats.mtime rounds to the nearest millisecond, which
    // can put it after the file's own time.
    const t2 = new Date(Math.floor(statSync(join(dir, "info")).mtimeMs));
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.from([4, 5, 6]));
    }
    // Killed between the seal of 2.npy and info: info lists 2 shards.
    rmSync(join(dir, "3.npy"));
    writeFileSync(join(dir, "info"), listed2);
    utimesSync(join(dir, "info"), t2, t2);
    const want = [0, 1, 2, 3, 4, 5];
    assert.deepEqual(ints(dir), want);
    const a = join(base, "a");
    assert.equal(spawnSync("cp", ["-a", dir, a]).status, 0);
    assert.deepEqual(ints(a), want);
    const t = join(base, "t");
    assert.equal(spawnSync("cp", ["-a", dir, t]).status, 0);
    setTimes(t, () => Date.now());
    assert.deepEqual(ints(t), want);
    const r = join(base, "r");
    assert.equal(spawnSync("cp", ["-r", dir, r]).status, 0);
    try {
      assert.deepEqual(ints(r), want);
    } catch (e) {
      assert.ok(e instanceof NpyFormatError && /recoverStack/.test(e.message));
      recoverStackSync(r);
      assert.deepEqual(ints(r), want);
    }
    assert.deepEqual(daskReads(a), [0, 1, 2, 3]);
    // A killed writer's live shard beside our info, copied: read.
    const k = join(base, "k");
    await killedWriter(k, 5);
    for (const args of [["-a"], ["-r"]]) {
      const c = join(base, `k${args[0]}`);
      assert.equal(spawnSync("cp", [...args, k, c]).status, 0);
      assert.deepEqual(ints(c), [0, 1, 2, 3, 4]);
    }
  },
);

test(
  "readers beside a writer that opens a Dask-written stack (and makes its info its own) never refuse, and read every row once",
  SLOW,
  async () => {
    const [exe, pre] = scriptCommand(
      new URL("./_stop23_stack_kill_child.ts", import.meta.url),
    );
    let opens = 0;
    for (let round = 0; round < 4; round++) {
      const dir = join(tempDir(), `s${round}`);
      runPython(
        "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array(np.arange(4, dtype='<i4'), chunks=2))",
        [dir],
      );
      const child = spawn(exe, [...pre, dir, "40", "4", "close"], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      let running = true;
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => {
          running = false;
          resolve(code);
        })
      );
      while (running) {
        const v = ints(dir);
        assert.deepEqual(v, Array.from({ length: v.length }, (_, i) => i));
        opens++;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      assert.equal(await exited, 0);
      assert.deepEqual(ints(dir), Array.from({ length: 44 }, (_, i) => i));
      assert.deepEqual(
        daskReads(dir),
        Array.from({ length: 44 }, (_, i) => i),
      );
    }
    assert.ok(opens > 10, `${opens} opens`);
  },
);

test(
  "Dask rewrites our stack with more, then as many shards; our writer appends after each: we and Dask read the same rows",
  SLOW,
  () => {
    const dir = join(tempDir(), "s");
    ourStack(dir, 6); // 3 shards
    daskRewrite(dir, 6, "1"); // 6 shards of 1
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.of(6, 7, 8));
    }
    const want = [0, 10, 20, 30, 40, 50, 6, 7, 8];
    assert.deepEqual(ints(dir), want);
    assert.deepEqual(daskReads(dir), want);
    // 8 shards (6 of Dask's, 2 of ours), rewritten as 8.
    daskRewrite(dir, 9, "((2, 1, 1, 1, 1, 1, 1, 1),)");
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      w.append(Int32Array.of(1));
    }
    const again = [...want.map((v) => 10 * v), 1];
    assert.deepEqual(ints(dir), again);
    assert.deepEqual(daskReads(dir), again);
  },
);
