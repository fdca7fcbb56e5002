/**
 * NpyStackReader (reads across shard boundaries, batches, streams,
 * following a stack being written), readNpyStack and recoverStack (each
 * state a kill can leave: info missing or stale, a cut-off or empty live
 * shard, a leftover temporary info, a dead writer's lock).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import process from "node:process";
import {
  NpyLockedError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStack,
  readNpySync,
  recoverStack,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { writeOldInfo } from "./_test_files.ts";

/** The stack's files, without the live shard writer's lock file. */
function files(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.endsWith(".lock")).sort();
}

/** A stack of rows `[i, i + 0.5]`, `rows` long, in shards of `shardRows`. */
function makeStack(
  rows: number,
  shardRows: number,
  close = true,
): { dir: string; w: NpyStackWriterSync } {
  const dir = tempDir();
  const w = NpyStackWriterSync.open(dir, { shardRows });
  for (let i = 0; i < rows;) {
    const n = Math.min(rows - i, 1 + (i % 4));
    const data = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) data.set([i + k, i + k + 0.5], k * 2);
    w.append({ data, shape: [n, 2] });
    i += n;
  }
  if (close) w.close();
  return { dir, w };
}

function firstColumn(a: { data: unknown }): number[] {
  return [...a.data as Float64Array].filter((_, i) => i % 2 === 0);
}

describe("NpyStackReader", () => {
  test("read(start, end) across shard boundaries, with Python slice bounds", async () => {
    const { dir } = makeStack(23, 5);
    const r = await NpyStackReader.open(dir);
    assert.deepEqual(r.shape, [23, 2]);
    assert.equal(r.dtype, "<f8");
    assert.equal(r.shards, 5);
    assert.deepEqual(firstColumn(await r.read(3, 12)), [
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
      11,
    ]);
    assert.deepEqual(firstColumn(await r.read(-3)), [20, 21, 22]);
    assert.deepEqual((await r.read(10, 100)).shape, [13, 2]);
    assert.deepEqual((await r.read(7, 2)).shape, [0, 2]);
    assert.deepEqual(firstColumn(await r.read()), [...Array(23).keys()]);
    await assert.rejects(r.read(1.5), TypeError);
  });

  test("batches and readable() give every row once, in order", async () => {
    const { dir } = makeStack(17, 4);
    const r = await NpyStackReader.open(dir);
    const seen: number[] = [];
    for await (const b of r.batches({ batchItems: 3 })) {
      seen.push(...firstColumn(b));
    }
    assert.deepEqual(seen, [...Array(17).keys()]);
    const sizes: number[] = [];
    for await (const b of r.readable({ batchItems: 6, start: 2 })) {
      sizes.push(b.shape[0]!);
    }
    assert.deepEqual(sizes, [6, 6, 3]);
    await assert.rejects(async () => {
      for await (const _ of r.batches({ batchItems: 0 })) { /* none */ }
    }, RangeError);
  });

  test("refresh() follows a stack being written: new shards and the live rows, in order", async () => {
    const { dir, w } = makeStack(6, 4, false);
    const r = await NpyStackReader.open(dir);
    assert.equal(r.length, 6);
    assert.equal(r.shards, 1);
    for (let i = 6; i < 30; i++) {
      w.append([[i, i + 0.5]]);
      if (i % 5 === 0) {
        assert.equal(await r.refresh(), i + 1);
        assert.deepEqual(firstColumn(await r.read()), [...Array(i + 1).keys()]);
      }
    }
    w.close();
    assert.equal(await r.refresh(), 30);
    assert.equal(r.shards, 8);
  });

  test("a live shard cut mid-append shows only its whole rows", async () => {
    const { dir, w } = makeStack(6, 4, false);
    const part = join(dir, "1.npy.part");
    truncateSync(part, statSync(part).size - 3);
    const r = await NpyStackReader.open(dir);
    assert.deepEqual(r.shape, [5, 2]);
    assert.deepEqual(firstColumn(await r.read()), [0, 1, 2, 3, 4]);
    w.close();
  });

  test("readNpyStack on a folder with no stack is a TypeError naming the folder", async () => {
    const dir = tempDir();
    await assert.rejects(readNpyStack(dir), {
      name: "TypeError",
      message: /^Cannot read the stack ".*": it holds no shard yet/,
    });
    await assert.rejects(readNpyStack(join(dir, "missing")), {
      name: "TypeError",
      message: /^Cannot read the stack ".*missing": the folder does not exist/,
    });
  });
});

describe("recoverStack and reopening after a kill", () => {
  test("a kill between renaming a shard and rewriting info: info is rewritten", async () => {
    const { dir } = makeStack(8, 4, true);
    // The info of one shard: as a kill right after 1.npy.part became 1.npy leaves it.
    const one = makeStack(4, 4, true);
    writeOldInfo(dir, readFileSync(join(one.dir, "info")));
    const r = await NpyStackReader.open(dir);
    assert.equal(r.length, 8, "the reader sees the renamed shard");
    assert.deepEqual(await recoverStack(dir), [8, 2]);
    assert.deepEqual(
      readFileSync(join(dir, "info")),
      readFileSync(join(makeStack(8, 4).dir, "info")),
    );
  });

  test("reopening a stack whose info is stale rewrites it before appending", () => {
    const { dir } = makeStack(8, 4, true);
    const one = makeStack(4, 4, true);
    writeOldInfo(dir, readFileSync(join(one.dir, "info")));
    {
      using w = NpyStackWriterSync.open(dir, { shardRows: 4 });
      assert.equal(w.shards, 2);
      w.append([[8, 8.5]]);
    }
    assert.deepEqual(firstColumn(readNpySync(join(dir, "2.npy"))), [8]);
    assert.deepEqual(files(dir), ["0.npy", "1.npy", "2.npy", "info"]);
  });

  test("a kill before the first info: recoverStack writes it from the shards", () => {
    const { dir } = makeStack(4, 4, true);
    unlinkSync(join(dir, "info"));
    assert.deepEqual(recoverStackSync(dir), [4, 2]);
    assert.ok(existsSync(join(dir, "info")));
  });

  test("a live shard cut mid-append is recovered to its whole rows and continued", () => {
    const { dir, w } = makeStack(7, 4, false);
    // The folder as a writer killed mid-append leaves it.
    const copy = tempDir();
    // A live writer's lock files are its own: a copy of the folder (what a
    // kill leaves) must not take them along.
    cpSync(dir, copy, {
      recursive: true,
      filter: (src) => !src.endsWith(".lock"),
    });
    w.close();
    const part = join(copy, "1.npy.part");
    truncateSync(part, statSync(part).size - 9);
    assert.deepEqual(recoverStackSync(copy), [6, 2]);
    assert.equal(readNpySync(part).shape[0], 2);
    using again = NpyStackWriterSync.open(copy, { shardRows: 4 });
    again.append([[6, 6.5], [7, 7.5]]);
    assert.equal(again.shards, 2);
    assert.deepEqual(firstColumn(readNpySync(join(copy, "1.npy"))), [
      4,
      5,
      6,
      7,
    ]);
  });

  test("an empty live shard (killed right after creating it) is removed", () => {
    const { dir } = makeStack(4, 4, true);
    writeFileSync(join(dir, "1.npy.part"), new Uint8Array(0));
    assert.deepEqual(recoverStackSync(dir), [4, 2]);
    assert.deepEqual(files(dir), ["0.npy", "info"]);
  });

  test("a temporary info left by a kill while info was rewritten is removed", () => {
    const { dir } = makeStack(4, 4, true);
    writeFileSync(join(dir, "info.tmp"), "half");
    recoverStackSync(dir);
    assert.deepEqual(files(dir), ["0.npy", "info"]);
  });

  test("a lock left by a dead process is taken over; a live writer's is not", () => {
    const { dir } = makeStack(4, 4, true);
    const gone = spawnSync(process.execPath, ["--version"]);
    assert.equal(gone.status, 0);
    writeFileSync(
      `${dir}.lock`,
      JSON.stringify({
        pid: gone.pid,
        start: null,
        host: hostname(),
        token: "x",
      }),
    );
    assert.deepEqual(recoverStackSync(dir), [4, 2]);
    using w = NpyStackWriterSync.open(dir);
    assert.throws(() => recoverStackSync(dir), NpyLockedError);
    w.append([[4, 4.5]]);
  });
});
