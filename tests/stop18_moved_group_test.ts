/**
 * Stop 18: another program moves (renames) a plain group's folder while a
 * writer holds it. Appends to members that hold rows go on through their
 * open files, which move with the folder; but a member's first append
 * creates its file by path, and one whose dtype was left out records it
 * in `group.json` by path too: both failed with the system's untyped
 * `ENOENT` (of `group.json`'s temporary, or of the member file at the old
 * place). Now such an append first checks that the folder is still the
 * one the writer opened: if not, it is refused with `NpyFormatError` code
 * `changed` naming the group and the fix, nothing written, and the group
 * reads and recovers where it now is. A group of stacks names the group,
 * not its member's stack, when an append or `close()` would seal.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriter,
  type NpyGroupWriterOptions,
  NpyGroupWriterSync,
  recoverGroupSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

/** The refusal of a group writer whose folder moved. */
const MOVED = (verb: string, rest: RegExp) => (e: unknown) => {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "changed");
  assert.match(
    e.message,
    new RegExp(
      `^Cannot ${verb} group "[^"]*/g": another program moved, removed or replaced its folder while this writer held it; `,
    ),
  );
  assert.match(e.message, rest);
  assert.match(e.message, /open the group there to go on/);
  return true;
};

/** The member locks a writer whose folder moved leaves at the new place. */
function dropMovedLocks(dir: string): void {
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (name.endsWith(".lock")) rmSync(join(dir, name));
  }
}

function readGroup(dir: string): Record<string, number[]> {
  const r = NpyGroupReader.openSync(dir);
  try {
    const got = r.readSync();
    return Object.fromEntries(
      Object.entries(got).map(([k, v]) => [k, [...v!.data as Int32Array]]),
    );
  } finally {
    r.closeSync();
  }
}

const FRESH: [string, NonNullable<NpyGroupWriterOptions["members"]>][] = [
  ["a member whose dtype was left out (recorded in group.json)", {
    a: "<i4",
    b: {},
  }],
  ["members declared with their dtypes (files made by path)", {
    a: "<i4",
    b: "<i4",
  }],
];

for (const [what, members] of FRESH) {
  test(`a plain group's folder moved before its first append, ${what}: refused, nothing written; the group reads, recovers and goes on where it is`, () => {
    const root = tempDir();
    try {
      const dir = join(root, "g");
      const moved = join(root, "moved");
      const w = NpyGroupWriterSync.open(dir, { members });
      renameSync(dir, moved);
      const rows = { a: Int32Array.of(1, 2), b: Int32Array.of(3, 4) };
      assert.throws(
        () => w.append(rows),
        MOVED("append to", /nothing of this append was written/),
      );
      assert.equal(w.length, 0);
      w.close();
      assert.equal(existsSync(dir), false, "nothing made at the old place");
      assert.equal(existsSync(`${dir}.lock`), false);
      assert.deepEqual(
        readdirSync(moved).filter((n) => !n.endsWith(".lock")).sort(),
        ["group.json"],
      );
      dropMovedLocks(moved);
      assert.deepEqual(readGroup(moved), { a: [], b: [] });
      assert.equal(recoverGroupSync(moved), 0);
      const again = NpyGroupWriterSync.open(moved);
      again.append(rows);
      again.close();
      assert.deepEqual(readGroup(moved), { a: [1, 2], b: [3, 4] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test(
  "a plain group's folder moved after appends: appends and close go on where it went (files move with it)",
  numpyTestOptions(),
  () => {
    const root = tempDir();
    try {
      const dir = join(root, "g");
      const moved = join(root, "moved");
      const w = NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: {} } });
      w.append({ a: Int32Array.of(1), b: Int32Array.of(2) });
      renameSync(dir, moved);
      w.append({ a: Int32Array.of(3), b: Int32Array.of(4) });
      w.close();
      assert.equal(existsSync(dir), false);
      assert.deepEqual(npLoadJson(join(moved, "a.npy")).values, [1, 3]);
      assert.deepEqual(npLoadJson(join(moved, "b.npy")).values, [2, 4]);
      dropMovedLocks(moved);
      assert.equal(recoverGroupSync(moved), 2);
      assert.deepEqual(readGroup(moved), { a: [1, 3], b: [2, 4] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test("an async group writer whose folder moved: the first append rejects with the group's refusal", async () => {
  const root = tempDir();
  try {
    const dir = join(root, "g");
    const w = await NpyGroupWriter.open(dir, { members: { a: {} } });
    renameSync(dir, join(root, "moved"));
    await assert.rejects(
      w.append({ a: Int32Array.of(1) }),
      MOVED("append to", /nothing of this append was written/),
    );
    await w.close();
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a group of stacks whose folder moved: a sealing append and close() name the group, not a member's stack", () => {
  const root = tempDir();
  try {
    const dir = join(root, "g");
    const moved = join(root, "moved");
    const w = NpyGroupWriterSync.open(dir, {
      members: { a: "<i4", b: "<i4" },
      shardRows: 3,
    });
    w.append({ a: Int32Array.of(1, 2), b: Int32Array.of(5, 6) });
    renameSync(dir, moved);
    assert.throws(
      () => w.append({ a: Int32Array.of(3, 4), b: Int32Array.of(7, 8) }),
      MOVED("append to", /the 2 rows before it are where the folder went/),
    );
    assert.throws(
      () => w.close(),
      MOVED("close", /its 2 rows are where the folder went/),
    );
    w.close(); // closed
    assert.equal(existsSync(dir), false, "nothing made at the old place");
    assert.equal(existsSync(`${dir}.lock`), false);
    dropMovedLocks(moved);
    assert.deepEqual(readGroup(moved), { a: [1, 2], b: [5, 6] });
    assert.equal(recoverGroupSync(moved), 2);
    const again = NpyGroupWriterSync.open(moved);
    again.append({ a: Int32Array.of(3), b: Int32Array.of(7) });
    again.close();
    assert.deepEqual(readGroup(moved), { a: [1, 2, 3], b: [5, 6, 7] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
