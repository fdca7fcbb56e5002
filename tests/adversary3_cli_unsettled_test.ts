/**
 * Adversary round 3: a file left with an unfinished change record (an
 * atomic writer or a CLI `concat` killed part-way, an in-place
 * `ensure-appendable` killed during the move). Readers refuse it and say
 * to run recover; the CLI's `recover` and `ensure-appendable` read the
 * header first with a reader and so refused it too, leaving a CLI user no
 * command that repairs it. They now settle the change (through the
 * library, which finishes or rolls it back) and say so.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  isAppendableSync,
  needsRecoverySync,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

/**
 * A file with an unfinished record of `what` (`atomic` or `shift`):
 * `setup` then the change killed after its Nth file call, for the first N
 * that leaves a record. (Not a sweep: it stops at the first such N, a
 * handful of points in, so every runtime runs all of them; killPoints
 * would only skip the state it looks for.)
 */
function unsettled(what: string, setup: (path: string) => void): string {
  const root = tempDir();
  for (let n = 1; n < 200; n++) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, "x.npy");
    setup(path);
    spawnSync(CHILD[0], [...CHILD[1], "killat", String(n), what, path]);
    if (existsSync(`${path}.journal`) && needsRecoverySync(path)) return path;
  }
  throw new Error(`no kill of ${what} left a record`);
}

function atomicFile(path: string): void {
  const w = NpyAppendArraySync.open(path);
  w.append(ramp(1000));
  w.close();
}

function oldFile(path: string): void {
  writeFileSync(path, oldNpyBytes(ramp(1000)));
}

describe("the CLI on a file with an unfinished change", () => {
  test("recover rolls back a killed atomic append", numpyTestOptions(), () => {
    const path = unsettled("atomic", atomicFile);
    const r = cli(["recover", path], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout + r.stderr,
      /an unfinished change settled; shape \(1000,\)/,
    );
    assert.equal(existsSync(`${path}.journal`), false);
    assert.deepEqual(npLoadJson(path).values, [...ramp(1000)]);
  });

  test("recover finishes a killed in-place ensure-appendable", () => {
    const path = unsettled("shift", oldFile);
    const r = cli(["recover", path], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(existsSync(`${path}.journal`), false);
    assert.deepEqual(readNpySync(path).data, ramp(1000));
  });

  test("ensure-appendable --inplace run again after a kill: finished, appendable", () => {
    const path = unsettled("shift", oldFile);
    const r = cli(["ensure-appendable", "--inplace", path], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(isAppendableSync(path), true);
    assert.equal(existsSync(`${path}.journal`), false);
    assert.deepEqual(readNpySync(path).data, ramp(1000));
  });

  test("ensure-appendable (by copy) on a killed atomic append: rolled back, left appendable", () => {
    const path = unsettled("atomic", atomicFile);
    const r = cli(["ensure-appendable", path], ALL_PERMISSIONS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(existsSync(`${path}.journal`), false);
    assert.deepEqual(readNpySync(path).data, ramp(1000));
  });
});
