/**
 * Stop 24 (h2): a writer that made its file and then gave it up (an
 * atomic writer's `abort()`, or a first append that failed on a full disk)
 * removed the file by name in its release (`removePath`), after
 * `removeMade` of stop 24 had fixed the same fault at the open: another
 * program's file moved onto the name in between (`mv other.npy x.npy`)
 * was removed instead, its data lost. Now only the file the writer made
 * goes, by device and inode.
 *
 * Exact race: at the nth stat of the path, before it, another program's
 * file is renamed onto the name; whichever stat it is, that file must be
 * at the name afterwards, byte for byte.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { atStat } from "./_remove_at_stat.ts";
import { fillDisk, withTmpfs } from "./_tmpfs.ts";

type Run = (path: string) => Promise<void>;

/** Sweeps the stats of `run(path)`, moving another file onto the name. */
async function sweep(dir: string, tag: string, run: Run): Promise<void> {
  let fires = 0;
  let lostAt = 0;
  for (let n = 1; n <= 14; n++) {
    const path = join(dir, `${tag}${n}.npy`);
    const other = join(dir, `other-${tag}${n}.bin`);
    const theirs = new TextEncoder().encode(`another program's data ${n}`);
    writeFileSync(other, theirs);
    const fired = await atStat(
      path,
      n,
      "before",
      () => renameSync(other, path),
      () => run(path).catch(() => {}),
    );
    if (!fired) {
      // No other program: the writer's own file went, as before.
      assert.equal(existsSync(path), false, `${path} left behind`);
      continue;
    }
    fires++;
    if (!existsSync(path)) {
      lostAt = n;
      continue;
    }
    assert.deepEqual(new Uint8Array(readFileSync(path)), theirs, `stat ${n}`);
  }
  assert.equal(lostAt, 0, `another program's file removed at stat ${lostAt}`);
  assert.ok(fires > 0, "a file was moved onto the name at some stat");
}

test("an atomic writer's abort never removes a file moved onto its name (sync)", async () => {
  await sweep(tempDir(), "abort-sync", (path) => {
    const w = NpyAppendArraySync.open(path, { atomic: true });
    w.append(new Int32Array([1, 2, 3]));
    w.abort();
    return Promise.resolve();
  });
});

test("an atomic writer's abort never removes a file moved onto its name (async)", async () => {
  await sweep(tempDir(), "abort-async", async (path) => {
    const w = await NpyAppendArray.open(path, { atomic: true });
    await w.append(new Int32Array([1, 2, 3]));
    await w.abort();
  });
});

test(
  "a first append that fails on a full disk never removes a file moved onto its name",
  withTmpfs("size=1m", async (dir) => {
    // The other program's file first, then the disk filled (topped up
    // each time): each first append makes its file, then fails for room.
    const big = new Float64Array(40_000);
    await sweep(dir, "full", async (path) => {
      fillDisk(dir, 16384);
      const sync = path.endsWith("1.npy") || path.endsWith("3.npy");
      if (sync) {
        using w = NpyAppendArraySync.open(path);
        w.append(big);
      } else {
        await using w = await NpyAppendArray.open(path);
        await w.append(big);
      }
    });
  }),
);

test("an atomic deleteIfExists writer that appended nothing never removes a file moved onto its name after the open", async () => {
  const dir = tempDir();
  let fires = 0;
  for (let n = 1; n <= 10; n++) {
    const path = join(dir, `replace${n}.npy`);
    const other = join(dir, `other-replace${n}.bin`);
    const theirs = new TextEncoder().encode(`another program's data ${n}`);
    writeFileSync(other, theirs);
    writeFileSync(path, "the old file, replaced by nothing");
    const w = NpyAppendArraySync.open(path, {
      atomic: true,
      deleteIfExists: true,
    });
    const fired = await atStat(
      path,
      n,
      "before",
      () => renameSync(other, path),
      () => Promise.resolve(w.close()),
    );
    if (!fired) {
      // No other program: the old file went, as deleteIfExists says.
      assert.equal(existsSync(path), false, `${path} left behind`);
      continue;
    }
    fires++;
    assert.ok(existsSync(path), `another program's file removed at stat ${n}`);
    assert.deepEqual(new Uint8Array(readFileSync(path)), theirs, `stat ${n}`);
  }
  assert.ok(fires > 0, "a file was moved onto the name at some stat");
});
