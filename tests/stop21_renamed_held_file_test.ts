/**
 * Stop 21 (h2): a held file renamed (`mv x.npy y.npy`, a log rotation, a
 * sync tool) keeps its writer, which goes on appending through its open
 * file (adversary round 3). Its lock is beside the old name, and the file
 * has one name, so it had no lock by device and inode: a writer of the
 * new name was not refused, both appended to one file, and the rows of
 * whichever appended first were overwritten by the other (an append that
 * returned, lost). A writer of a file by path now also takes the file's
 * lock by device and inode where it may (as a stack's live shard did).
 * Deno without --allow-run, refused by a killed writer's lock, is told to
 * remove both (one run, as stop 20 did for folders).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { renameSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand, sourcePath } from "./_runtime.ts";
import { holdInChild, LOCK_CHILD } from "./_lock_holder.ts";

for (const made of ["existing", "new"] as const) {
  test(`a held ${made} file renamed is refused to a writer of its new name`, async () => {
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const y = join(dir, "y.npy");
    if (made === "existing") {
      const w = NpyAppendArraySync.open(x, { dtype: "<f8" });
      w.append(new Float64Array([0]));
      w.close();
    }
    const a = await NpyAppendArray.open(x, { dtype: "<f8" });
    await a.append(new Float64Array([1, 2, 3]));
    renameSync(x, y);
    assert.throws(
      () => NpyAppendArraySync.open(y, { dtype: "<f8" }),
      (e) => e instanceof NpyLockedError,
    );
    await a.append(new Float64Array([4, 5]));
    await a.close();
    const want = made === "existing" ? [0, 1, 2, 3, 4, 5] : [1, 2, 3, 4, 5];
    assert.deepEqual(Array.from(readNpySync(y).data as Float64Array), want);
    // Released: the new name opens now.
    NpyAppendArraySync.open(y, { dtype: "<f8" }).close();
  });
}

test("a file another process holds, renamed, is refused under its new name", async () => {
  const dir = tempDir();
  const x = join(dir, "x.npy");
  const y = join(dir, "y.npy");
  const holder = await holdInChild(scriptCommand(LOCK_CHILD), x);
  try {
    renameSync(x, y);
    assert.throws(
      () => NpyAppendArraySync.open(y),
      (e) => e instanceof NpyLockedError,
    );
  } finally {
    await holder.kill();
  }
  // The holder killed: its lock by identity is stale, taken over.
  const w = NpyAppendArraySync.open(y);
  w.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
  w.close();
  assert.deepEqual(Array.from(readNpySync(y).data as Float64Array), [
    7,
    7,
    8,
    8,
  ]);
});

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
/** Deno, this one or (under Bun and Node) Deno from npm. */
const DENO: string[] = deno === undefined
  ? ["npx", "-y", "deno@2.9.6"]
  : [deno.execPath()];

test(
  "a killed writer's two locks, Deno without --allow-run: one refusal names both",
  {
    timeout: 120_000,
  },
  async () => {
    const path = join(tempDir(), "k.npy");
    const script = sourcePath(LOCK_CHILD);
    const holder = await holdInChild(
      [DENO[0]!, [...DENO.slice(1), "run", "-A", script]],
      path,
    );
    await holder.kill();
    const run = () =>
      spawnSync(
        DENO[0]!,
        [...DENO.slice(1), "run", "-R", "-W", script, "try", path],
        { encoding: "utf8" },
      ).stdout.trim();
    const first = run();
    const told = /or remove (.+) \(the locks it left\) if that process is gone$/
      .exec(first);
    assert.ok(told !== null, first);
    const named = [...told[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(named[0], `${path}.lock`);
    assert.ok(named.some((f) => /npy-append-array-links-/.test(f)), first);
    for (const f of named) rmSync(f);
    assert.equal(run(), "opened");
    assert.deepEqual(Array.from(readNpySync(path).data as Float64Array), [
      7,
      7,
    ]);
  },
);
