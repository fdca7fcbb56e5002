/**
 * Hostile stack folders: a shard that is missing in the middle, holds
 * another dtype or trailing shape, or holds other rows than `info` says.
 * Every entry point (reader, whole read, writer, recover) refuses with an
 * `NpyFormatError` naming the folder and the shard, and changes no byte.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStack,
  recoverStack,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** A closed stack of `rows` rows of `cols` columns of `dtype`, 2 rows a shard. */
function makeStack(rows: number, dtype = "<i4", cols = 0): string {
  const dir = tempDir();
  const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype });
  for (let i = 0; i < rows; i++) {
    w.append(cols === 0 ? [i] : [Array.from({ length: cols }, () => i)]);
  }
  w.close();
  return dir;
}

/** Every file of the folder and its bytes, lock files left out. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((f) => !f.endsWith(".lock"))) {
    out.set(f, Buffer.from(readFileSync(join(dir, f))).toString("hex"));
  }
  return out;
}

/** Every entry point refuses with an NpyFormatError matching `pattern`. */
async function refusedEverywhere(dir: string, pattern: RegExp): Promise<void> {
  const before = snapshot(dir);
  const check = (e: unknown) => {
    assert.ok(e instanceof NpyFormatError, String(e));
    assert.ok(e.message.includes(`"${dir}"`), e.message);
    assert.match(e.message, pattern);
    return true;
  };
  await assert.rejects(() => NpyStackReader.open(dir), check);
  await assert.rejects(() => readNpyStack(dir), check);
  assert.throws(() => NpyStackWriterSync.open(dir, { shardRows: 2 }), check);
  await assert.rejects(() => recoverStack(dir), check);
  assert.deepEqual(snapshot(dir), before);
}

describe("hostile stack folders", () => {
  test("info lists a shard that is missing in the middle", async () => {
    const dir = makeStack(6);
    unlinkSync(join(dir, "1.npy"));
    await refusedEverywhere(dir, /"[^"]*1\.npy" is missing/);
  });

  test("a listed shard holds another dtype", async () => {
    const dir = makeStack(6);
    const other = makeStack(2, "<f8");
    copyFileSync(join(other, "0.npy"), join(dir, "1.npy"));
    await refusedEverywhere(
      dir,
      /1\.npy" holds "<f8" but the stack holds "<i4"/,
    );
  });

  test("a shard not yet in info holds another dtype", async () => {
    const dir = makeStack(6);
    unlinkSync(join(dir, "info"));
    const other = makeStack(2, "<f8");
    copyFileSync(join(other, "0.npy"), join(dir, "2.npy"));
    await refusedEverywhere(dir, /2\.npy" holds "<f8"/);
  });

  test("info lies about the rows of a middle shard", async () => {
    const dir = makeStack(6);
    const other = makeStack(3);
    // 3 rows sealed at 2 a shard: 0.npy holds 2 rows, 1.npy holds 1.
    copyFileSync(join(other, "1.npy"), join(dir, "1.npy"));
    await refusedEverywhere(
      dir,
      /info says "[^"]*1\.npy" holds 2 rows but the shard holds 1/,
    );
  });

  test("info lies about the rows of the last shard", async () => {
    const dir = makeStack(6);
    const other = makeStack(3);
    copyFileSync(join(other, "1.npy"), join(dir, "2.npy"));
    await refusedEverywhere(dir, /2\.npy" holds 2 rows but the shard holds 1/);
  });

  test("a shard of another trailing shape, listed or not", async () => {
    const dir = makeStack(6, "<i4", 2);
    const other = makeStack(2, "<i4", 3);
    copyFileSync(join(other, "0.npy"), join(dir, "1.npy"));
    await refusedEverywhere(dir, /1\.npy" has shape \(2,3\)/);
    unlinkSync(join(dir, "info"));
    await refusedEverywhere(dir, /1\.npy" has shape \(2,3\)/);
  });

  test("after removing a lying info, recoverStack rebuilds it from the shards", async () => {
    const dir = makeStack(6);
    const other = makeStack(3);
    copyFileSync(join(other, "1.npy"), join(dir, "1.npy"));
    unlinkSync(join(dir, "info"));
    assert.deepEqual(await recoverStack(dir), [5]);
    const a = await readNpyStack(dir);
    assert.deepEqual([...a.data as Int32Array], [0, 1, 2, 4, 5]);
  });
  test("a sealed shard cut short", async () => {
    const dir = makeStack(6);
    truncateSync(join(dir, "1.npy"), statSync(join(dir, "1.npy")).size - 2);
    await refusedEverywhere(dir, /1\.npy" has \d+ bytes but its header needs/);
  });

  test("a gap in the shard numbers (0, 1, 4) without info", async () => {
    const dir = makeStack(8);
    unlinkSync(join(dir, "info"));
    renameSync(join(dir, "2.npy"), join(dir, "4.npy"));
    unlinkSync(join(dir, "3.npy"));
    // Before: 4.npy was skipped, and a writer's next shard 2.npy made it
    // part of the stack out of order.
    await refusedEverywhere(
      dir,
      /2\.npy" is missing but "[^"]*4\.npy" follows it/,
    );
  });

  test("a gap after the shards info lists", async () => {
    const dir = makeStack(6);
    // info lists 0.npy and 1.npy; 2.npy is gone, 3.npy is there.
    copyFileSync(join(makeStack(4), "info"), join(dir, "info"));
    renameSync(join(dir, "2.npy"), join(dir, "3.npy"));
    await refusedEverywhere(dir, /2\.npy" is missing but "[^"]*3\.npy"/);
  });

  test("names other than {n}.npy are not shards (as in Dask)", async () => {
    const dir = makeStack(4);
    for (const name of ["x.npy", "01.npy", "-1.npy", "7.npy.bak", "7.NPY"]) {
      copyFileSync(join(dir, "0.npy"), join(dir, name));
    }
    writeFileSync(join(dir, "notes.txt"), "hello");
    const a = await readNpyStack(dir);
    assert.deepEqual([...a.data as Int32Array], [0, 1, 2, 3]);
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append([4]);
    w.close();
    assert.deepEqual([...(await readNpyStack(dir)).data as Int32Array], [
      0,
      1,
      2,
      3,
      4,
    ]);
  });
});

describe("a stack path that is not a folder", () => {
  const cases: [string, (dir: string) => string, string][] = [
    ["a file", (dir) => {
      writeFileSync(join(dir, "s"), "x");
      return join(dir, "s");
    }, "a regular file"],
    ["a FIFO", (dir) => {
      assert.equal(spawnSync("mkfifo", [join(dir, "s")]).status, 0);
      return join(dir, "s");
    }, "a FIFO (named pipe)"],
    ["a device", () => "/dev/null", "a device"],
  ];
  for (const [name, make, what] of cases) {
    test(`${name}: a TypeError from the writer and recoverStack, nothing created`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const dir = tempDir();
      const path = make(dir);
      for (
        const [verb, run] of [
          ["append to", () => NpyStackWriterSync.open(path)],
          ["recover", () => recoverStackSync(path)],
        ] as const
      ) {
        assert.throws(run, {
          name: "TypeError",
          message:
            `Cannot ${verb} the stack "${path}": it is ${what}, not a folder; a stack is a folder of .npy files, so pass a folder path`,
        });
      }
      assert.deepEqual(readdirSync(dir), name === "a device" ? [] : ["s"]);
    });
  }
});
