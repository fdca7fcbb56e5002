/**
 * Adversary round 7: another program deletes a writer's file, or renames
 * another file over it, while the writer holds it. The writer kept
 * appending to the orphaned file and `close()` succeeded, so acknowledged
 * rows were in no file with no error. Now `close()` (sync and async
 * writers of paths) checks that its file still has a name (its link
 * count) and throws an `Error` naming the file, what happened, how many
 * rows and what to do; the lock is released either way, so the path can
 * be opened again. A file moved elsewhere (its folder renamed, say) keeps
 * its rows, and its writer closes as before.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** What another program does to the path while the writer holds it. */
const MEDDLING: [string, (path: string, dir: string) => void][] = [
  ["deleted", (p) => unlinkSync(p)],
  ["replaced by a rename over it", (p, d) => {
    const other = join(d, "other.npy");
    const w = NpyAppendArraySync.open(other, { dtype: "<f8" });
    w.append(new Float64Array([9]));
    w.close();
    renameSync(other, p);
  }],
  ["replaced by a copy of itself", (p, d) => {
    const copy = join(d, "copy.npy");
    copyFileSync(p, copy);
    renameSync(copy, p);
  }],
];

const LOST = {
  name: "Error",
  message:
    /^Cannot close "[^"]*x\.npy": another program deleted the file, or renamed another file over it, while this writer held it open; the 4 rows written to it are in no file any more: append them again with a new writer$/,
};

/** A copy holds the rows before it (stop 18: it said "in no file"). */
const COPIED = {
  name: "Error",
  message:
    /^Cannot close "[^"]*x\.npy": another program replaced the file with a copy of it \(it copied the file and renamed the copy over it\) while this writer held it open; the copy holds the first 2 of the 4 rows written, the last 2 are in no file any more: append them to it again with a new writer$/,
};

describe("a writer's file deleted or replaced under it", () => {
  for (const [what, meddle] of MEDDLING) {
    const MESSAGE = what.includes("copy") ? COPIED : LOST;
    test(`sync writer, file ${what}: close() throws naming the file`, () => {
      const dir = tempDir();
      try {
        const path = join(dir, "x.npy");
        const w = NpyAppendArraySync.open(path, { dtype: "<f8" });
        w.append(new Float64Array([1, 2]));
        meddle(path, dir);
        w.append(new Float64Array([3, 4]));
        assert.throws(() => w.close(), MESSAGE);
        assert.equal(w.closed, true);
        // The lock is released: the path opens again.
        const again = NpyAppendArraySync.open(path, { dtype: "<f8" });
        again.append(new Float64Array([5]));
        again.close();
        assert.equal(readNpySync(path).shape.length, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test(`async writer, file ${what}: close() rejects naming the file`, async () => {
      const dir = tempDir();
      try {
        const path = join(dir, "x.npy");
        const w = await NpyAppendArray.open(path, { dtype: "<f8" });
        await w.append(new Float64Array([1, 2]));
        meddle(path, dir);
        await w.append(new Float64Array([3, 4]));
        await assert.rejects(w.close(), MESSAGE);
        const again = await NpyAppendArray.open(path, { dtype: "<f8" });
        await again.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("a file moved elsewhere keeps its rows and closes without error", async () => {
    const dir = tempDir();
    try {
      const path = join(dir, "x.npy");
      const moved = join(dir, "moved.npy");
      const w = NpyAppendArraySync.open(path, { dtype: "<f8" });
      w.append(new Float64Array([1, 2]));
      renameSync(path, moved);
      w.append(new Float64Array([3, 4]));
      w.close();
      assert.deepEqual(
        Array.from(readNpySync(moved).data as Float64Array),
        [1, 2, 3, 4],
      );
      const a = await NpyAppendArray.open(path, { dtype: "<f8" });
      await a.append(new Float64Array([5]));
      renameSync(path, join(dir, "moved2.npy"));
      await a.close();
      assert.equal(readNpySync(join(dir, "moved2.npy")).shape[0], 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file left where it was closes without error, as before", () => {
    const dir = tempDir();
    try {
      const path = join(dir, "x.npy");
      // Another program touching other files in the folder changes nothing.
      writeFileSync(join(dir, "y.npy"), "y");
      const w = NpyAppendArraySync.open(path, { dtype: "<f8" });
      w.append(new Float64Array([1, 2, 3, 4]));
      w.close();
      assert.deepEqual(
        Array.from(readNpySync(path).data as Float64Array),
        [1, 2, 3, 4],
      );
      assert.equal(readFileSync(path).length, 128 + 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
