/**
 * Stop 25 (h2): an `atomic` writer with `deleteIfExists` replaces its file
 * as a whole at `close()`; "closing with nothing appended removes the
 * file, as deleteIfExists alone does". A writer whose appends had all
 * failed (a full disk, or bad input) also held nothing at `close()`, so
 * its close (or the end of its `using` block) removed the old file: the
 * replacement failed, and the old rows were lost with it. Now such a
 * close keeps the old file byte for byte (the change is rolled back, as
 * by `abort()`), removes its temporary file and record, and a later
 * writer replaces the file once there is room.
 *
 * Real full disks (a tmpfs filled after the open) on Deno, Node and Bun.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { npLoadJson, tempDir } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const REPLACE = { atomic: true, deleteIfExists: true } as const;
const OPTS = tmpfsTestOptions(120_000);

/** A file of int32 `0 .. n-1` at `path`, written by a plain writer. */
function made(path: string, n: number): Uint8Array {
  const w = NpyAppendArraySync.open(path);
  w.append(Int32Array.from({ length: n }, (_, i) => i));
  w.close();
  return new Uint8Array(readFileSync(path));
}

/** The old file is there byte for byte, NumPy reads it, nothing else left. */
function oldKept(dir: string, path: string, old: Uint8Array, n: number): void {
  assert.deepEqual(
    readdirSync(dir).filter((f) => f !== "filler"),
    ["a.npy"],
    "the old file alone: no temporary file, record or lock left",
  );
  assert.deepEqual(new Uint8Array(readFileSync(path)), old);
  const np = npLoadJson(path);
  assert.deepEqual(np.shape, [n]);
}

/** Rows that take more room than a full disk has. */
const BIG = new Float64Array(64 * 1024).fill(7);

const RUNS: Array<[string, (path: string) => Promise<void>]> = [
  ["sync, close()", (path) => {
    const w = NpyAppendArraySync.open(path, REPLACE);
    fillDisk(join(path, ".."));
    assert.throws(() => w.append(BIG), { code: "ENOSPC" });
    w.close();
    return Promise.resolve();
  }],
  ["sync, the end of a using block", (path) => {
    const w = NpyAppendArraySync.open(path, REPLACE);
    fillDisk(join(path, ".."));
    try {
      w.append(BIG);
    } catch (e) {
      assert.equal((e as { code?: string }).code, "ENOSPC");
    } finally {
      w[Symbol.dispose]();
    }
    return Promise.resolve();
  }],
  ["async, close()", async (path) => {
    const w = await NpyAppendArray.open(path, REPLACE);
    fillDisk(join(path, ".."));
    await assert.rejects(w.append(BIG), { code: "ENOSPC" });
    await w.close();
  }],
  ["async, the end of an await using block", async (path) => {
    const w = await NpyAppendArray.open(path, REPLACE);
    fillDisk(join(path, ".."));
    try {
      await w.append(BIG);
    } catch (e) {
      assert.equal((e as { code?: string }).code, "ENOSPC");
    } finally {
      await w[Symbol.asyncDispose]();
    }
  }],
];

for (const [name, run] of RUNS) {
  test(
    `stop 25: an atomic replacing writer whose only append failed on a full disk keeps the old file at its end (${name}); a retry with room replaces it`,
    OPTS,
    withTmpfs("size=2m", async (dir) => {
      const path = join(dir, "a.npy");
      const old = made(path, 1000);
      await run(path);
      rmSync(join(dir, "filler"));
      oldKept(dir, path, old, 1000);
      // Room again: the replacement goes through.
      const w = NpyAppendArraySync.open(path, REPLACE);
      w.append(new Float64Array([1.5, 2.5]));
      w.close();
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
      assert.deepEqual([...readNpySync(path).data as Float64Array], [1.5, 2.5]);
    }),
  );
}

test("stop 25: an atomic replacing writer given only bad input keeps the old file at close(), sync and async", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "a.npy");
    const old = made(path, 5);
    const s = NpyAppendArraySync.open(path, REPLACE);
    assert.throws(() => s.append({ data: [1, 2, 3], shape: [2, 2] }));
    s.close();
    oldKept(dir, path, old, 5);
    const a = await NpyAppendArray.open(path, REPLACE);
    await assert.rejects(a.append({ data: [1, 2, 3], shape: [2, 2] }));
    await a.close();
    oldKept(dir, path, old, 5);
    // Nothing tried at all: the file goes, as documented.
    NpyAppendArraySync.open(path, REPLACE).close();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
