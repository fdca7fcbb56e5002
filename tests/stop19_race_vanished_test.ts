/**
 * Stop 19 (h3): a file removed between an open's first look at its path
 * and the lock. Writers racing on one path meet this when the one before
 * them removes the file it made and releases the lock: a first append that
 * failed (a full disk) removes the file it created, and `deleteIfExists`
 * with nothing appended leaves no file. Found with 6 writers (Deno, Node,
 * Bun) racing on a tmpfs that filled and freed: an open threw `ENOENT`
 * ("no such file or directory, stat") where a missing path is created.
 *
 * The race is made exact: the file is removed right after the open's
 * first `stat` of the path finds it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArray, NpyAppendArraySync, recoverSync } from "../mod.ts";
import { npSaveBytes, tempDir } from "./_numpy.ts";

type StatFn = (path: string, ...rest: unknown[]) => unknown;

/**
 * Runs `run` with the file at `path` removed right after the first `stat`
 * of `path` that finds it (the other writer's move).
 */
async function withRemovalAfterLook<T>(
  path: string,
  run: () => T | Promise<T>,
): Promise<T> {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    StatFn
  >;
  const owners: Array<[Record<string, unknown>, string]> = [
    [fs as unknown as Record<string, unknown>, "statSync"],
    [fs as unknown as Record<string, unknown>, "lstatSync"],
  ];
  if (deno !== undefined) owners.push([deno, "statSync"], [deno, "lstatSync"]);
  let fired = false;
  const saved = owners.map(([o, n]) => o[n]);
  for (const [owner, name] of owners) {
    const real = owner[name] as StatFn;
    owner[name] = function (this: unknown, p: string, ...rest: unknown[]) {
      const r = real.call(this, p, ...rest);
      if (!fired && String(p) === path) {
        fired = true;
        unlinkSync(path);
      }
      return r;
    };
  }
  try {
    return await run();
  } finally {
    owners.forEach(([o, n], i) => (o[n] = saved[i]));
    assert.ok(fired, "the race was not run: the open did not stat the path");
  }
}

/** A file `x.npy` holding `[1, 2]` (int32). */
function seeded(): string {
  const path = join(tempDir(), "x.npy");
  const w = NpyAppendArraySync.open(path);
  w.append(new Int32Array([1, 2]));
  w.close();
  return path;
}

const EXPECTED = () => npSaveBytes("np.array([5, 6], dtype='<i4')");

describe("a file removed between an open's look and its lock", () => {
  test("sync open creates it afresh", async () => {
    const path = seeded();
    await withRemovalAfterLook(path, () => {
      using w = NpyAppendArraySync.open(path);
      w.append(new Int32Array([5, 6]));
    });
    assert.deepEqual(new Uint8Array(readFileSync(path)), EXPECTED());
  });

  test("async open creates it afresh", async () => {
    const path = seeded();
    await withRemovalAfterLook(path, async () => {
      const w = await NpyAppendArray.open(path);
      try {
        await w.append(new Int32Array([5, 6]));
      } finally {
        await w.close();
      }
    });
    assert.deepEqual(new Uint8Array(readFileSync(path)), EXPECTED());
  });

  test("recover finds nothing to recover: ENOENT naming the file, no lock left", async () => {
    const path = seeded();
    await withRemovalAfterLook(path, () => {
      assert.throws(
        () => recoverSync(path),
        (e: Error & { code?: string }) =>
          e.code === "ENOENT" && e.message.includes(path),
      );
    });
    // The next writer is not blocked by a lock left behind.
    using w = NpyAppendArraySync.open(path);
    w.append(new Int32Array([5, 6]));
    w.close();
    assert.deepEqual(new Uint8Array(readFileSync(path)), EXPECTED());
  });
});
