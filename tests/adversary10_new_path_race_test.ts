/**
 * Adversary round 10: a new path's lock is its own name (no realpath:
 * nothing is there), taken after the open found the path missing. A
 * symlink to a file another writer holds, made at that name in between,
 * must not give this writer that file under the link's lock: two writers
 * on one file (or, with `deleteIfExists`, the held file removed).
 *
 * The race is made exact: the open's first look at the path (a `stat`,
 * through `Deno.statSync` on Deno and `node:fs` `statSync` elsewhere)
 * finds nothing, and the link appears right after it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

type StatFn = (path: string, ...rest: unknown[]) => unknown;

/**
 * Runs `run` with the first `stat` of `path` that finds nothing followed
 * at once by `race()` (the other program's move).
 */
async function withRaceAfterMissingStat<T>(
  path: string,
  race: () => void,
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
  if (deno !== undefined) {
    owners.push([deno, "statSync"], [deno, "lstatSync"]);
  }
  let fired = false;
  const saved = owners.map(([o, n]) => o[n]);
  for (const [owner, name] of owners) {
    const real = owner[name] as StatFn;
    owner[name] = function (this: unknown, p: string, ...rest: unknown[]) {
      try {
        return real.call(this, p, ...rest);
      } catch (e) {
        if (!fired && String(p) === path) {
          fired = true;
          race();
        }
        throw e;
      }
    };
  }
  try {
    return await run();
  } finally {
    owners.forEach(([o, n], i) => (o[n] = saved[i]));
    assert.ok(fired, "the race was not run: the open did not stat the path");
  }
}

/** A held file `real.npy` with 3 rows, and the name `link.npy` free. */
function heldFile() {
  const dir = tempDir();
  const real = join(dir, "real.npy");
  const link = join(dir, "link.npy");
  const holder = NpyAppendArraySync.open(real, { dtype: "<i4" });
  holder.append(new Int32Array([1, 2, 3]));
  const before = readFileSync(real);
  return { dir, real, link, holder, before };
}

describe("a symlink made at a new path between its check and its lock", () => {
  for (const deleteIfExists of [false, true]) {
    test(`sync open (deleteIfExists: ${deleteIfExists}) refuses the file another writer holds`, async () => {
      const { real, link, holder, before } = heldFile();
      try {
        await withRaceAfterMissingStat(
          link,
          () => symlinkSync(real, link),
          () => {
            let w: NpyAppendArraySync | undefined;
            try {
              w = NpyAppendArraySync.open(link, {
                dtype: "<i4",
                deleteIfExists,
              });
              w.append(new Int32Array([9]));
            } catch (e) {
              assert.ok(e instanceof NpyLockedError, String(e));
              return;
            } finally {
              w?.close();
            }
            assert.fail("a second writer opened a held file through a link");
          },
        );
        assert.deepEqual(readFileSync(real), before);
        holder.append(new Int32Array([4]));
      } finally {
        holder.close();
      }
      assert.deepEqual(Array.from(readNpySync(real).data as Int32Array), [
        1,
        2,
        3,
        4,
      ]);
      if (numpyTestOptions().skip === undefined) {
        assert.deepEqual(npLoadJson(real).values, [1, 2, 3, 4]);
      }
    });
  }

  test("async open refuses it too", async () => {
    const { real, link, holder, before } = heldFile();
    try {
      await withRaceAfterMissingStat(
        link,
        () => symlinkSync(real, link),
        async () => {
          await assert.rejects(
            async () => {
              const w = await NpyAppendArray.open(link, { dtype: "<i4" });
              try {
                await w.append(new Int32Array([9]));
              } finally {
                await w.close();
              }
            },
            NpyLockedError,
          );
        },
      );
      assert.deepEqual(readFileSync(real), before);
    } finally {
      holder.close();
    }
  });

  test("a link to a free file made in between: the open writes through it under the file's lock", async () => {
    const dir = tempDir();
    const real = join(dir, "real.npy");
    const link = join(dir, "link.npy");
    const seed = NpyAppendArraySync.open(real, { dtype: "<i4" });
    seed.append(new Int32Array([1, 2]));
    seed.close();
    await withRaceAfterMissingStat(
      link,
      () => symlinkSync(real, link),
      () => {
        using w = NpyAppendArraySync.open(link, { dtype: "<i4" });
        // Held under the file's own lock: a writer of the file is refused.
        assert.throws(() => NpyAppendArraySync.open(real), NpyLockedError);
        w.append(new Int32Array([3]));
      },
    );
    assert.deepEqual(Array.from(readNpySync(real).data as Int32Array), [
      1,
      2,
      3,
    ]);
  });
});
