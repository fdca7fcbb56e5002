/**
 * Stop 21 (h9): a held file renamed (`mv x.npy y.npy`) keeps its writer,
 * and since h2 a writer of the new name is refused (the lock by device and
 * inode in /tmp). The maintenance calls took the lock beside the name
 * only: `recoverSync("y.npy")`, `ensureAppendable`, the CLI's `recover`,
 * and a writer with `deleteIfExists` (which removes the file before any
 * lock by identity was looked at) went on, cutting or deleting a live
 * writer's file. Each is refused now, and the holder's rows all stay.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendable,
  ensureAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { main } from "../cli.ts";
import { spawnSync } from "node:child_process";
import { tempDir } from "./_numpy.ts";
import { sourcePath } from "./_runtime.ts";
import { holdInChild, LOCK_CHILD } from "./_lock_holder.ts";

const locked = (e: unknown) => e instanceof NpyLockedError;

const calls: [string, (y: string) => Promise<unknown>][] = [
  ["recoverSync", (y) => Promise.resolve().then(() => recoverSync(y))],
  ["recover", (y) => recover(y)],
  [
    "ensureAppendableSync",
    (y) => Promise.resolve().then(() => ensureAppendableSync(y)),
  ],
  ["ensureAppendable", (y) => ensureAppendable(y)],
  ["ensureAppendable inplace", (y) => ensureAppendable(y, { inplace: true })],
  [
    "a writer with deleteIfExists",
    (y) =>
      Promise.resolve().then(() =>
        NpyAppendArraySync.open(y, { deleteIfExists: true }).close()
      ),
  ],
  [
    "an atomic writer with deleteIfExists",
    (y) =>
      Promise.resolve().then(() =>
        NpyAppendArraySync.open(y, { deleteIfExists: true, atomic: true })
          .close()
      ),
  ],
];

for (const made of ["existing", "new"] as const) {
  for (const [name, call] of calls) {
    test(`${name} of a held ${made} file's new name is refused`, async () => {
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
      await assert.rejects(call(y), locked);
      await a.append(new Float64Array([4, 5]));
      await a.close();
      const want = made === "existing" ? [0, 1, 2, 3, 4, 5] : [1, 2, 3, 4, 5];
      assert.deepEqual(Array.from(readNpySync(y).data as Float64Array), want);
      // Released: the new name's maintenance goes on.
      await call(y);
    });
  }
}

test("the CLI's recover of a held file's new name, mid-append, fails", async () => {
  const dir = tempDir();
  const x = join(dir, "x.npy");
  const y = join(dir, "y.npy");
  const a = await NpyAppendArray.open(x, { dtype: "<f8" });
  await a.append(new Float64Array([1, 2, 3]));
  renameSync(x, y);
  // The writer's next row half written (its header not yet rewritten):
  // what a recover would cut as a partial item.
  appendFileSync(y, new Uint8Array(4));
  assert.notEqual(await main(["recover", y]), 0);
  assert.equal(statSync(y).size % 8, 4);
  await a.append(new Float64Array([4]));
  await a.close();
  assert.deepEqual(Array.from(readNpySync(y).data as Float64Array), [
    1,
    2,
    3,
    4,
  ]);
  assert.equal(await main(["recover", y]), 0);
});

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
/** Deno, this one or (under Bun and Node) Deno from npm. */
const DENO: string[] = deno === undefined
  ? ["npx", "-y", "deno@2.9.6"]
  : [deno.execPath()];

test(
  "a killed writer's two locks, Deno without --allow-run: recover and ensureAppendable name both too",
  { timeout: 120_000 },
  async () => {
    const path = join(tempDir(), "k.npy");
    const script = sourcePath(LOCK_CHILD);
    const holder = await holdInChild(
      [DENO[0]!, [...DENO.slice(1), "run", "-A", script]],
      path,
    );
    await holder.kill();
    const out = spawnSync(
      DENO[0]!,
      [...DENO.slice(1), "run", "-R", "-W", script, "probe", path],
      { encoding: "utf8" },
    ).stdout.trim().split("\n");
    const changing = [
      "recover",
      "recoverSync",
      "ensureAppendable",
      "ensureAppendableSync",
      "NpyAppendArray.open",
      "NpyAppendArraySync.open",
      "deleteIfExists",
    ];
    for (const name of changing) {
      const line = out.find((l) => l.startsWith(`${name}: `));
      assert.ok(line !== undefined, out.join("\n"));
      assert.match(line, /\(the locks it left\) if that process is gone$/);
      assert.match(line, /npy-append-array-links-/);
    }
    assert.deepEqual(Array.from(readNpySync(path).data as Float64Array), [
      7,
      7,
    ]);
  },
);
