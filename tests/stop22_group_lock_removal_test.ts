/**
 * Stop 22 (h3): a group's open whose member lock cannot be removed.
 *
 * A group writer's open counts each member's rows, then cuts each (to the
 * rows all hold) under that member's lock, then opens the member. An `EIO` on
 * the `unlink` of a member's lock file (injected with strace: a disk
 * failing) failed the whole open with "Cannot remove the lock file
 * ".../y.npy.lock" after the recover of ".../y.npy" ...; the recover
 * itself finished": a recover the user never called, and the group not
 * opened although its count was done and nothing was lost. Now the open
 * goes on (the member's writer, opened next in the same process, takes
 * the lock over and removes it at close), and `recoverGroup` finishes
 * every member's cut before it says, as a file's close does, that the
 * recover finished and the lock file is left. The reader takes no lock.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyGroupWriterSync } from "../mod.ts";
import {
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 120_000, ...straceOptions, ...numpyTestOptions() };
const CLOSE_CHILD = new URL("./_stop21_close_child.ts", import.meta.url);
const CHILD = new URL("./_stop22_group_lock_child.ts", import.meta.url);

/** A group `x`, `y` (`<f8`) of rows 0, 1, 2; `ahead`: `y` a row more. */
function group(ahead: boolean): string {
  const dir = join(tempDir(), "gr");
  const w = NpyGroupWriterSync.open(dir, { members: { x: "<f8", y: "<f8" } });
  w.append({ x: new Float64Array([0, 1, 2]), y: new Float64Array([0, 1, 2]) });
  w.close();
  if (ahead) {
    const y = NpyAppendArraySync.open(join(dir, "y.npy"));
    y.append(new Float64Array([9]));
    y.close();
  }
  return dir;
}

function failing(child: URL, args: string[], lock: string, when: number) {
  const out = straceFailing(child, args, {
    paths: [lock],
    calls: ["unlink", "unlinkat"],
    error: "EIO",
    when,
  });
  return out.split("\n").filter((l) => l !== "");
}

function values(dir: string): number[][] {
  return npLoadJsonMany([join(dir, "x.npy"), join(dir, "y.npy")]).map((a) =>
    a.values as number[]
  );
}

function noLockLeft(dir: string): void {
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes("lock")), []);
  assert.equal(existsSync(`${dir}.lock`), false);
}

// A writer's open cuts each member (x, then y) under its lock (the
// count before reads without one), then opens the members' writers.
for (
  const [name, lock, ahead] of [
    ["x's cut", "x.npy.lock", false],
    ["y's cut", "y.npy.lock", false],
    ["y's cut, y a row ahead", "y.npy.lock", true],
  ] as const
) {
  test(
    `stop 22: a group writer's open goes on when a member's lock removal fails (${name})`,
    OPTS,
    () => {
      const dir = group(ahead);
      const lines = failing(CLOSE_CHILD, ["group", dir], join(dir, lock), 1);
      assert.deepEqual(lines, ["ack", "closed", "done"]);
      assert.deepEqual(values(dir), [[0, 1, 2, 3], [0, 1, 2, 3]]);
      noLockLeft(dir);
      const next = NpyGroupWriterSync.open(dir);
      next.append({ x: new Float64Array([4]), y: new Float64Array([4]) });
      next.close();
      assert.deepEqual(values(dir), [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
    },
  );
}

/** A stack member's rows as NumPy reads its shards (sealed, then live). */
function stackValues(dir: string): string {
  return runPython(
    `import numpy as np, os, re, sys
d = sys.argv[1]
fs = sorted((f for f in os.listdir(d) if re.fullmatch(r"[0-9]+\\.npy(\\.part)?", f)), key=lambda f: int(f.split(".")[0]))
print(np.concatenate([np.load(os.path.join(d, f)) for f in fs]).tolist())`,
    [dir],
  ).trim();
}

test(
  "stop 22: a group of stacks' open goes on when a member's lock removal fails",
  OPTS,
  () => {
    const dir = join(tempDir(), "gs");
    const w = NpyGroupWriterSync.open(dir, {
      members: { x: "<f8", y: "<f8" },
      shardRows: 2,
    });
    w.append({
      x: new Float64Array([0, 1, 2]),
      y: new Float64Array([0, 1, 2]),
    });
    w.close();
    // y's count opens it as recoverStack does, under y.lock.
    const lines = failing(CLOSE_CHILD, ["group", dir], join(dir, "y.lock"), 1);
    assert.deepEqual(lines, ["ack", "closed", "done"]);
    for (const m of ["x", "y"]) {
      assert.equal(stackValues(join(dir, m)), "[0.0, 1.0, 2.0, 3.0]");
    }
    noLockLeft(dir);
  },
);

test(
  "stop 22: recoverGroup cuts every member, then says the lock file was left",
  OPTS,
  () => {
    const dir = group(true);
    // x's cut, the first: before, recoverGroup stopped there, y a row ahead.
    const lines = failing(CHILD, ["recover", dir], join(dir, "x.npy.lock"), 1);
    assert.equal(lines.at(-1), "done");
    const err = lines.find((l) => l.startsWith("err "));
    assert.ok(err !== undefined, lines.join("\n"));
    const e = JSON.parse(err.slice(4));
    assert.equal(e.code, "EIO", e.message);
    assert.ok(e.message.includes(`"${join(dir, "x.npy.lock")}"`), e.message);
    assert.ok(e.message.includes(`after the recover of "${dir}"`), e.message);
    assert.match(e.message, /the recover itself finished/);
    assert.match(e.message, /Remove the lock file, or leave it/);
    assert.deepEqual(values(dir), [[0, 1, 2], [0, 1, 2]]);
    noLockLeft(dir); // removed again at the child's exit
  },
);

test("stop 22: a group reader takes no member lock", OPTS, () => {
  const dir = group(false);
  const lines = failing(CHILD, ["read", dir], join(dir, "y.npy.lock"), 1);
  assert.deepEqual(lines, ["rows 3", "done"]);
});
