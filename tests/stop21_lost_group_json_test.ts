/**
 * Stop 21 (h8): a group folder whose `group.json` was removed, or became a
 * FIFO, a folder or a symlink to a device, was a dead end. Every entry
 * point said "remove it"; after that `recoverGroup` said "it has no
 * group.json; pass the folder that NpyGroupWriter wrote" and the writer
 * "pass deleteIfExists: true", which deletes every member's rows. Now
 * `recoverGroup` rebuilds a missing `group.json` from the member files
 * when they are unambiguous (plain `<name>.npy` members holding the same
 * rows; members ordered by name), refuses a non-file `group.json` naming
 * the move that makes it rebuildable, and every such message names
 * `recoverGroup`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverGroup,
  recoverGroupSync,
} from "../mod.ts";
import { npLoadJsonMany, numpyTestOptions, tempDir } from "./_numpy.ts";

/** A group of `b` (<i4, 2 rows), `a` (<f8, 2 x 3, Fortran order: 3 x 2). */
function group(): string {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { b: "<i4", a: { dtype: "<f8", fortranOrder: true } },
  });
  w.append({
    b: new Int32Array([3, 4]),
    a: { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] },
  });
  w.close();
  return dir;
}

const json = (dir: string) => join(dir, "group.json");

function bytesOf(dir: string): Uint8Array[] {
  return ["a.npy", "b.npy"].map((f) => readFileSync(join(dir, f)));
}

/** Every row there, as NumPy reads it, then read, appended to, read again. */
async function rowsKept(dir: string): Promise<void> {
  const info = JSON.parse(readFileSync(json(dir), "utf8"));
  assert.deepEqual(info, {
    format: "npy-append-array group",
    version: 1,
    members: [
      {
        name: "a",
        file: "a.npy",
        dtype: "<f8",
        fortranOrder: true,
        axis: -1,
      },
      { name: "b", file: "b.npy", dtype: "<i4", fortranOrder: false, axis: 0 },
    ],
  });
  const reader = NpyGroupReader.openSync(dir);
  assert.deepEqual(reader.members, ["a", "b"]);
  assert.equal(reader.length, 2);
  const got = reader.readSync(0);
  reader.closeSync();
  assert.deepEqual([...got.b!.data as Int32Array], [3, 4]);
  assert.deepEqual(got.a!.shape, [3, 2]);
  // The writer continues it, with the members declared and without.
  const w = NpyGroupWriterSync.open(dir, {
    members: { a: "<f8", b: "<i4" },
  });
  w.append({
    a: { data: new Float64Array([7, 8, 9]), shape: [3, 1] },
    b: new Int32Array([5]),
  });
  w.close();
  const w2 = await NpyGroupWriter.open(dir);
  await w2.append({
    a: { data: new Float64Array([10, 11, 12]), shape: [3, 1] },
    b: new Int32Array([6]),
  });
  await w2.close();
  if (numpyTestOptions().skip !== undefined) return;
  const [a, b] = npLoadJsonMany([join(dir, "a.npy"), join(dir, "b.npy")]);
  assert.deepEqual(b!.shape, [4]);
  assert.deepEqual(b!.values, [3, 4, 5, 6]);
  assert.equal(a!.fortran_order, true);
  assert.deepEqual(a!.shape, [3, 4]);
  // [[1, 2], [3, 4], [5, 6]] (given in C order), then two columns.
  assert.deepEqual(a!.values, [1, 2, 7, 10, 3, 4, 8, 11, 5, 6, 9, 12]);
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("not refused");
}

describe("stop 21 (h8): a group without its group.json", () => {
  test("removed: every message names recoverGroup, which rebuilds it; every row kept", async () => {
    const dir = group();
    const before = bytesOf(dir);
    rmSync(json(dir));
    const hint = `recoverGroup(${
      JSON.stringify(dir)
    }) (command line: "npy-append-array recover --group ${dir}") rebuilds it`;
    for (
      const run of [
        () => NpyGroupReader.openSync(dir),
        () => NpyGroupWriterSync.open(dir, { members: { a: "<f8", b: "<i4" } }),
        () => NpyGroupWriterSync.open(dir),
      ]
    ) {
      const m = messageOf(run);
      assert.ok(m.includes(hint), m);
      assert.doesNotMatch(m, /deleteIfExists/);
    }
    assert.deepEqual(bytesOf(dir), before);
    assert.equal(existsSync(json(dir)), false);
    assert.equal(await recoverGroup(dir), 2);
    assert.deepEqual(bytesOf(dir), before);
    await rowsKept(dir);
  });

  for (
    const [what, make, kind] of [
      [
        "a FIFO",
        (p: string) => assert.equal(spawnSync("mkfifo", [p]).status, 0),
        "a FIFO \\(named pipe\\)",
      ],
      ["a folder", (p: string) => mkdirSync(p), "a directory"],
      [
        "a symlink to /dev/zero",
        (p: string) => symlinkSync("/dev/zero", p),
        "a device",
      ],
    ] as const
  ) {
    test(`${what}: refused naming the move and recoverGroup, then rebuilt`, async (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const dir = group();
      const before = bytesOf(dir);
      rmSync(json(dir));
      make(json(dir));
      const re = new RegExp(
        `^Cannot (read|open|recover) group .*: its group.json ${
          JSON.stringify(json(dir)).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
        } is ${kind}, not a regular file; move it out of the folder, then recoverGroup\\(.*\\) rebuilds group.json from the member files$`,
      );
      for (
        const run of [
          () => NpyGroupReader.openSync(dir),
          () =>
            NpyGroupWriterSync.open(dir, { members: { a: "<f8", b: "<i4" } }),
          () => NpyGroupWriterSync.open(dir),
          () => recoverGroupSync(dir),
        ]
      ) {
        assert.throws(run, (e: unknown) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.match(e.message, re);
          return true;
        });
      }
      assert.deepEqual(bytesOf(dir), before);
      renameSync(json(dir), join(dir, "..", "moved"));
      assert.equal(recoverGroupSync(dir), 2);
      assert.deepEqual(bytesOf(dir), before);
      await rowsKept(dir);
    });
  }

  test("ambiguous folders: refused naming the fix, nothing written", () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      [
        "members holding different rows",
        (dir) => {
          const w = NpyGroupWriterSync.open(join(dir, "..", "h"), {
            members: { c: "<i4" },
          });
          w.append({ c: new Int32Array([1, 2, 3]) });
          w.close();
          renameSync(join(dir, "..", "h", "c.npy"), join(dir, "c.npy"));
        },
        /"a\.npy" holds 2 rows, "b\.npy" 2 and "c\.npy" 3; move every file that is not a member out of the folder.*group\.json.*README "Groups"/,
      ],
      [
        "an empty member",
        (dir) => writeFileSync(join(dir, "c.npy"), ""),
        /c\.npy" is empty.*move it out of the folder/,
      ],
      [
        "a member that is not a .npy file",
        (dir) => writeFileSync(join(dir, "c.npy"), "not npy"),
        /c\.npy".*move it out of the folder/,
      ],
      [
        "a stack member",
        (dir) => {
          const s = NpyStackWriterSync.open(join(dir, "s"), {
            dtype: "<i4",
            shardRows: 1,
          });
          s.append(new Int32Array([1, 2]));
          s.close();
        },
        /".*s" holds a stack.*shardRows.*by hand.*README "Groups"/,
      ],
      [
        "a stack's folder",
        (dir) => writeFileSync(join(dir, "info"), "x"),
        /stack's folder.*recoverStack/,
      ],
    ];
    for (const [name, spoil, re] of cases) {
      const dir = group();
      rmSync(json(dir));
      spoil(dir);
      const before = bytesOf(dir);
      assert.throws(() => recoverGroupSync(dir), (e: unknown) => {
        assert.ok(e instanceof Error, name);
        assert.match(e.message, /^Cannot recover group /, name);
        assert.match(e.message, re, name);
        assert.match(e.message, /nothing was changed/, name);
        return true;
      });
      assert.deepEqual(bytesOf(dir), before, name);
      assert.equal(existsSync(json(dir)), false, name);
    }
    const empty = join(tempDir(), "e");
    mkdirSync(empty);
    assert.throws(
      () => recoverGroupSync(empty),
      /it has no group\.json and no member files/,
    );
    assert.equal(existsSync(join(empty, "group.json")), false);
  });
});
