/**
 * Adversary round 13: a `group.json` whose member entry does not match the
 * member's file (or stack). A `fortranOrder` flipped to `true` for a 2-d
 * C-order member made `recoverGroup` (and the writer's open, which cuts
 * first) count that member's rows along its last axis (3 instead of 5) and
 * cut every member to 3 rows, dropping 2 acknowledged rows of each; the
 * writer's open then failed with a `TypeError` blaming an append. A dtype
 * that differs was refused by the writer only as a `TypeError` telling the
 * caller to drop an option they never gave. Now `recoverGroup` and the
 * writer's open refuse with a `NpyFormatError` naming the member's path,
 * both values and `group.json`, and change no byte. Members of both kinds
 * (a 2-d and a 1-d `.npy` file, a stack with `shardRows`) and both faults (order,
 * dtype). And a group reopened with member options other than its own:
 * the `TypeError` now says how to continue it.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  recoverGroup,
  recoverGroupSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";

/** A group of `t` (5 int64) and `x` (5 x 3 float64), with `x`'s entry in group.json edited. */
function group(
  stack: boolean,
  edit: (members: Record<string, unknown>[]) => void,
): { dir: string; good: string } {
  const dir = tempDir();
  {
    using w = NpyGroupWriterSync.open(dir, {
      members: { t: "<i8", x: "<f8" },
      ...(stack ? { shardRows: 2 } : {}),
    });
    w.append({
      t: [1, 2, 3, 4, 5],
      x: {
        data: Float64Array.from({ length: 15 }, (_, i) => i),
        shape: [5, 3],
      },
    });
  }
  const path = join(dir, "group.json");
  const good = readFileSync(path, "utf8");
  const json = JSON.parse(good);
  edit(json.members);
  writeFileSync(path, JSON.stringify(json));
  return { dir, good };
}

type Members = Record<string, unknown>[];

/** Name, stack members?, the edit, the member it names, what it says. */
const cases: [string, boolean, (m: Members) => void, string, RegExp][] = [
  [
    "fortranOrder flipped, 2-d file member",
    false,
    (m) => (m[1]!.fortranOrder = true),
    "x",
    /holds C order but group\.json records Fortran order/,
  ],
  [
    "fortranOrder flipped, 1-d file member",
    false,
    (m) => (m[0]!.fortranOrder = true),
    "t",
    /holds C order but group\.json records Fortran order/,
  ],
  [
    "fortranOrder flipped, stack member",
    true,
    (m) => (m[1]!.fortranOrder = true),
    "x",
    /holds C order but group\.json records Fortran order/,
  ],
  [
    "another dtype, file member",
    false,
    (m) => (m[1]!.dtype = "<i8"),
    "x",
    /holds dtype "<f8" but group\.json records dtype "<i8"/,
  ],
  [
    "another dtype, stack member",
    true,
    (m) => (m[1]!.dtype = "<f4"),
    "x",
    /holds dtype "<f8" but group\.json records dtype "<f4"/,
  ],
];

for (const [name, stack, edit, bad, says] of cases) {
  test(`group.json against its member: ${name}: refused, no byte changed`, async () => {
    const { dir, good } = group(stack, edit);
    const before = folderSnapshot(dir);
    const member = join(dir, stack ? bad : `${bad}.npy`);
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.match(e.message, says);
      assert.ok(e.message.includes(`"${member}"`), e.message);
      assert.match(e.message, /make the member's entry in group\.json match/);
      return true;
    };
    assert.throws(() => recoverGroupSync(dir), refused);
    assert.equal(folderSnapshot(dir), before);
    await assert.rejects(recoverGroup(dir), refused);
    assert.equal(folderSnapshot(dir), before);
    assert.throws(() => NpyGroupWriterSync.open(dir), refused);
    assert.equal(folderSnapshot(dir), before);
    await assert.rejects(NpyGroupWriter.open(dir), refused);
    assert.equal(folderSnapshot(dir), before);
    // The fix the message names: group.json as written; every row is there.
    writeFileSync(join(dir, "group.json"), good);
    assert.equal(recoverGroupSync(dir), 5);
    await using r = await NpyGroupReader.open(dir);
    assert.equal(r.length, 5);
    const rows = await r.read(0, 5);
    assert.deepEqual(rows.x!.shape, [5, 3]);
    assert.deepEqual([...(rows.t!.data as BigInt64Array)], [
      1n,
      2n,
      3n,
      4n,
      5n,
    ]);
  });
}

/** Reopened with member options other than the group's: the message says how to continue it. */
for (const stack of [false, true]) {
  for (
    const [what, members, says] of [
      [
        "another dtype",
        { t: ">i8", x: "<f8" },
        /member "t" has dtype "<i8", not ">i8"; pass "<i8" or leave the dtype out to continue it, or use deleteIfExists$/,
      ],
      [
        "another order",
        { t: "<i8", x: { dtype: "<f8", fortranOrder: true } },
        /member "x" has fortranOrder false, not true; pass false or leave it out to continue it, or use deleteIfExists$/,
      ],
    ] as const
  ) {
    test(`a group${stack ? " of stacks" : ""} reopened with ${what}: refused with the fix, no byte changed`, () => {
      const { dir } = group(stack, () => {});
      const before = folderSnapshot(dir);
      assert.throws(
        () => NpyGroupWriterSync.open(dir, { members }),
        (e: unknown) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.match(e.message, says);
          return true;
        },
      );
      assert.equal(folderSnapshot(dir), before);
    });
  }
}
