/**
 * Stop 26: an `atomic` writer's rows are not the file's until `close()`
 * commits them, for NumPy too. `np.load` knows no change record: while an
 * atomic writer appended to an existing file, and after it was killed
 * before its commit, it read the old rows and the uncommitted ones as one
 * array (the header was rewritten at every append), where the library's
 * readers refused the file and `recover` rolled it back: a silent mix
 * (SPEC: all or nothing). The header on disk now keeps the old rows until
 * the commit.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  recoverSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop24_killed_atomic_child.ts", import.meta.url);

/** A file of the `<i4` rows `7, 8`. */
function oldFile(): string {
  const path = join(tempDir(), "x.npy");
  const w = NpyAppendArraySync.open(path);
  w.append(Int32Array.of(7, 8));
  w.close();
  return path;
}

const values = (path: string) => npLoadJson(path).values;

for (const kind of ["sync", "async"]) {
  test(
    `${kind} atomic appends to an existing file: np.load reads the old rows until close() commits`,
    numpyTestOptions(),
    async () => {
      const path = oldFile();
      if (kind === "sync") {
        const w = NpyAppendArraySync.open(path, { atomic: true });
        w.append(Int32Array.of(1));
        w.append(Int32Array.of(2, 3));
        assert.deepEqual(values(path), [7, 8]);
        w.close();
      } else {
        const w = await NpyAppendArray.open(path, { atomic: true });
        await w.append(Int32Array.of(1));
        await w.append(Int32Array.of(2, 3));
        assert.deepEqual(values(path), [7, 8]);
        await w.close();
      }
      assert.deepEqual(values(path), [7, 8, 1, 2, 3]);
      assert.equal(existsSync(`${path}.journal`), false);
    },
  );

  test(
    `${kind} atomic writer killed before its commit: np.load reads the old rows, recover keeps them`,
    numpyTestOptions(),
    () => {
      const path = oldFile();
      const [exe, args] = scriptCommand(CHILD);
      const r = spawnSync(exe, [...args, path, kind], { encoding: "utf8" });
      assert.equal(r.signal, "SIGKILL", r.stderr);
      assert.ok(existsSync(`${path}.journal`), "the change record is left");
      assert.deepEqual(values(path), [7, 8]);
      assert.equal(needsRecoverySync(path), true);
      recoverSync(path);
      assert.deepEqual(values(path), [7, 8]);
      assert.equal(existsSync(`${path}.journal`), false);
      const w = NpyAppendArraySync.open(path);
      w.append(Int32Array.of(9));
      w.close();
      assert.deepEqual(values(path), [7, 8, 9]);
    },
  );
}
