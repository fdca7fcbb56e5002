/**
 * Adversary round 3: a writer killed right after creating its file (the
 * `open` of the first append, before any byte) leaves an empty file. The
 * writers start such a file afresh, but `isAppendable`, `needsRecovery`,
 * `recover` and `ensureAppendable` threw "too short for the header", so
 * the README's `openForAppend` recipe and a `recover` run after the crash
 * failed. They now leave it alone: appendable, needing no recovery.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendable,
  ensureAppendableSync,
  isAppendable,
  isAppendableSync,
  MemoryFile,
  needsRecovery,
  needsRecoverySync,
  NpyAppendArray,
  recover,
  recoverSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

/** The README's recipe (Recovery section). */
async function openForAppend(path: string): Promise<NpyAppendArray> {
  if (!(await isAppendable(path))) await ensureAppendable(path);
  if (await needsRecovery(path)) await recover(path);
  return await NpyAppendArray.open(path);
}

test(
  "the README's openForAppend on a file a killed first append left empty",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    try {
      const path = join(dir, "out.npy");
      writeFileSync(path, "");
      const npy = await openForAppend(path);
      await npy.append([[7, 8]]);
      await npy.close();
      const got = npLoadJson(path);
      assert.deepEqual(got.shape, [1, 2]);
      assert.deepEqual(got.values, [7, 8]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("maintenance on an empty path: appendable, no recovery, left as it is", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "e.npy");
    writeFileSync(path, "");
    assert.equal(isAppendableSync(path), true);
    assert.equal(needsRecoverySync(path), false);
    assert.equal(recoverSync(path), true);
    assert.equal(recoverSync(path, { zerofillIncomplete: true }), true);
    assert.equal(ensureAppendableSync(path), true);
    assert.equal(ensureAppendableSync(path, { inplace: true }), true);
    assert.equal(await recover(path), true);
    assert.equal(await ensureAppendable(path, { inplace: true }), true);
    assert.equal(statSync(path).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("maintenance on an empty file object, sync and async", async () => {
  const file = new MemoryFile();
  assert.equal(isAppendableSync(file), true);
  assert.equal(needsRecoverySync(file), false);
  assert.equal(await isAppendable(file), true);
  assert.equal(await needsRecovery(file), false);
  assert.equal(recoverSync(file), true);
  assert.equal(await ensureAppendable(file, { inplace: true }), true);
  assert.equal(file.sizeSync(), 0);
});

test("the CLI's recover and ensure-appendable on an empty file: exit 0, file unchanged", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "e.npy");
    writeFileSync(path, "");
    const [cmd, args] = scriptCommand(new URL("../cli.ts", import.meta.url));
    for (const sub of [["recover"], ["ensure-appendable"]]) {
      const r = spawnSync(cmd, [...args, ...sub, path], { encoding: "utf8" });
      assert.equal(r.status, 0, `${sub}: ${r.stderr}`);
    }
    assert.equal(readFileSync(path).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
