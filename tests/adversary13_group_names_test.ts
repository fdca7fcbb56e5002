/**
 * Adversary round 13: member names that make a group unusable on another
 * file system. `con` (and `nul.x`, `com1`, ...) is a device on Windows, so
 * `con.npy` there is the console, not a file; `A` and `a` are one file on
 * macOS and Windows; a stack member's folder `x.` is `x` on Windows. A
 * group created on Linux with such names could not be opened (or wrote to
 * a device) once copied there. Creating one is now a `RangeError` naming
 * the folder, the name and the fix, before the folder is made; a group
 * that already exists opens as written.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyGroupReader, NpyGroupWriter, NpyGroupWriterSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const cases: [string, string[], boolean, RegExp][] = [
  ["con", ["t", "con"], false, /"con" is a device name on Windows/],
  ["NUL.x", ["NUL.x", "t"], false, /"NUL\.x" is a device name on Windows/],
  ["com1 (stacks)", ["t", "com1"], true, /"com1" is a device name/],
  ["lpt9", ["lpt9"], false, /"lpt9" is a device name/],
  ["A and a", ["A", "a"], false, /"a" differs from "A" only in case/],
  ["Xy and xY (stacks)", ["Xy", "xY"], true, /"xY" differs from "Xy"/],
  ["x. (stacks)", ["t", "x."], true, /"x\." ends in "\.", which Windows drops/],
];

for (const [name, names, stack, says] of cases) {
  test(`a new group with member names ${name} is refused before any I/O`, async () => {
    const dir = join(tempDir(), "g");
    const options = {
      members: Object.fromEntries(names.map((n) => [n, "<i4"])),
      ...(stack ? { shardRows: 4 } : {}),
    };
    const refused = (e: unknown) => {
      assert.ok(e instanceof RangeError, String(e));
      assert.match(e.message, says);
      assert.ok(e.message.startsWith(`Cannot create group "${dir}"`));
      assert.match(e.message, /use another name$/);
      return true;
    };
    assert.throws(() => NpyGroupWriterSync.open(dir, options), refused);
    await assert.rejects(NpyGroupWriter.open(dir, options), refused);
    assert.equal(existsSync(dir), false);
  });
}

test("a group that has a member named con already opens as written", async () => {
  const dir = tempDir();
  {
    using w = NpyGroupWriterSync.open(dir, {
      members: { t: "<i4", cox: "<i4" },
    });
    w.append({ t: [1, 2], cox: [3, 4] });
  }
  // As a group written before names were checked (or by hand) has it.
  renameSync(join(dir, "cox.npy"), join(dir, "con.npy"));
  const json = join(dir, "group.json");
  writeFileSync(json, readFileSync(json, "utf8").replaceAll("cox", "con"));
  {
    using w = NpyGroupWriterSync.open(dir, {
      members: { t: "<i4", con: "<i4" },
    });
    w.append({ t: [5], con: [6] });
  }
  await using r = await NpyGroupReader.open(dir);
  const rows = await r.read(0, r.length);
  assert.deepEqual([...(rows.con!.data as Int32Array)], [3, 4, 6]);
});
