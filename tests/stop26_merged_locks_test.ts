/**
 * Stop 26 (h8): the merged lock changes attacked together: h3's reuse of
 * a dead hold's file on a full disk, h4's lock by device and inode without
 * a descriptor, h5's `<lock>.claim` under which a stale takeover guard is
 * removed. Each case: a writer killed (its lock left), takers killed at
 * chosen steps (their guard or claim left), then a full disk; `recover`
 * and the next open must work, NumPy must read every acknowledged row
 * once, and nothing but the file may be left.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyLockedError,
  recover,
  recoverSync,
} from "../mod.ts";
import { EMPTY_LOCK_GRACE_MS } from "../src/_lock.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";
import {
  CHILD,
  killedWriter,
  onlyFile,
  recoverFolderOnFullDisk,
  verdict,
} from "./_full_disk_killed.ts";
import { fillDisk, fillInodes, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

/** Waits `ms` (blocking: the checks are synchronous). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// A taker killed while it held the takeover guard (and, with `claim`, a
// second one killed while it held the guard's claim) left its record
// there: the dead writer's text stands for a dead taker's record.
for (const left of ["guard", "guard+claim", "claim", "guard (large folder)"]) {
  for (const full of ["blocks", "inodes"]) {
    for (const how of ["sync", "async"]) {
      test(
        `stop 26 (h8): recover (${how}) on a disk out of ${full} with a killed taker's ${left} left`,
        tmpfsTestOptions(120_000),
        withTmpfs(
          full === "blocks"
            ? "size=2m"
            : `size=8m,nr_inodes=${left.includes("large") ? 2000 : 64}`,
          async (root) => {
            const path = killedWriter(root, "plain");
            const lock = `${path}.lock`;
            // A folder too large to list at every lock: takers mark their
            // temporaries in slots (symlinks, new files too).
            const many = left.includes("large") ? 1000 : 0;
            for (let i = 0; i < many; i++) {
              writeFileSync(join(root, `m${i}`), "");
            }
            if (left.includes("guard")) {
              copyFileSync(lock, `${lock}.takeover`);
            }
            if (left.includes("claim")) copyFileSync(lock, `${lock}.claim`);
            const freeInodes = full === "inodes" ? fillInodes(root) : null;
            if (full === "blocks") fillDisk(root);
            assert.equal(
              how === "sync" ? recoverSync(path) : await recover(path),
              true,
            );
            assert.equal(verdict(path, "plain"), "right");
            onlyFile(root, /^m\d+$/);
            // The next open on the still full disk works too.
            const w = NpyAppendArraySync.open(path);
            assert.equal(w.shape[0], 1500);
            w.close();
            onlyFile(root, /^m\d+$/);
            freeInodes?.();
            assert.equal(readFileSync(path).length > 6000, true);
          },
        ),
      );
    }
  }
}

// `recover` killed at every file call on the full disk, with the killed
// taker's guard left (its claim made of the guard's own file), then
// `recover` again on the still full disk.
for (const full of ["blocks", "inodes"]) {
  test(
    `stop 26 (h8): recover killed at every file call on a disk out of ${full}, a killed taker's guard left, then recover again`,
    tmpfsTestOptions(600_000),
    withTmpfs(
      full === "blocks" ? "size=2m" : "size=8m,nr_inodes=64",
      (root) => {
        const path = killedWriter(root, "plain");
        copyFileSync(`${path}.lock`, `${path}.lock.takeover`);
        const saved = readdirSync(root).map((n) =>
          [n, readFileSync(join(root, n))] as const
        );
        let through = false;
        for (const k of killPoints(1, 200)) {
          for (const f of readdirSync(root)) rmSync(join(root, f));
          for (const [n, bytes] of saved) writeFileSync(join(root, n), bytes);
          if (full === "blocks") fillDisk(root);
          else fillInodes(root);
          through = runKilledAt(CHILD, k, "recover", path).through;
          // Killed between the O_EXCL fallback's create and its write (a
          // link needs an inode of its own on tmpfs): an empty lock, guard
          // or claim is busy for EMPTY_LOCK_GRACE_MS (a live taker may be
          // writing it), then stale.
          const torn = ["", ".takeover", ".claim"].some((end) => {
            const f = `${path}.lock${end}`;
            return existsSync(f) && statSync(f).size === 0;
          });
          if (torn) sleepMs(EMPTY_LOCK_GRACE_MS + 100);
          assert.equal(recoverSync(path), true, `kill after call ${k}`);
          assert.equal(verdict(path, "plain"), "right", `kill after call ${k}`);
          onlyFile(root, /^m\d+$/);
          if (through) break;
        }
        assert.ok(through, "recover never got through");
      },
    ),
  );
}

/**
 * Runs `run` with `act` done just before the first rename or link (node:fs,
 * and Deno's own) of `from` onto `to`.
 */
function beforePlacing(
  from: string,
  to: string,
  act: () => void,
  run: () => void,
): boolean {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    unknown
  >;
  const owners: Array<[Record<string, unknown>, string]> = [
    [fs, "renameSync"],
    [fs, "linkSync"],
  ];
  if (deno !== undefined) {
    owners.push([deno, "renameSync"], [deno, "linkSync"]);
  }
  const saved = owners.map(([o, k]) => o[k]);
  let fired = false;
  for (const [owner, name] of owners) {
    const real = owner[name] as (a: string, b: string) => void;
    owner[name] = function (this: unknown, a: string, b: string) {
      if (!fired && String(a) === from && String(b) === to) {
        fired = true;
        act();
      }
      return real.call(this, a, b);
    };
  }
  try {
    run();
  } finally {
    owners.forEach(([o, k], i) => (o[k] = saved[i]));
  }
  return fired;
}

// A taker on a full disk whose takeover guard is renamed onto the free
// lock name (removing the stale lock freed no block: it had a second
// name): a live writer that made the lock between the look and the
// rename must keep it (a rename replaces what is at its target).
test(
  "stop 26 (h8): a lock made by a live writer just before a full disk's taker makes its guard the lock stays theirs",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m", (root) => {
    const path = killedWriter(root, "plain");
    const lock = `${path}.lock`;
    const dead = JSON.parse(readFileSync(lock, "utf8")).pid;
    // The stale lock's second name: a dead taker's temporary.
    linkSync(lock, `${lock}.${dead}.0123456789abcdef.new`);
    // A live holder's record (this process's, another token), ready.
    const other = join(root, "other.npy");
    const live = NpyAppendArraySync.open(other);
    const liveText = readFileSync(`${other}.lock`, "utf8");
    const ready = join(root, "ready.lock");
    writeFileSync(ready, liveText);
    fillDisk(root, 4096);
    let got: unknown = null;
    const fired = beforePlacing(
      `${lock}.takeover`,
      lock,
      () => linkSync(ready, lock),
      () => {
        try {
          recoverSync(path);
        } catch (e) {
          got = e;
        }
      },
    );
    try {
      assert.ok(fired, "the guard was not placed at the lock");
      assert.equal(readFileSync(lock, "utf8"), liveText);
      assert.ok(got instanceof NpyLockedError, String(got));
    } finally {
      live.close();
    }
  }),
);

// A taker killed between creating its record's temporary and writing it
// (`<lock>.<pid>.<token>.new`, empty), the lock already removed, on a disk
// then full: the temporary's name says its taker is dead, so it is reused
// at once (before, judged by its empty text, it was "being written" for
// EMPTY_LOCK_GRACE_MS and `recover` said no lock was left to reuse).
// Out of inodes (out of blocks, an empty file has no block to give).
for (const full of ["inodes"]) {
  test(
    `stop 26 (h8): a killed taker's empty temporary is reused at once on a disk out of ${full}`,
    tmpfsTestOptions(120_000),
    withTmpfs(
      "size=8m,nr_inodes=64",
      (root) => {
        const path = killedWriter(root, "plain");
        const lock = `${path}.lock`;
        const dead = JSON.parse(readFileSync(lock, "utf8")).pid;
        rmSync(lock);
        writeFileSync(`${lock}.${dead}.0123456789abcdef.new`, "");
        fillInodes(root);
        assert.equal(recoverSync(path), true);
        assert.equal(verdict(path, "plain"), "right");
        onlyFile(root, /^m\d+$/);
      },
    ),
  );
}

// The same full disk without a rival: the guard linked as the lock, its
// own name removed, and nothing left once `recover` is done.
test(
  "stop 26 (h8): a full disk's taker whose stale lock had a second name makes its guard the lock",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m", (root) => {
    const path = killedWriter(root, "plain");
    const lock = `${path}.lock`;
    const dead = JSON.parse(readFileSync(lock, "utf8")).pid;
    linkSync(lock, `${lock}.${dead}.0123456789abcdef.new`);
    fillDisk(root, 4096);
    const fired = beforePlacing(`${lock}.takeover`, lock, () => {}, () => {
      assert.equal(recoverSync(path), true);
    });
    assert.ok(fired, "the guard was not placed at the lock");
    assert.equal(verdict(path, "plain"), "right");
    onlyFile(root, /^m\d+$/);
    const w = NpyAppendArraySync.open(path);
    assert.equal(w.shape[0], 1500);
    w.close();
    onlyFile(root, /^m\d+$/);
  }),
);

// An empty stale guard (a taker killed in the O_EXCL fallback, long ago)
// on a disk out of blocks: its file has no block to become the claim. The
// error names the file and the room, not the claim's temporary name, and
// nothing is changed.
test(
  "stop 26 (h8): an empty stale guard on a disk out of blocks: the full disk's words, nothing changed",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m", (root) => {
    const path = killedWriter(root, "plain");
    const guard = `${path}.lock.takeover`;
    writeFileSync(guard, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    fillDisk(root);
    const before = readdirSync(root).sort();
    assert.throws(() => recoverSync(path), (e: Error) => {
      assert.equal((e as { code?: string }).code, "ENOSPC");
      assert.ok(e.message.startsWith(`Cannot recover "${path}"`), e.message);
      assert.match(e.message, /the file is unchanged/);
      assert.doesNotMatch(e.message, /\.stale/);
      return true;
    });
    assert.deepEqual(readdirSync(root).sort(), before);
  }),
);

// A group and a stack killed, a taker of each of their locks (the
// folder's, the members' or the live shard's) killed too, then a full
// disk: `recoverGroup` / `recoverStack` and the next open.
for (const kind of ["group", "stack"]) {
  test(
    `stop 26 (h8): recover a ${kind} on a full disk with a killed taker's guard at each lock`,
    tmpfsTestOptions(120_000),
    withTmpfs("size=2m", (root) => {
      const dir = join(root, "g");
      const r = spawnSync(CHILD[0], [...CHILD[1], kind, dir], {
        encoding: "utf8",
      });
      assert.equal(r.signal, "SIGKILL", r.stderr);
      let guards = 0;
      for (const d of [root, dir]) {
        for (const n of readdirSync(d).filter((n) => n.endsWith(".lock"))) {
          copyFileSync(join(d, n), join(d, `${n}.takeover`));
          guards++;
        }
      }
      assert.ok(guards >= 2, `${guards} locks`);
      fillDisk(root);
      recoverFolderOnFullDisk(root, dir, kind);
      assert.deepEqual(readdirSync(root).sort(), ["filler", "g"]);
    }),
  );
}
