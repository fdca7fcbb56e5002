/**
 * Stop 26 (h3): a copy of a file taken while an in-place
 * `ensureAppendable` moved its data (byte 0 of the magic zeroed, see
 * `src/_moving_magic.ts`), without its change record `<file>.journal`.
 * The move's progress is only in that record: without it the moved and
 * unmoved bytes cannot be told apart. Every call refuses the copy and
 * leaves it unchanged; the words said "run recover" on it, which refused
 * with the same words. Now they say what the copy lacks and the two ways
 * out (the record copied beside it, or the original recovered and copied
 * again); the first of them gets the right values back.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";
import { runPython, tempDir } from "./_numpy.ts";

const CHILD = scriptCommand(
  new URL("./_stop26_full_disk_child.ts", import.meta.url),
);

test("stop 26: a copy taken mid-move without its change record: refused, unchanged, and the words say what it lacks", async () => {
  const root = tempDir();
  const original = join(root, "x.npy");
  writeFileSync(original, oldNpyBytes(ramp(50_000)));
  const r = spawnSync(CHILD[0], [...CHILD[1], "moved", original]);
  assert.equal(r.signal, "SIGKILL", String(r.stderr));
  const copies = join(root, "copies");
  mkdirSync(copies);
  const copy = join(copies, "x.npy");
  copyFileSync(original, copy);
  const before = readFileSync(copy);
  assert.equal(before[0], 0);
  const calls: Array<[string, () => unknown]> = [
    ["recover", () => recoverSync(copy)],
    ["recover", () => recover(copy)],
    ["read", () => readNpySync(copy)],
    ["open", () => NpyAppendArraySync.open(copy)],
    ["rewrite", () => ensureAppendableSync(copy)],
  ];
  for (const [verb, call] of calls) {
    await assert.rejects(async () => await call(), (e: Error) => {
      assert.ok(e instanceof NpyFormatError, verb);
      assert.equal((e as NpyFormatError).code, "needs-recovery");
      assert.match(e.message, new RegExp(`^Cannot ${verb} ".*x\\.npy"`));
      assert.match(
        e.message,
        /A copy of the file taken meanwhile needs that record copied beside it too/,
      );
      assert.match(e.message, /recover the original instead and copy it again/);
      return true;
    });
    assert.deepEqual(readFileSync(copy), before, verb);
  }
  assert.match(
    runPython(
      "import sys, numpy as np\ntry:\n    np.load(sys.argv[1])\nexcept Exception:\n    print('refused')",
      [copy],
    ),
    /refused/,
  );
  // The record copied beside it: recover finishes the move.
  copyFileSync(`${original}.journal`, `${copy}.journal`);
  assert.equal(recoverSync(copy), true);
  const got = readNpySync(copy);
  assert.deepEqual(got.shape, [50_000]);
  assert.deepEqual(got.data, ramp(50_000));
});
