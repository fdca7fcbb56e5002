/**
 * Adversary 12f: round 12 gave a `bufferBytes` writer on a disk that stays
 * failed two closes: the first keeps the rows and the lock and says so
 * ("call close() again"), the second gives them up, releases the lock and
 * descriptor and says how many rows were lost. A stack writer with
 * `bufferBytes` passed the first failure on with that advice, but had
 * already marked itself closed and dropped its live shard's writer without
 * closing it: the second `close()` returned as if all was well (the rows
 * silently lost), and the live shard's lock and descriptor stayed for the
 * life of the process (the stack could not be opened again in it). Now the
 * stack stays open as its message says; the second close gives up as a
 * file writer does; a `using` block's end gives up at once.
 *
 * Needs root for a real full disk (a tmpfs); skipped otherwise.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { NpyStackReader, NpyStackWriter, NpyStackWriterSync } from "../mod.ts";
import { withTmpfs } from "./_tmpfs.ts";

const skip = process.platform !== "linux" || process.getuid?.() !== 0
  ? "needs root on Linux (tmpfs)"
  : undefined;

const OPTIONS = {
  shardRows: 1_000_000,
  rewriteHeaderOnAppend: false,
  bufferBytes: 1 << 20,
  dtype: "<f8",
} as const;

/** A stack on `mnt` of 200 rows written, then 20,000 buffered the disk has no room for. */
function fullStack(mnt: string): { dir: string; stack: NpyStackWriterSync } {
  const dir = join(mnt, "s");
  const stack = NpyStackWriterSync.open(dir, OPTIONS);
  stack.append(new Float64Array(200).map((_, i) => i));
  stack.append(new Float64Array(20_000));
  return { dir, stack };
}

/** Opens the stack again, appends one row `-1`, closes; returns its values. */
async function reopenAndAppend(dir: string): Promise<Float64Array> {
  {
    using s = NpyStackWriterSync.open(dir, { shardRows: 1_000_000 });
    s.append(new Float64Array([-1]));
  }
  const r = await NpyStackReader.open(dir);
  return (await r.read()).data as Float64Array;
}

describe("adversary 12f: a stack writer's buffered rows on a full disk", {
  skip,
}, () => {
  test(
    "first close keeps them (the stack stays open), the second gives them up and releases all",
    withTmpfs("size=64k", async (mnt) => {
      const { dir, stack } = fullStack(mnt);
      assert.throws(() => stack.close(), (e: unknown) => {
        assert.match((e as Error).message, /ENOSPC/);
        assert.match((e as Error).message, /20000 rows/);
        assert.match((e as Error).message, /call close\(\) again/);
        return true;
      });
      assert.throws(() => stack.close(), (e: unknown) => {
        assert.match((e as Error).message, /20000 rows/);
        assert.match((e as Error).message, /lost|given up/);
        return true;
      });
      stack.close(); // closed: nothing more
      assert.deepEqual(readdirSync(mnt), ["s"]);
      assert.ok(!readdirSync(dir).some((n) => n.endsWith(".lock")));
      const back = await reopenAndAppend(dir);
      assert.equal(back.length, 201);
      assert.equal(back[199], 199);
      assert.equal(back[200], -1);
    }),
  );

  test(
    "the disk comes back before the second close: every row is written",
    withTmpfs("size=256k", async (mnt) => {
      const filler = join(mnt, "filler");
      const { writeFileSync } = await import("node:fs");
      writeFileSync(filler, new Uint8Array(200 * 1024));
      const { dir, stack } = fullStack(mnt);
      assert.throws(() => stack.close(), /call close\(\) again/);
      rmSync(filler);
      stack.close();
      const r = await NpyStackReader.open(dir);
      assert.deepEqual(r.shape, [20_200]);
    }),
  );

  test(
    "a using block's end gives them up at once and releases the locks",
    withTmpfs("size=64k", async (mnt) => {
      let dir = "";
      assert.throws(() => {
        dir = join(mnt, "s");
        using s = NpyStackWriterSync.open(dir, OPTIONS);
        s.append(new Float64Array(200).map((_, i) => i));
        s.append(new Float64Array(20_000));
      }, /20000 rows/);
      assert.ok(!readdirSync(dir).some((n) => n.endsWith(".lock")));
      assert.deepEqual(readdirSync(mnt), ["s"]);
      assert.equal((await reopenAndAppend(dir)).length, 201);
    }),
  );

  test(
    "the async twin: the same two closes",
    withTmpfs("size=64k", async (mnt) => {
      const dir = join(mnt, "s");
      const stack = await NpyStackWriter.open(dir, OPTIONS);
      await stack.append(new Float64Array(200).map((_, i) => i));
      await stack.append(new Float64Array(20_000));
      await assert.rejects(stack.close(), /call close\(\) again/);
      await assert.rejects(stack.close(), /20000 rows/);
      assert.ok(!readdirSync(dir).some((n) => n.endsWith(".lock")));
      assert.equal((await reopenAndAppend(dir)).length, 201);
    }),
  );
});
