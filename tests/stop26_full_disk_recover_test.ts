/**
 * Stop 26 (h3): `recover` after a writer was killed on a disk that then
 * filled (its change record may have taken the last blocks). The undo
 * (cut back to the acknowledged rows, restore a header, finish a move)
 * needs no new space, but `recover` first takes the file's lock, and
 * taking over the dead writer's lock created a guard and a new record:
 * `ENOSPC` until space was freed. Now the dead hold's own file is reused
 * (`src/_lock_reuse.ts`); with no lock file left to reuse, the error says
 * that the file is unchanged and what the lock needs. Also `recover`
 * killed at every file call on the full disk, then run again.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  linkSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { ints, killPoints, runKilledAt } from "./_kill_at.ts";
import { ramp } from "./_journal_files.ts";
import {
  CHILD,
  killedWriter,
  onlyFile,
  recoverFolderOnFullDisk,
  verdict,
  WANT,
} from "./_full_disk_killed.ts";
import { fillDisk, fillInodes, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

for (const kind of ["atomic", "plain", "shift", "moved"]) {
  for (const full of ["blocks", "inodes"]) {
    for (const how of ["sync", "async"]) {
      test(
        `stop 26: recover (${how}) after a ${kind} writer was killed, on a disk out of ${full}, needs no new space`,
        tmpfsTestOptions(120_000),
        withTmpfs(
          full === "blocks" ? "size=2m" : "size=8m,nr_inodes=64",
          async (root) => {
            const path = killedWriter(root, kind);
            assert.ok(readdirSync(root).includes("x.npy.lock"));
            const freeInodes = full === "inodes" ? fillInodes(root) : null;
            if (full === "blocks") fillDisk(root);
            assert.equal(
              how === "sync" ? recoverSync(path) : await recover(path),
              true,
            );
            assert.equal(verdict(path, kind), "right");
            onlyFile(root);
            // The next open works (the lock's block is free again), and
            // appends once there is room.
            // (A move undone leaves the old header: rewritten first, below.)
            if (kind !== "shift") NpyAppendArraySync.open(path).close();
            freeInodes?.();
            rmSync(join(root, "filler"), { force: true });
            if (kind === "shift") ensureAppendableSync(path);
            const w = NpyAppendArraySync.open(path);
            w.append(
              WANT[kind]!.includes("*") ? ramp(1, 50_000) : ints(1500, 1),
            );
            w.close();
            const rows = readNpySync(path).shape[0];
            assert.equal(
              rows,
              { atomic: 1001, plain: 1501, shift: 50_001, moved: 50_001 }[kind],
            );
          },
        ),
      );
    }
  }
}

test(
  "stop 26: recover on a full disk with no lock left to reuse says the file is unchanged and what the lock needs",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m,nr_inodes=64", async (root) => {
    const path = killedWriter(root, "atomic");
    rmSync(`${path}.lock`);
    fillDisk(root);
    const freeInodes = fillInodes(root);
    const before = readFileSync(path);
    const record = readFileSync(`${path}.journal`);
    for (const run of [() => recoverSync(path), () => recover(path)]) {
      await assert.rejects(async () => await run(), (e: Error) => {
        assert.equal((e as { code?: string }).code, "ENOSPC");
        assert.match(e.message, /^Cannot recover ".*x\.npy": ENOSPC/);
        assert.match(
          e.message,
          /the file is unchanged: its lock ".*x\.npy\.lock" needs a free inode and one block \(4096 bytes\)/,
        );
        return true;
      });
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readFileSync(`${path}.journal`), record);
    }
    freeInodes();
    truncateSync(
      join(root, "filler"),
      statSync(join(root, "filler")).size - 4096,
    );
    assert.equal(recoverSync(path), true);
    assert.equal(verdict(path, "atomic"), "right");
    onlyFile(root);
  }),
);

test(
  "stop 26: a stale lock whose removal frees no block (a second name a killed recover left) on a disk with one free block: its guard becomes the lock",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m", (root) => {
    const path = killedWriter(root, "atomic");
    // A killed taker's claimed name of the same file (pid 4194304 is past
    // Linux's largest: dead).
    linkSync(`${path}.lock`, `${path}.lock.4194304.0123456789abcdef.stale`);
    fillDisk(root, 4096);
    assert.equal(recoverSync(path), true);
    assert.equal(verdict(path, "atomic"), "right");
    onlyFile(root);
  }),
);

for (const kind of ["group", "stack"]) {
  test(
    `stop 26: recoverGroup / recoverStack after a ${kind} writer was killed on a full disk, and the next open`,
    tmpfsTestOptions(120_000),
    withTmpfs("size=2m", (root) => {
      const dir = join(root, "g");
      const r = spawnSync(CHILD[0], [...CHILD[1], kind, dir], {
        encoding: "utf8",
      });
      assert.equal(r.signal, "SIGKILL", r.stderr);
      fillDisk(root);
      recoverFolderOnFullDisk(root, dir, kind);
    }),
  );
}

for (const kind of ["atomic", "moved"]) {
  test(
    `stop 26: recover killed at every file call on a full disk (after a ${kind} writer's kill), then recover again`,
    tmpfsTestOptions(600_000),
    withTmpfs("size=2m", (root) => {
      const path = killedWriter(root, kind);
      const saved = readdirSync(root).map((n) =>
        [n, readFileSync(join(root, n))] as const
      );
      let through = false;
      for (const k of killPoints(1, 200)) {
        for (const f of readdirSync(root)) rmSync(join(root, f));
        for (const [n, bytes] of saved) writeFileSync(join(root, n), bytes);
        fillDisk(root);
        through = runKilledAt(CHILD, k, "recover", path).through;
        const v = verdict(path, kind);
        assert.notEqual(v, "wrong", `kill after call ${k}`);
        // Still on the full disk: recover again.
        assert.equal(recoverSync(path), true, `kill after call ${k}`);
        assert.equal(verdict(path, kind), "right", `kill after call ${k}`);
        onlyFile(root);
        if (through) break;
      }
      assert.ok(through, "recover never got through");
    }),
  );
}
