/**
 * Stop 24 (h2): an atomic writer killed after its first append to a new
 * file leaves a record saying it created the file; the next open (or
 * `recover`) empties and removes the file at the name. Another program's
 * file moved onto the name since (a user putting a backup back: `mv
 * backup.npy x.npy`) was emptied and removed instead, its data lost. The
 * record now names the file the writer made (device and inode, written
 * right after the creation): only that file is rolled back; another file
 * at the name stays, byte for byte. Without another program the made file
 * still goes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, recoverSync } from "../mod.ts";
import { npSaveBytes, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop24_killed_atomic_child.ts", import.meta.url);

/** Runs the child on `path`; it must end killed. */
function killedAppend(path: string, kind: "sync" | "async"): void {
  const [cmd, args] = scriptCommand(CHILD);
  const r = spawnSync(cmd, [...args, path, kind], { encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL", r.stderr);
  assert.ok(existsSync(path), "the child made the file");
}

for (const kind of ["sync", "async"] as const) {
  for (const how of ["open", "recover"] as const) {
    test(`a ${kind} atomic writer killed after creating its file: ${how} keeps a file moved onto the name`, () => {
      const dir = tempDir();
      const path = join(dir, "x.npy");
      killedAppend(path, kind);
      const backup = join(dir, "backup.npy");
      const theirs = npSaveBytes("np.arange(10, dtype='<i8')");
      writeFileSync(backup, theirs);
      renameSync(backup, path);
      if (how === "open") NpyAppendArraySync.open(path).close();
      else recoverSync(path);
      assert.ok(existsSync(path), "another program's file removed");
      assert.deepEqual(new Uint8Array(readFileSync(path)), theirs);
    });

    test(`a ${kind} atomic writer killed after creating its file: ${how} still removes that file`, () => {
      const dir = tempDir();
      const path = join(dir, "x.npy");
      killedAppend(path, kind);
      if (how === "open") NpyAppendArraySync.open(path).close();
      else recoverSync(path);
      assert.equal(existsSync(path), false);
    });
  }
}
