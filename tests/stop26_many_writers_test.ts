/**
 * Stop 26 (h4): many writers in one process (a logger per sensor, a
 * group or stack with many members) under a limit of open files.
 *
 * Found: each writer of a path kept three descriptors once it had
 * appended (the data file, its lock beside it, its lock by device and
 * inode in `/tmp`), a stack five (its folder's two locks, its live
 * shard's two and the shard), so under `ulimit -n 1024` (soft and hard: a
 * container's, a service's) Deno, Node and Bun held about 335 writers, 200
 * stacks, 300 members of a group of files and 187 of a group of stacks.
 * The lock by device and inode is never moved (`/tmp` is not renamed; its
 * name is the data file's identity), so its descriptor is now closed once
 * it is taken, and its release checks by name: the same device and inode,
 * then the same token (the inode may be another lock's if someone removed
 * this one), so a writer holds two descriptors, a stack three.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  linkSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop26_fds_child.ts", import.meta.url);

const linuxOnly = process.platform !== "linux"
  ? { skip: "/proc/self/fd and ulimit -n: Linux only here" }
  : {};

/** Descriptors this process holds. */
const descriptors = () => readdirSync("/proc/self/fd").length;

/** Deno writers' second cursors for their headers (see `_path_file_deno.ts`). */
const CURSORS = RUNTIME === "deno" ? 16 : 0;

const row = (i: number) => ({ data: Float64Array.of(i, -i), shape: [1, 2] });

/**
 * The locks of `path` by device and inode, in the system's temporary
 * folder: of its kind only (a file's `links`, a folder's `folder`), as a
 * lock of the other kind with the same numbers is another test's, whose
 * file or folder had the inode `path` now reuses.
 */
function locksById(path: string): string[] {
  const s = statSync(path);
  const kind = s.isDirectory() ? "folder" : "links";
  const tail = `-${s.dev}-${s.ino}.lock`;
  return readdirSync(tmpdir())
    .filter((n) =>
      n.startsWith(`npy-append-array-${kind}-`) && n.endsWith(tail)
    )
    .map((n) => join(tmpdir(), n));
}

test(
  "a writer holds two descriptors, a stack three, a group's member as many: locks by device and inode kept without one",
  linuxOnly,
  () => {
    const dir = tempDir();
    const before = descriptors();
    const writers: NpyAppendArraySync[] = [];
    for (let k = 0; k < 40; k++) {
      const w = NpyAppendArraySync.open(join(dir, `w${k}.npy`), {
        dtype: "<f8",
      });
      writers.push(w);
      for (let i = 0; i < 12; i++) w.append(row(i));
    }
    const files = descriptors() - before;
    assert.ok(files <= 2 * 40 + CURSORS, `40 writers hold ${files}`);
    // Still locked by device and inode: a hard link's writer is refused.
    assert.equal(locksById(join(dir, "w3.npy")).length, 1);
    linkSync(join(dir, "w3.npy"), join(dir, "hard.npy"));
    assert.throws(
      () => NpyAppendArraySync.open(join(dir, "hard.npy")),
      NpyLockedError,
    );
    unlinkSync(join(dir, "hard.npy"));
    // And a rename's (mv while held).
    renameSync(join(dir, "w4.npy"), join(dir, "moved.npy"));
    assert.throws(
      () => NpyAppendArraySync.open(join(dir, "moved.npy")),
      NpyLockedError,
    );
    const mark = descriptors();
    const stacks: NpyStackWriterSync[] = [];
    for (let k = 0; k < 20; k++) {
      const s = NpyStackWriterSync.open(join(dir, `s${k}`), {
        dtype: "<f8",
        shardRows: 5,
      });
      stacks.push(s);
      for (let i = 0; i < 12; i++) s.append(row(i));
    }
    const stackHeld = descriptors() - mark;
    assert.ok(stackHeld <= 3 * 20, `20 stacks hold ${stackHeld}`);
    const mark2 = descriptors();
    const members: Record<string, string> = {};
    const input: Record<string, unknown> = {};
    for (let k = 0; k < 30; k++) {
      members[`m${k}`] = "<f8";
      input[`m${k}`] = row(k);
    }
    const group = NpyGroupWriterSync.open(join(dir, "g"), { members });
    group.append(input as never);
    const stackGroup = NpyGroupWriterSync.open(join(dir, "gs"), {
      members,
      shardRows: 5,
    });
    for (let i = 0; i < 7; i++) stackGroup.append(input as never);
    const groupHeld = descriptors() - mark2;
    assert.ok(
      groupHeld <= 2 * 30 + 1 + 3 * 30 + 1,
      `groups of 30 files and 30 stacks hold ${groupHeld}`,
    );
    const idLocks = [
      ...locksById(join(dir, "w0.npy")),
      ...locksById(join(dir, "s0")),
      ...locksById(join(dir, "g", "m0.npy")),
      ...locksById(join(dir, "gs")),
    ];
    assert.equal(idLocks.length, 4);
    for (const w of [...writers, ...stacks, group, stackGroup]) w.close();
    assert.equal(descriptors(), before);
    // Nothing left behind: every lock by device and inode removed.
    for (const lock of idLocks) {
      assert.throws(() => statSync(lock), { code: "ENOENT" }, lock);
    }
    assert.deepEqual(readNpySync(join(dir, "moved.npy")).shape, [12, 2]);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(".lock")),
      [],
    );
  },
);

test(
  "a lock by device and inode that became another's (removed, its inode reused) is not removed at close",
  linuxOnly,
  () => {
    const dir = tempDir();
    const file = join(dir, "a.npy");
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append(row(0));
    const [lock] = locksById(file);
    assert.ok(lock !== undefined);
    // Someone else's record in the same inode (what a removal of this
    // one and a new lock given its inode number would leave).
    const theirs = readFileSync(lock, "utf8").replace(
      /"token":"[0-9a-f]+"/,
      `"token":"0123456789abcdef"`,
    );
    writeFileSync(lock, theirs);
    try {
      w.close();
      assert.equal(readFileSync(lock, "utf8"), theirs);
    } finally {
      try {
        unlinkSync(lock);
      } catch {
        // gone
      }
    }
  },
);

/** The child's lines under `ulimit -n 1024` (soft and hard). */
function underLimit(dir: string, kind: string): string[] {
  const [cmd, args] = scriptCommand(CHILD);
  const r = spawnSync(
    "sh",
    ["-c", 'ulimit -n 1024; exec "$0" "$@"', cmd, ...args, dir, kind],
    { encoding: "utf8", timeout: 300_000 },
  );
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.at(-1), "done", r.stdout + r.stderr);
  return lines;
}

for (
  const [kind, least] of [["files", 480], ["stacks", 310], [
    "group",
    450,
  ]] as const
) {
  test(
    `under ulimit -n 1024, ${least} or more ${
      kind === "group" ? "group members" : kind
    } open at once; the next fails typed and clean`,
    linuxOnly,
    () => {
      const dir = tempDir();
      const lines = underLimit(dir, kind);
      const fit = Number(lines[0]!.replace(/^fit /, ""));
      assert.ok(fit >= least, lines.join("\n"));
      const e = JSON.parse(lines[1]!.replace(/^err /, ""));
      assert.equal(e.code, "EMFILE", lines[1]);
      assert.match(e.message, /ulimit -n/);
      // Nothing left behind: no lock, temporary or record in the folder
      // or its subfolders, none by device and inode.
      const left: string[] = [];
      const walk = (d: string) => {
        for (const ent of readdirSync(d, { withFileTypes: true })) {
          if (ent.isDirectory()) walk(join(d, ent.name));
          else if (!/\.npy(\.part)?$|^info$|^group\.json$/.test(ent.name)) {
            left.push(join(d, ent.name));
          }
        }
      };
      walk(dir);
      assert.deepEqual(left, []);
      if (kind === "files") {
        for (const k of [0, fit - 1]) {
          assert.deepEqual(readNpySync(join(dir, `w${k}.npy`)).shape, [1, 2]);
          assert.deepEqual(locksById(join(dir, `w${k}.npy`)), []);
        }
      }
    },
  );
}
