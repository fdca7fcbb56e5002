/**
 * Stop 26 (h2): group members that do not match their group.
 *
 * - Two members that are one file (a hard link or a symlink between
 *   `a.npy` and `b.npy`, or between the stack folders `x/` and `y/`): the
 *   writer's open was refused by the second member's lock (by device and
 *   inode) with "this process holds it ... close that first", a fix that
 *   finds nothing to close. Now refused before anything is changed, naming
 *   both members and how to give each its own file. Two plain writers on a
 *   file's two names in one process: the lock now names the other name.
 * - The group reader read a member whose dtype or order differs from
 *   `group.json`'s, where the writer and `recoverGroup` refuse it. Now it
 *   refuses it the same way (at open and at refresh).
 * - A `group.json` dtype edited by hand in another spelling NumPy reads
 *   (`"int32"`, `"=i4"`) was refused as another dtype than the member's
 *   `"<i4"`; one that is no dtype (`"<q9"`) was read by the reader as if
 *   it were the file's. Now the first is the dtype NumPy reads, the second
 *   refused as a bad `group.json` naming the member.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyReader,
  recoverGroupSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { folderSnapshot } from "./_test_files.ts";

/** A group of `a` and `b` (3 int32 rows each), files or stacks. */
function group(stack: boolean, wide = false): string {
  const dir = tempDir();
  using w = NpyGroupWriterSync.open(dir, {
    members: { a: "<i4", b: "<i4" },
    ...(stack ? { shardRows: 2 } : {}),
  });
  w.append({
    a: [1, 2, 3],
    b: wide ? { data: [1, 2, 3, 4, 5, 6], shape: [3, 2] } : [1, 2, 3],
  });
  return dir;
}

for (
  const [how, stack] of [
    ["a hard link", false],
    ["a symlink", false],
    ["a symlinked stack folder", true],
  ] as const
) {
  test(`members that are one file (${how}): the writer names both and the fix, changing nothing`, async () => {
    const dir = group(stack);
    const [a, b] = stack
      ? [join(dir, "a"), join(dir, "b")]
      : [join(dir, "a.npy"), join(dir, "b.npy")];
    rmSync(b, { recursive: true });
    if (how === "a hard link") linkSync(a, b);
    else symlinkSync(stack ? "a" : "a.npy", b);
    const before = folderSnapshot(dir);
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "damaged-group");
      assert.ok(e.message.includes(`"${a}"`), e.message);
      assert.ok(e.message.includes(`"${b}"`), e.message);
      assert.match(e.message, /are one (file|stack folder)/);
      assert.match(e.message, /of its own/);
      assert.doesNotMatch(e.message, /this process holds it/);
      return true;
    };
    assert.throws(() => NpyGroupWriterSync.open(dir), refused);
    await assert.rejects(NpyGroupWriter.open(dir), refused);
    assert.equal(folderSnapshot(dir), before);
    // Readers read the files as they are.
    using r = NpyGroupReader.openSync(dir);
    const rows = r.readSync();
    assert.deepEqual([...rows.b!.data as Int32Array], [1, 2, 3]);
    // The fix the message names: b a file of its own.
    if (!stack) {
      writeFileSync(join(dir, "copy"), readFileSync(a));
      renameSync(join(dir, "copy"), b);
      using w = NpyGroupWriterSync.open(dir);
      w.append({ a: [4], b: [5] });
    }
  });
}

test("two writers of one process on a file's two names: the lock names the other name", () => {
  const dir = tempDir();
  const a = join(dir, "a.npy"), b = join(dir, "b.npy");
  using w = NpyAppendArraySync.open(a);
  w.append(Int32Array.of(1));
  linkSync(a, b);
  assert.throws(() => NpyAppendArraySync.open(b), (e) => {
    assert.ok(e instanceof NpyLockedError, String(e));
    assert.ok(e.message.includes(`"${b}"`), e.message);
    assert.ok(e.message.includes(`as "${a}"`), e.message);
    assert.match(
      e.message,
      /one file or folder \(a hard link, symlink or bind mount\)/,
    );
    return true;
  });
});

/** Edits member `name`'s entry of `dir`'s group.json. */
function editMember(
  dir: string,
  name: string,
  edit: (m: Record<string, unknown>) => void,
): void {
  const path = join(dir, "group.json");
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json.members.find((m: { name: string }) => m.name === name));
  writeFileSync(path, JSON.stringify(json));
}

for (const stack of [false, true]) {
  for (
    const [what, edit, says] of [
      [
        "another dtype",
        (m: Record<string, unknown>) => (m.dtype = "<f4"),
        /holds dtype "<i4" but group\.json records dtype "<f4"/,
      ],
      [
        "another order",
        (m: Record<string, unknown>) => (m.fortranOrder = true),
        /holds C order but group\.json records Fortran order/,
      ],
    ] as const
  ) {
    test(`the group reader refuses a ${stack ? "stack" : "file"} member of ${what} than group.json's, as the writer does`, () => {
      // A stack's order shows with two axes (a 1-d one has none).
      const dir = group(stack, stack);
      editMember(dir, "b", edit);
      const member = join(dir, stack ? "b" : "b.npy");
      const before = folderSnapshot(dir);
      const refused = (verb: string) => (e: unknown) => {
        assert.ok(e instanceof NpyFormatError, String(e));
        assert.equal(e.code, "damaged-group");
        assert.match(e.message, says);
        assert.ok(
          e.message.includes(`Cannot ${verb} group "${dir}"`),
          e.message,
        );
        assert.ok(e.message.includes(`"${member}"`), e.message);
        assert.match(e.message, /make the member's entry in group\.json match/);
        return true;
      };
      assert.throws(() => NpyGroupReader.openSync(dir), refused("read"));
      assert.throws(() => NpyGroupWriterSync.open(dir), refused("open"));
      assert.throws(() => recoverGroupSync(dir), refused("recover"));
      assert.equal(folderSnapshot(dir), before);
    });
  }
}

test("the group reader refuses at refresh a member made with another dtype after it opened", () => {
  const dir = tempDir();
  NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<i4" } }).close();
  using r = NpyGroupReader.openSync(dir);
  assert.equal(r.length, 0);
  // Another program writes b.npy (and a.npy) behind the group's back.
  const a = NpyAppendArraySync.open(join(dir, "a.npy"));
  a.append(Int32Array.of(1, 2));
  a.close();
  const b = NpyAppendArraySync.open(join(dir, "b.npy"));
  b.append(Float64Array.of(1, 2));
  b.close();
  assert.throws(() => r.refreshSync(), (e) => {
    assert.ok(e instanceof NpyFormatError, String(e));
    assert.match(e.message, /member "b" .* holds dtype "<f8"/);
    return true;
  });
});

test(
  "a group.json dtype in another spelling NumPy reads is that dtype; one that is no dtype is refused naming the member",
  numpyTestOptions(),
  () => {
    for (const spelling of ["int32", "=i4", "i4"]) {
      const dir = group(false);
      editMember(dir, "b", (m) => (m.dtype = spelling));
      assert.equal(NpyGroupReader.openSync(dir).dtypes.b, "<i4");
      assert.equal(recoverGroupSync(dir), 3);
      {
        using w = NpyGroupWriterSync.open(dir);
        w.append({ a: [4], b: [5] });
      }
      const out = runPython(
        "import sys, numpy as np; print(np.load(sys.argv[1]).tolist())",
        [join(dir, "b.npy")],
      );
      assert.equal(out.trim(), "[1, 2, 3, 5]");
    }
    const dir = group(false);
    editMember(dir, "b", (m) => (m.dtype = "<q9"));
    const before = folderSnapshot(dir);
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "damaged-group");
      assert.match(e.message, /group\.json has dtype "<q9" for member "b"/);
      assert.match(e.message, /set it to the dtype of the member's header/);
      return true;
    };
    assert.throws(() => NpyGroupReader.openSync(dir), refused);
    assert.throws(() => NpyGroupWriterSync.open(dir), refused);
    assert.throws(() => recoverGroupSync(dir), refused);
    assert.equal(folderSnapshot(dir), before);
  },
);

test("a group.json edited to name a stack member group.json or x.lock is refused as such, changing nothing", () => {
  for (const name of ["group.json", "a.lock", "a.lock.takeover"]) {
    const dir = group(true);
    editMember(dir, "b", (m) => {
      m.name = name;
      m.file = name;
    });
    const before = folderSnapshot(dir);
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "damaged-group");
      assert.ok(
        e.message.includes(`has a stack member named "${name}"`),
        e.message,
      );
      assert.match(e.message, /give the member another name/);
      return true;
    };
    assert.throws(() => NpyGroupReader.openSync(dir), refused);
    assert.throws(() => NpyGroupWriterSync.open(dir), refused);
    assert.throws(() => recoverGroupSync(dir), refused);
    assert.equal(folderSnapshot(dir), before);
  }
});

test(
  "a group reader following a group of files that is replaced (deleteIfExists) or whose member is replaced refuses at refresh, not following the old files for ever",
  numpyTestOptions(),
  async () => {
    const dir = group(false);
    using r = NpyGroupReader.openSync(dir);
    assert.equal(r.length, 3);
    {
      await using w = await NpyGroupWriter.open(dir, {
        members: { a: "<i4", b: "<i4" },
        deleteIfExists: true,
      });
      await w.append({ a: [7, 8, 9, 10], b: [7, 8, 9, 10] });
    }
    const changed = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "changed");
      assert.ok(e.message.includes(`"${join(dir, "a.npy")}"`), e.message);
      assert.match(e.message, /another file than the one the reader opened/);
      assert.match(e.message, /open it again/);
      return true;
    };
    assert.throws(() => r.refreshSync(), changed);
    await assert.rejects(r.refresh(), changed);
    // Opened again, it reads the new group, as NumPy does.
    using again = NpyGroupReader.openSync(dir);
    assert.deepEqual([...again.readSync().b!.data as Int32Array], [
      7,
      8,
      9,
      10,
    ]);
    assert.equal(
      runPython(
        "import sys, numpy as np; print(np.load(sys.argv[1]).tolist())",
        [
          join(dir, "b.npy"),
        ],
      ).trim(),
      "[7, 8, 9, 10]",
    );
    // One member saved again by another program (a new file renamed over it).
    runPython(
      "import sys, os, numpy as np; np.save(sys.argv[1] + '.tmp.npy', np.arange(4, dtype='<i4')); os.replace(sys.argv[1] + '.tmp.npy', sys.argv[1])",
      [join(dir, "b.npy")],
    );
    assert.throws(() => again.refreshSync(), (e) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "changed");
      assert.ok(e.message.includes(`"${join(dir, "b.npy")}"`), e.message);
      return true;
    });
  },
);

test("an NpyReader following a file made anew (deleteIfExists) or saved again refuses at refresh; one moved away still reads", async () => {
  const dir = tempDir();
  const path = join(dir, "x.npy");
  {
    using w = NpyAppendArraySync.open(path);
    w.append(Int32Array.of(1, 2, 3));
  }
  using r = NpyReader.openSync(path);
  {
    using w = NpyAppendArraySync.open(path, { deleteIfExists: true });
    w.append(Int32Array.of(7, 8, 9, 10));
  }
  const changed = (e: unknown) => {
    assert.ok(e instanceof NpyFormatError, String(e));
    assert.equal(e.code, "changed");
    assert.ok(e.message.includes(`"${path}"`), e.message);
    assert.match(e.message, /open it again/);
    return true;
  };
  assert.throws(() => r.refreshSync(), changed);
  await assert.rejects(r.refresh(), changed);
  using again = await NpyReader.open(path);
  assert.deepEqual([...again.readSync().data as Int32Array], [7, 8, 9, 10]);
  // Moved away (nothing at the path now): still the open file.
  renameSync(path, join(dir, "moved.npy"));
  assert.equal(again.refreshSync(), 4);
});

test("a group reader opened before the first append, the group then replaced with other dtypes: refresh says the group was replaced, not to fix group.json", async () => {
  for (const stack of [false, true]) {
    const dir = tempDir();
    const rot = stack ? { shardRows: 2 } : {};
    NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<i4" }, ...rot })
      .close();
    using r = NpyGroupReader.openSync(dir);
    {
      await using w = await NpyGroupWriter.open(dir, {
        members: { a: "<f8", b: "<f8" },
        deleteIfExists: true,
        ...rot,
      });
      await w.append({ a: [1.5], b: [2.5] });
    }
    assert.throws(() => r.refreshSync(), (e) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "changed");
      assert.ok(e.message.includes(`"${dir}"`), e.message);
      assert.match(e.message, /the group was replaced/);
      assert.match(e.message, /open the reader again/);
      return true;
    });
    using again = NpyGroupReader.openSync(dir);
    assert.deepEqual([...again.readSync().b!.data as Float64Array], [2.5]);
  }
});
