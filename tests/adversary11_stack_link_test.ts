/**
 * Adversary round 11, today's merges: a stack folder copied with hard
 * links (`cp -al`, a snapshot tool, DVC's link cache) while a killed
 * writer's live shard `{n}.npy.part` was in it. The copy's `.part` and
 * the original's are one file. The original's writer goes on and seals
 * it (`{n}.npy`, listed in its `info`); the copy's writer then appended
 * to the same file: the original's sealed shard grew under its `info`
 * and every open or read of the original stack was refused. No writer
 * held anything at the same time, so no lock could see it.
 *
 * A stack writer now seals, at open, a live shard that has other links
 * instead of appending to it (as `close()` would have sealed it), and
 * starts a shard of its own.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyGroupWriterSync,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const windows = process.platform === "win32";

/** Float64 rows `[i, -i]`, `from .. from + n - 1`, as nested arrays. */
function pairs(from: number, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => [from + i, -(from + i)]);
}

/**
 * The stack `dir` as a writer killed after 6 rows (`shardRows: 4`) leaves
 * it: `0.npy` sealed and listed in `info`, `1.npy.part` live with 2 rows.
 */
function killedStack(dir: string, fortranOrder = false): void {
  const s = NpyStackWriterSync.open(dir, { shardRows: 4, fortranOrder });
  for (const row of pairs(0, 4)) {
    s.append(fortranOrder ? { data: row, shape: [2, 1] } : [row]);
  }
  s.close();
  const info = readFileSync(join(dir, "info"));
  const again = NpyStackWriterSync.open(dir, { shardRows: 4 });
  for (const row of pairs(4, 2)) {
    again.append(fortranOrder ? { data: row, shape: [2, 1] } : [row]);
  }
  again.close();
  renameSync(join(dir, "1.npy"), join(dir, "1.npy.part"));
  writeFileSync(join(dir, "info"), info);
}

/** `cp -al from to`: the folder tree again, every file a hard link. */
function copyWithLinks(from: string, to: string): void {
  mkdirSync(to);
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyWithLinks(join(from, e.name), join(to, e.name));
    else linkSync(join(from, e.name), join(to, e.name));
  }
}

/**
 * The pairs of the stack at `dir`: rows `[a, b]` of a C-order stack of
 * shape `(n, 2)`, columns of a Fortran-order one of shape `(2, n)` (both
 * lay out pair after pair).
 */
function stackRows(dir: string): number[][] {
  const { data, shape, fortranOrder } = readNpyStackSync(dir);
  const values = Array.from(data as Float64Array);
  const n = fortranOrder ? shape[1]! : shape[0]!;
  assert.equal(values.length, 2 * n);
  return Array.from({ length: n }, (_, i) => values.slice(2 * i, 2 * i + 2));
}

describe("adversary 11: a stack copied with hard links while a live shard was in it", () => {
  test("the original goes on, then the copy: each stack reads its own rows", (t) => {
    if (windows) return t.skip("hard links: POSIX");
    const dir = tempDir();
    const s = join(dir, "s");
    const b = join(dir, "b");
    killedStack(s);
    copyWithLinks(s, b);
    const a = NpyStackWriterSync.open(s, { shardRows: 4 });
    a.append(pairs(6, 1));
    a.close();
    const c = NpyStackWriterSync.open(b, { shardRows: 4 });
    c.append([[-1, 1]]);
    c.close();
    assert.deepEqual(stackRows(s), pairs(0, 7));
    assert.deepEqual(stackRows(b), [...pairs(0, 6), [-1, 1]]);
  });

  test("the copy goes on first, async, then the original: each its own rows", async (t) => {
    if (windows) return t.skip("hard links: POSIX");
    const dir = tempDir();
    const s = join(dir, "s");
    const b = join(dir, "b");
    killedStack(s);
    copyWithLinks(s, b);
    const c = await NpyStackWriter.open(b, { shardRows: 4 });
    await c.append([[-1, 1], [-2, 2], [-3, 3]]);
    await c.close();
    const a = NpyStackWriterSync.open(s, { shardRows: 4 });
    a.append(pairs(6, 1));
    a.close();
    assert.deepEqual(stackRows(s), pairs(0, 7));
    assert.deepEqual(stackRows(b), [...pairs(0, 6), [-1, 1], [-2, 2], [-3, 3]]);
  });

  test("a Fortran-order stack", (t) => {
    if (windows) return t.skip("hard links: POSIX");
    const dir = tempDir();
    const s = join(dir, "s");
    const b = join(dir, "b");
    killedStack(s, true);
    copyWithLinks(s, b);
    const a = NpyStackWriterSync.open(s, { shardRows: 4 });
    a.append({ data: [6, -6], shape: [2, 1] });
    a.close();
    const c = NpyStackWriterSync.open(b, { shardRows: 4 });
    c.append({ data: [-1, 1], shape: [2, 1] });
    c.close();
    assert.deepEqual(stackRows(s), pairs(0, 7));
    assert.deepEqual(stackRows(b), [...pairs(0, 6), [-1, 1]]);
  });

  test("a group of stacks copied with hard links", (t) => {
    if (windows) return t.skip("hard links: POSIX");
    const dir = tempDir();
    const g = join(dir, "g");
    const w = NpyGroupWriterSync.open(g, {
      members: { x: "<f8", y: "<i4" },
      shardRows: 4,
    });
    w.append({ x: [1, 2, 3, 4, 5, 6], y: [1, 2, 3, 4, 5, 6] });
    w.close();
    // As a kill after the sixth row leaves it (info lists the first shard).
    for (const m of ["x", "y"]) {
      renameSync(join(g, m, "1.npy"), join(g, m, "1.npy.part"));
      const info = join(g, m, "info");
      writeFileSync(info, "");
    }
    const b = join(dir, "b");
    copyWithLinks(g, b);
    const a = NpyGroupWriterSync.open(g);
    a.append({ x: [7], y: [7] });
    a.close();
    const c = NpyGroupWriterSync.open(b);
    c.append({ x: [-1], y: [-1] });
    c.close();
    assert.deepEqual(
      Array.from(readNpyStackSync(join(g, "x")).data as Float64Array),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      Array.from(readNpyStackSync(join(b, "y")).data as Int32Array),
      [1, 2, 3, 4, 5, 6, -1],
    );
    assert.deepEqual(
      Array.from(readNpyStackSync(join(g, "y")).data as Int32Array),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });
});
