/**
 * Adversary round 13: another program moves (or replaces) a stack's folder,
 * or a group of stacks' folder, while a writer holds it. Appends that stay
 * in the live shard go on through its open file and so move with the
 * folder, as a single file's rows do (`adversary3_moved_folder_test.ts`).
 * But an append that seals the live shard renames it by path, which failed
 * with the system's `ENOENT` after the append's rows were written, and the
 * undo (a cut, by path too) failed as well: the failed append's rows stayed
 * in the moved stack (`[1, 2, 3]` after a refused append of `[3]`), and
 * every later append was refused. A group of stacks also made its member's
 * folder again at the old place. Now an append that may seal first checks
 * that the folder is still the one the writer opened: if not, it is
 * refused with `NpyFormatError` code `changed`, nothing written, and
 * `close()` says where the rows are.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

/** The refusal of an append or close after the folder moved. */
const MOVED = (verb: string) => (e: unknown) => {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "changed");
  assert.match(
    e.message,
    new RegExp(
      `^Cannot ${verb} the stack "[^"]*/s": another program moved, removed or replaced its folder while this writer held it`,
    ),
  );
  return true;
};

/** The live shard's lock a writer whose folder moved leaves at the new place. */
function dropMovedLocks(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".lock")) rmSync(join(dir, name));
  }
}

function values(dir: string): number[] {
  return [...readNpyStackSync(dir).data as Int32Array];
}

const CASES: [string, Record<string, number>, Int32Array][] = [
  ["an append that fills the shard", { shardRows: 3 }, new Int32Array([3])],
  [
    "an append that crosses shards",
    { shardRows: 3 },
    Int32Array.of(3, 4, 5, 6),
  ],
  ["an append that passes shardBytes", { shardBytes: 12 }, new Int32Array([3])],
];

for (const [what, options, rows] of CASES) {
  test(`a stack's folder moved under its writer: ${what} is refused, nothing written; close() says where the rows are`, () => {
    const root = tempDir();
    try {
      const dir = join(root, "s");
      const moved = join(root, "moved");
      const w = NpyStackWriterSync.open(dir, options);
      w.append(Int32Array.of(1, 2));
      renameSync(dir, moved);
      assert.throws(() => w.append(rows), MOVED("append to"));
      assert.deepEqual(values(moved), [1, 2]);
      assert.deepEqual(w.shape, [2]);
      assert.throws(() => w.close(), MOVED("close"));
      w.close(); // closed: the lock is released
      assert.equal(existsSync(dir), false, "nothing made at the old place");
      assert.equal(existsSync(`${dir}.lock`), false);
      // The acknowledged rows are at the new place, and continue there.
      assert.deepEqual(values(moved), [1, 2]);
      dropMovedLocks(moved);
      const again = NpyStackWriterSync.open(moved, options);
      assert.deepEqual(again.shape, [2]);
      again.append(rows);
      again.close();
      assert.deepEqual(values(moved), [1, 2, ...rows]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("a stack's folder replaced by another folder of the same name: the sealing append is refused, the new folder untouched", () => {
  const root = tempDir();
  try {
    const dir = join(root, "s");
    const moved = join(root, "moved");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append(new Int32Array([1]));
    renameSync(dir, moved);
    mkdirSync(dir);
    assert.throws(() => w.append(new Int32Array([2])), MOVED("append to"));
    assert.throws(() => w.close(), MOVED("close"));
    assert.deepEqual(readdirSync(dir), []);
    assert.deepEqual(values(moved), [1]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("an async stack writer whose folder moved: the sealing append rejects, nothing written", async () => {
  const root = tempDir();
  try {
    const dir = join(root, "s");
    const moved = join(root, "moved");
    const w = await NpyStackWriter.open(dir, { shardRows: 3 });
    await w.append(Int32Array.of(1, 2));
    renameSync(dir, moved);
    await assert.rejects(w.append(Int32Array.of(3, 4)), MOVED("append to"));
    await assert.rejects(w.close(), MOVED("close"));
    assert.deepEqual(values(moved), [1, 2]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(
  "a stack's folder that stays where it was seals as before (no false alarm)",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    try {
      const dir = join(root, "s");
      const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
      // Another folder renamed beside it changes nothing.
      mkdirSync(join(root, "other"));
      renameSync(join(root, "other"), join(root, "other2"));
      for (let i = 0; i < 5; i++) w.append(Int32Array.of(i));
      w.close();
      assert.deepEqual(values(dir), [0, 1, 2, 3, 4]);
      assert.deepEqual(npLoadJson(join(dir, "2.npy")).values, [4]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test("a group of stacks whose folder moved: the sealing append is refused, nothing written, nothing made at the old place", () => {
  const root = tempDir();
  try {
    const dir = join(root, "g");
    const moved = join(root, "moved");
    const w = NpyGroupWriterSync.open(dir, {
      members: { a: "<i4", b: "<i4" },
      shardRows: 3,
    });
    w.append({ a: Int32Array.of(1, 2), b: Int32Array.of(1, 2) });
    renameSync(dir, moved);
    assert.throws(
      () => w.append({ a: Int32Array.of(3, 4), b: Int32Array.of(3, 4) }),
      (e: unknown) => {
        assert.ok(e instanceof NpyFormatError, String(e));
        assert.equal(e.code, "changed");
        assert.match(e.message, /moved, removed or replaced its folder/);
        return true;
      },
    );
    assert.throws(() => w.close(), NpyFormatError);
    assert.equal(existsSync(dir), false, "nothing made at the old place");
    for (const m of ["a", "b"]) dropMovedLocks(join(moved, m));
    dropMovedLocks(moved);
    const r = NpyGroupReader.openSync(moved);
    const got = r.readSync();
    r.closeSync();
    assert.deepEqual([...got.a!.data as Int32Array], [1, 2]);
    assert.deepEqual([...got.b!.data as Int32Array], [1, 2]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
