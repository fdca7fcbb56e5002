/**
 * Adversary round 13, known defects: a hard link to a stack's shard is not
 * refused to a plain writer (a symlink is: round 12). Decided, not fixed:
 * a hard link has no way back to its other names, and a link count of 2
 * is also every file of a DVC cache or a `cp -al` backup, which must stay
 * writable (adversary11_hard_link_test). What holds, tested here: a sealed
 * shard grown through a link is never read as the stack's rows: every
 * stack reader and writer refuses the stack with an `NpyFormatError`
 * naming the shard and the fix (its `info` records each shard's rows),
 * and the fix works.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { linkSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStack,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

describe("adversary 13: a hard link to a sealed stack shard", () => {
  test("grown by a plain writer: the stack is refused, naming the shard and the fix, and the fix works", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX hard links");
    const dir = tempDir();
    const stack = join(dir, "s");
    const w = NpyStackWriterSync.open(stack, { shardRows: 2 });
    w.append(new Float64Array([0, 1, 2, 3, 4]));
    w.close();
    const link = join(dir, "x.npy");
    linkSync(join(stack, "0.npy"), link);
    const p = NpyAppendArraySync.open(link);
    p.append(new Float64Array([99]));
    p.close();
    const refusal = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(
        e.message,
        `Cannot open the stack ${JSON.stringify(stack)}: its info says ${
          JSON.stringify(join(stack, "0.npy"))
        } holds 2 rows but the shard holds 3; remove info and run recoverStack to rebuild it from the shards`,
      );
      return true;
    };
    assert.throws(() => readNpyStackSync(stack), refusal);
    await assert.rejects(readNpyStack(stack), refusal);
    await assert.rejects(NpyStackReader.open(stack), refusal);
    assert.throws(() => NpyStackWriterSync.open(stack), refusal);
    // The fix the message gives: info rebuilt from the shards as they are.
    rmSync(join(stack, "info"));
    recoverStackSync(stack);
    assert.deepEqual(
      [...readNpyStackSync(stack).data as Float64Array],
      [0, 1, 99, 2, 3, 4],
    );
  });
});
