/**
 * Adversary round 13, known defects: a hard link to a stack's shard was not
 * refused to a plain writer (a symlink is: round 12). A link made to the
 * live shard while the stack writer held it let a plain writer of the
 * link append, and the stack writer's next append wrote over that
 * acknowledged row. Now the live shard is locked by identity as well
 * (as a file with several names is), even while it has one name, so a
 * writer of a link made later finds it held: `NpyLockedError`, no row
 * lost, in this process or another.
 *
 * A sealed shard held by nothing is not refused (decided: a hard link has
 * no way back to its other names, and a link count of 2 is also every
 * file of a DVC cache, which must stay writable: adversary11_hard_link_test).
 * What holds: a sealed shard grown through a link is never read as the
 * stack's rows; every stack reader and writer refuses the stack with an
 * `NpyFormatError` naming the shard and the fix, and the fix works.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, linkSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyLockedError,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStack,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { spawnSync } from "node:child_process";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { LOCK_CHILD } from "./_lock_holder.ts";

describe("adversary 13: a hard link made to the live shard of a stack", () => {
  for (const kind of ["sync", "async"] as const) {
    test(`${kind} stack writer: a plain writer of the link is refused, here and in another process; no row lost`, async (t) => {
      if (process.platform === "win32") return t.skip("POSIX hard links");
      const dir = tempDir();
      const stack = join(dir, "s");
      const w = kind === "sync"
        ? NpyStackWriterSync.open(stack, { shardRows: 4 })
        : await NpyStackWriter.open(stack, { shardRows: 4 });
      await w.append(new Float64Array([0, 1, 2, 3, 4, 5]));
      const link = join(dir, "x.npy");
      linkSync(join(stack, "1.npy.part"), link);
      assert.throws(() => NpyAppendArraySync.open(link), NpyLockedError);
      const [cmd, args] = scriptCommand(LOCK_CHILD);
      const r = spawnSync(cmd, [...args, "try", link], { encoding: "utf8" });
      assert.match(r.stdout.trim(), /^NpyLockedError: Cannot open /, r.stderr);
      await w.append(new Float64Array([6, 7]));
      await w.close();
      assert.deepEqual(
        [...readNpyStackSync(stack).data as Float64Array],
        [0, 1, 2, 3, 4, 5, 6, 7],
      );
    });
  }

  test("the live shard of a stack opened again is locked too", (t) => {
    if (process.platform === "win32") return t.skip("POSIX hard links");
    const dir = tempDir();
    const stack = join(dir, "s");
    let w = NpyStackWriterSync.open(stack, { shardRows: 4 });
    w.append(new Float64Array([0, 1]));
    w.close();
    w = NpyStackWriterSync.open(stack, { shardRows: 4 });
    w.append(new Float64Array([2]));
    const part = join(stack, "0.npy.part");
    const link = join(dir, "x.npy");
    linkSync(existsSync(part) ? part : join(stack, "1.npy.part"), link);
    assert.throws(() => NpyAppendArraySync.open(link), NpyLockedError);
    w.append(new Float64Array([3]));
    w.close();
    assert.deepEqual(
      [...readNpyStackSync(stack).data as Float64Array],
      [0, 1, 2, 3],
    );
  });
});

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
