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
import process from "node:process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
} from "../mod.ts";
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

/**
 * Runs `run` with `act` done once, just before the first `chmod` of a
 * path ending in `suffix` (node:fs and, on Deno, `Deno.chmodSync`): the
 * moment a copy is finished, before it is renamed over the file.
 */
async function atChmod(
  suffix: string,
  act: () => void,
  run: () => Promise<void>,
): Promise<boolean> {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  const owners: Record<string, unknown>[] = [
    process.getBuiltinModule("node:fs") as unknown as Record<string, unknown>,
  ];
  if (deno !== undefined) owners.push(deno);
  const saved = owners.map((o) => o.chmodSync);
  let fired = false;
  for (const o of owners) {
    const real = o.chmodSync as (p: string, ...rest: unknown[]) => unknown;
    o.chmodSync = function (this: unknown, p: string, ...rest: unknown[]) {
      if (!fired && String(p).endsWith(suffix)) {
        fired = true;
        act();
      }
      return real.call(this, p, ...rest);
    };
  }
  try {
    await run();
  } finally {
    owners.forEach((o, i) => (o.chmodSync = saved[i]));
  }
  return fired;
}

test("ensureAppendable by copy never renames its copy over a file another program moved onto the name", async () => {
  const dir = tempDir();
  const path = join(dir, "old.npy");
  const other = join(dir, "other.bin");
  // A header with no room to grow (no padding): rewritten through a copy.
  const dict = "{'descr':'<i4','fortran_order':False,'shape':(3,),}";
  const head = new TextEncoder().encode(dict + "\n");
  const pre = Uint8Array.of(0x93, 78, 85, 77, 80, 89, 1, 0, head.length, 0);
  writeFileSync(
    path,
    new Uint8Array([...pre, ...head, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]),
  );
  const theirs = new TextEncoder().encode("another program's data");
  writeFileSync(other, theirs);
  let outcome = "";
  const fired = await atChmod(
    ".tmp",
    () => renameSync(other, path),
    () => {
      try {
        ensureAppendableSync(path);
        outcome = "ok";
      } catch (e) {
        outcome = (e as Error).message;
      }
      return Promise.resolve();
    },
  );
  assert.ok(fired, "the copy was chmod-ed");
  assert.deepEqual(new Uint8Array(readFileSync(path)), theirs, outcome);
  assert.match(outcome, /old\.npy/);
  assert.match(outcome, /another program/);
  // Nothing left beside it: no temporary, no change record.
  assert.deepEqual(readdirSync(dir), ["old.npy"]);
});

test("an atomic deleteIfExists writer never renames its file over one another program moved onto the name", async () => {
  const dir = tempDir();
  const path = join(dir, "a.npy");
  const other = join(dir, "other.bin");
  writeFileSync(path, "the old file, to be replaced");
  const theirs = new TextEncoder().encode("another program's data");
  writeFileSync(other, theirs);
  const w = NpyAppendArraySync.open(path, {
    atomic: true,
    deleteIfExists: true,
  });
  w.append(new Int32Array([1, 2, 3]));
  let outcome = "";
  const fired = await atChmod(".tmp", () => renameSync(other, path), () => {
    try {
      w.close();
      outcome = "ok";
    } catch (e) {
      outcome = (e as Error).message;
    }
    return Promise.resolve();
  });
  assert.ok(fired, "the new file was chmod-ed");
  assert.deepEqual(new Uint8Array(readFileSync(path)), theirs, outcome);
  assert.match(outcome, /a\.npy/);
  assert.match(outcome, /another program/);
  assert.deepEqual(readdirSync(dir), ["a.npy"]);
});
