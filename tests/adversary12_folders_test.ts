/**
 * Adversary round 12: "bad input: typed error naming the file, no byte
 * changed", for a stack opened on a group's folder and a group opened on a
 * stack's folder. A stack writer with `deleteIfExists` on a group whose
 * members are named `0` and `1` deleted them as shards (the group then read
 * as 0 rows); a group writer on a stack's folder added `group.json` and its
 * members beside the shards (Ray, reading `*.npy`, took them as shards).
 * Both are now a `TypeError` naming the folder and the right class, before
 * any change.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";

function group(): string {
  const dir = join(tempDir(), "g");
  const g = NpyGroupWriterSync.open(dir, {
    members: { "0": "<f4", "1": "<i2" },
  });
  g.append({ "0": [1, 2], "1": [3, 4] });
  g.close();
  return dir;
}

function stack(): string {
  const dir = join(tempDir(), "s");
  const s = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<i4" });
  s.append([1, 2, 3]);
  s.close();
  return dir;
}

const onGroup: [string, (dir: string) => unknown][] = [
  [
    "NpyStackWriter.open with deleteIfExists",
    (d) => NpyStackWriter.open(d, { deleteIfExists: true, shardRows: 2 }),
  ],
  ["NpyStackWriterSync.open", (d) => NpyStackWriterSync.open(d)],
  ["recoverStackSync", (d) => recoverStackSync(d)],
];
for (const [name, call] of onGroup) {
  test(`${name} on a group's folder`, async () => {
    const dir = group();
    const before = folderSnapshot(dir);
    await assert.rejects(async () => await call(dir), (e: Error) => {
      assert.equal(e.name, "TypeError", e.message);
      assert.ok(e.message.includes(`"${dir}"`), e.message);
      assert.match(e.message, /it is a group's folder .*NpyGroupWriter/);
      return true;
    });
    assert.equal(folderSnapshot(dir), before);
    const reader = await NpyGroupReader.open(dir);
    assert.equal(reader.length, 2);
    await reader.close();
  });
}

const onStack: [string, (dir: string) => unknown][] = [
  [
    "NpyGroupWriter.open with deleteIfExists",
    (d) =>
      NpyGroupWriter.open(d, { deleteIfExists: true, members: { x: "<f4" } }),
  ],
  [
    "NpyGroupWriterSync.open",
    (d) => NpyGroupWriterSync.open(d, { members: { x: "<f4" } }),
  ],
  [
    "NpyGroupWriter.open of stack members",
    (d) => NpyGroupWriter.open(d, { members: { x: "<f4" }, shardRows: 2 }),
  ],
];
for (const [name, call] of onStack) {
  test(`${name} on a stack's folder`, async () => {
    const dir = stack();
    const before = folderSnapshot(dir);
    await assert.rejects(async () => await call(dir), (e: Error) => {
      assert.equal(e.name, "TypeError", e.message);
      assert.ok(e.message.includes(`"${dir}"`), e.message);
      assert.match(e.message, /it is a stack's folder .*NpyStackWriter/);
      return true;
    });
    assert.equal(folderSnapshot(dir), before);
    const reader = await NpyStackReader.open(dir);
    assert.deepEqual(reader.shape, [3]);
    await reader.close();
  });
}

test("a group of stacks with a member named info still opens", async () => {
  const dir = join(tempDir(), "g");
  for (let round = 0; round < 2; round++) {
    const g = await NpyGroupWriter.open(dir, {
      members: { info: "<f8", y: "|u1" },
      shardRows: 2,
    });
    await g.append({ info: [1, 2, 3], y: [4, 5, 6] });
    await g.close();
  }
  const reader = await NpyGroupReader.open(dir);
  assert.equal(reader.length, 6);
  await reader.close();
});
