/**
 * Adversary round 13: another program replaces a file while an `atomic:
 * true` writer holds it (renames another `.npy` over it, or writes one to
 * its name, as `np.save` does without looking at locks), and the writer
 * is then killed. Its change record stays beside the new file, and the
 * next open or `recover` rolled it back onto the new file: the old header
 * (10 int32 rows) over a float64 file of 2 rows, the file extended with
 * zeros; `readNpy` then read int32 garbage, with no error. Now a record
 * whose file is shorter than before the change, not a `.npy` file, or of
 * another layout is refused (`NpyFormatError` code `changed`, naming the
 * record to remove), and nothing is changed.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { runKilledAt } from "./_kill_at.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_adversary13_child.ts", import.meta.url),
);

/** A file of 10 int32 rows, and `other` holding `replacement`'s bytes. */
function setUp(dir: string, replacement: Uint8Array): string {
  const path = join(dir, "x.npy");
  const w = NpyAppendArraySync.open(path);
  w.append(Int32Array.from({ length: 10 }, (_, i) => i));
  w.close();
  writeFileSync(`${path}.other`, replacement);
  return path;
}

function npyOf(values: Float64Array | Int32Array | Uint8Array): Uint8Array {
  const dir = tempDir();
  try {
    const p = join(dir, "r.npy");
    const w = NpyAppendArraySync.open(p);
    w.append(values);
    w.close();
    return new Uint8Array(readFileSync(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FOREIGN = (e: unknown) => {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "changed");
  assert.match(
    e.message,
    /^Cannot roll back "[^"]*x\.npy": its change record "[^"]*x\.npy\.journal" is of another file: .*; nothing was changed; if "[^"]*x\.npy" is the file you want, remove "[^"]*x\.npy\.journal"$/,
  );
  return true;
};

const CASES: [string, string, Uint8Array][] = [
  [
    "renamed over it (float64)",
    "atomic-rename",
    npyOf(Float64Array.of(7.5, 8.5)),
  ],
  [
    "written over it (float64)",
    "atomic-copy",
    npyOf(Float64Array.of(7.5, 8.5)),
  ],
  [
    "written over it, int32, shorter",
    "atomic-copy",
    npyOf(Int32Array.of(5, 6)),
  ],
  [
    "renamed over it, not a .npy file",
    "atomic-rename",
    new TextEncoder().encode("a,b\n1,2\n".repeat(40)),
  ],
];

for (const [what, op, replacement] of CASES) {
  test(`an atomic writer killed after another file was ${what}: the record is refused, the new file kept`, () => {
    const dir = tempDir();
    try {
      const path = setUp(dir, replacement);
      const { through } = runKilledAt(CHILD, 0, op, path);
      assert.equal(through, false);
      assert.throws(() => recoverSync(path), FOREIGN);
      assert.throws(() => NpyAppendArraySync.open(path), FOREIGN);
      assert.deepEqual(new Uint8Array(readFileSync(path)), replacement);
      // The fix the message gives.
      rmSync(`${path}.journal`);
      assert.deepEqual(new Uint8Array(readFileSync(path)), replacement);
      if (replacement[0] === 0x93) {
        assert.deepEqual(
          [...readNpySync(path).data as Float64Array | Int32Array],
          replacement.length === 144 ? [7.5, 8.5] : [5, 6],
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test(
  "an atomic writer killed with its file left alone: rolled back as before",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const path = setUp(dir, new Uint8Array(0));
      assert.equal(runKilledAt(CHILD, 0, "atomic-keep", path).through, false);
      assert.equal(recoverSync(path), true);
      assert.deepEqual(
        [...readNpySync(path).data as Int32Array],
        Array.from({ length: 10 }, (_, i) => i),
      );
      assert.deepEqual(
        npLoadJson(path).values,
        Array.from({ length: 10 }, (_, i) => i),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
