/**
 * Stop 21: a writer's `close()` whose lock file cannot be removed (`EIO`
 * on its `unlink`, injected with strace: a disk failing as the writer
 * ends). Every row was written and the header final, but the error was
 * the bare "Cannot remove "x.npy.lock": EIO ...", which reads as if the
 * close had failed and names no fix, for a file, a stack's lock and a
 * group's. Maintenance calls already said it (`finishedButLocked`, stop
 * 18); a close now says the same: the close finished, remove the lock or
 * leave it, the next opener takes it over.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 120_000, ...straceOptions, ...numpyTestOptions() };
const CHILD = new URL("./_stop21_close_child.ts", import.meta.url);

function closeWithLockFailing(kind: string, path: string, lock: string) {
  const stdout = straceFailing(CHILD, [kind, path], {
    paths: [lock],
    calls: ["unlink", "unlinkat"],
    error: "EIO",
    when: 1,
  });
  const lines = stdout.split("\n").filter((l) => l !== "");
  assert.deepEqual(lines.slice(0, 1), ["ack"], stdout);
  assert.equal(lines.at(-1), "done", stdout);
  const e = lines.find((l) => l.startsWith("err "));
  assert.ok(e !== undefined, stdout);
  const err = JSON.parse(e.slice(4));
  assert.equal(err.code, "EIO", err.message);
  assert.ok(err.message.includes(`"${lock}"`), err.message);
  assert.match(err.message, /the close itself finished/);
  assert.match(err.message, /Remove the lock file, or leave it/);
}

const values = (path: string) => npLoadJson(path).values;

test(
  "stop 21: a file's close whose lock removal fails says the close finished and the fix",
  OPTS,
  () => {
    const file = join(tempDir(), "x.npy");
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([0, 1, 2]));
    w.close();
    closeWithLockFailing("file", file, `${file}.lock`);
    assert.deepEqual(values(file), [0, 1, 2, 3]);
    const next = NpyAppendArraySync.open(file); // takes the lock over
    next.append(new Float64Array([4]));
    next.close();
    assert.deepEqual(values(file), [0, 1, 2, 3, 4]);
  },
);

test(
  "stop 21: a stack's close whose lock removal fails says the close finished and the fix",
  OPTS,
  () => {
    const dir = join(tempDir(), "st");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    w.append(new Float64Array([0, 1, 2]));
    w.close();
    closeWithLockFailing("stack", dir, `${dir}.lock`);
    assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
      0,
      1,
      2,
      3,
    ]);
    const next = NpyStackWriterSync.open(dir);
    next.append(new Float64Array([4]));
    next.close();
    assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
      0,
      1,
      2,
      3,
      4,
    ]);
  },
);

for (const lock of ["gr.lock", "gr/y.npy.lock"]) {
  test(
    `stop 21: a group's close whose lock removal fails (${lock}) says the close finished and the fix`,
    OPTS,
    () => {
      const base = tempDir();
      const dir = join(base, "gr");
      const w = NpyGroupWriterSync.open(dir, {
        members: { x: "<f8", y: "<f8" },
      });
      w.append({
        x: new Float64Array([0, 1, 2]),
        y: new Float64Array([0, 1, 2]),
      });
      w.close();
      // The member's lock is also taken (and removed) when the group's open
      // counts its rows: the failure is made the close's, the second.
      const member = lock !== "gr.lock";
      if (member) {
        const stdout = straceFailing(CHILD, ["group", dir], {
          paths: [join(base, lock)],
          calls: ["unlink", "unlinkat"],
          error: "EIO",
          when: 2,
        });
        const err = stdout.split("\n").find((l) => l.startsWith("err "));
        assert.ok(err !== undefined, stdout);
        const m = JSON.parse(err.slice(4)).message;
        assert.match(m, /the close itself finished/);
        assert.match(m, /Remove the lock file, or leave it/);
      } else closeWithLockFailing("group", dir, join(base, lock));
      for (const name of ["x", "y"]) {
        assert.deepEqual(values(join(dir, `${name}.npy`)), [0, 1, 2, 3]);
      }
      const next = NpyGroupWriterSync.open(dir);
      next.append({ x: new Float64Array([4]), y: new Float64Array([4]) });
      next.close();
      for (const name of ["x", "y"]) {
        assert.deepEqual(values(join(dir, `${name}.npy`)), [0, 1, 2, 3, 4]);
      }
    },
  );
}
