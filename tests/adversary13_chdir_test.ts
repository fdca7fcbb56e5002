/**
 * Adversary round 13, hostile use of the API: a program that changes its
 * working directory (`Deno.chdir()`, `process.chdir()`) while a writer or
 * reader of a relative path is open. NumPy and Python's `npy-append-array`
 * open the file at once, so the file named at `open` is the file written,
 * whatever the working directory later is.
 *
 * Found before the fix (Deno, Bun and Node alike): the relative path was
 * used again after the change, against the new working directory:
 * - `close()` left the lock file (emptied through its descriptor), so the
 *   next `open` of the file in the next 2 s was refused with
 *   `NpyLockedError` ("another process is creating its lock right now"),
 *   and a lock file stayed beside it;
 * - a writer of a new file created it at the first append in the new
 *   working directory, where no lock guarded it (the opened folder got
 *   only the lock);
 * - an `atomic` writer with `deleteIfExists` failed at `close()` with
 *   `ENOENT` renaming its temporary, and rolled the acknowledged rows back;
 * - a stack writer failed to seal a shard (`ENOENT` on the rename), and
 *   the failed append's first row stayed visible to readers;
 * - a group writer's `close()` left `g.lock` and its members' locks;
 * - a stack reader's `refresh()` read the new working directory's folder.
 * Now a relative path is resolved against the working directory at `open`
 * (`src/_path_absolute.ts`, through `toPath`, the one road of paths).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStack,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Folders `a` (the working directory at `open`) and `b` (after). */
function folders(): { a: string; b: string } {
  const root = tempDir();
  const a = join(root, "a");
  const b = join(root, "b");
  mkdirSync(a);
  mkdirSync(b);
  return { a, b };
}

/** Runs `f` in `dir` as working directory, restoring it after. */
async function inDir<T>(dir: string, f: () => T | Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await f();
  } finally {
    process.chdir(before);
  }
}

const ints = (path: string): number[] => [
  ...readNpySync(path).data as Int32Array,
];

describe("adversary 13: the working directory changed while a writer is open", () => {
  const kinds: [string, Record<string, unknown>][] = [
    ["plain", {}],
    ["atomic", { atomic: true }],
    ["atomic, deleteIfExists", { atomic: true, deleteIfExists: true }],
    ["deleteIfExists", { deleteIfExists: true }],
    ["bufferBytes", { bufferBytes: 64, rewriteHeaderOnAppend: false }],
  ];
  for (const [name, opts] of kinds) {
    for (const existing of [false, true]) {
      test(`${name}${existing ? ", existing file" : ", new file"}: close() commits and releases the opened file`, async () => {
        const { a, b } = folders();
        const file = join(a, "x.npy");
        if (existing) {
          const w0 = NpyAppendArraySync.open(file, { dtype: "<i4" });
          w0.append(new Int32Array([0]));
          w0.close();
        }
        const w = await inDir(
          a,
          () => NpyAppendArraySync.open("x.npy", { dtype: "<i4", ...opts }),
        );
        await inDir(b, () => {
          // The first append of a new file creates it: in `a`, where it
          // was opened and locked.
          w.append(new Int32Array([1]));
          w.append(new Int32Array([2]));
          w.close();
        });
        const kept = existing && !opts.deleteIfExists ? [0, 1, 2] : [1, 2];
        assert.deepEqual(ints(file), kept);
        assert.deepEqual(readdirSync(a), ["x.npy"]);
        assert.deepEqual(readdirSync(b), []);
        // Opened again at once, the lock gone.
        NpyAppendArraySync.open(file).close();
      });
    }
  }

  test("the async writer: its first append and close() act on the opened folder", async () => {
    const { a, b } = folders();
    const w = await inDir(a, () => NpyAppendArray.open("y.npy"));
    await inDir(b, async () => {
      await w.append(new Int32Array([7, 8]));
      await w.close();
    });
    assert.deepEqual(ints(join(a, "y.npy")), [7, 8]);
    assert.deepEqual(readdirSync(a), ["y.npy"]);
    assert.deepEqual(readdirSync(b), []);
  });

  test("a second writer of the opened file, by its absolute path, is refused meanwhile", async () => {
    const { a, b } = folders();
    const w = await inDir(
      a,
      () => NpyAppendArraySync.open("z.npy", { dtype: "<i4" }),
    );
    await inDir(b, () => {
      w.append(new Int32Array([1]));
      assert.throws(
        () => NpyAppendArraySync.open(join(a, "z.npy")),
        { name: "NpyLockedError" },
      );
      // The same name in the new working directory is another file.
      const other = NpyAppendArraySync.open("z.npy", { dtype: "<i4" });
      other.append(new Int32Array([9]));
      other.close();
      w.close();
    });
    assert.deepEqual(ints(join(a, "z.npy")), [1]);
    assert.deepEqual(ints(join(b, "z.npy")), [9]);
  });

  test("a stack writer seals its shards in the opened folder", async () => {
    const { a, b } = folders();
    const s = await inDir(
      a,
      () => NpyStackWriterSync.open("st", { dtype: "<i4", shardRows: 2 }),
    );
    s.append(new Int32Array([1, 2, 3]));
    await inDir(b, () => {
      s.append(new Int32Array([4, 5, 6]));
      s.close();
    });
    const all = await readNpyStack(join(a, "st"));
    assert.deepEqual([...all.data as Int32Array], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(readdirSync(join(a, "st")).sort(), [
      "0.npy",
      "1.npy",
      "2.npy",
      "info",
    ]);
    assert.deepEqual(readdirSync(a), ["st"]);
    assert.deepEqual(readdirSync(b), []);
  });

  test("a group writer's close() releases the opened folder and members", async () => {
    const { a, b } = folders();
    const g = await inDir(
      a,
      () => NpyGroupWriterSync.open("g", { members: { x: "<i4" } }),
    );
    g.append({ x: new Int32Array([1]) });
    await inDir(b, () => {
      g.append({ x: new Int32Array([2]) });
      g.close();
    });
    assert.deepEqual(ints(join(a, "g", "x.npy")), [1, 2]);
    assert.deepEqual(readdirSync(a), ["g"]);
    assert.deepEqual(readdirSync(join(a, "g")).sort(), ["group.json", "x.npy"]);
    assert.deepEqual(readdirSync(b), []);
  });

  test("a stack reader's refresh() reads the opened folder", async () => {
    const { a, b } = folders();
    const dir = join(a, "st");
    const s = NpyStackWriterSync.open(dir, { dtype: "<i4", shardRows: 2 });
    s.append(new Int32Array([1, 2]));
    const r = await inDir(a, () => NpyStackReader.open("st"));
    try {
      s.append(new Int32Array([3, 4]));
      s.close();
      const n = await inDir(b, () => r.refresh());
      assert.equal(n, 4);
      assert.deepEqual([...(await r.read(0, 4)).data as Int32Array], [
        1,
        2,
        3,
        4,
      ]);
    } finally {
      await r.close();
    }
  });
});
