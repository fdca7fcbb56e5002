/**
 * Stop 20 (h2): a stack's or group's folder is locked by a file beside
 * it (`<dir>.lock`), so the same folder reached by another path that no
 * symlink resolves to (a bind mount, the folder mounted twice) had
 * another lock: two writers at once. The second, opened while the first
 * had no live shard, sealed its shard `1.npy`; the first then sealed its
 * own shard 1 over it, and the second writer's acknowledged rows were
 * gone. The folder is now locked by its device and inode as well (as a
 * file with several hard links is, in `/tmp`): the second writer gets
 * `NpyLockedError`.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Runs `body` with `b` a bind mount of the folder `a`. */
function withBind(body: (a: string, b: string) => void): void {
  const root = tempDir();
  const a = join(root, "a"), b = join(root, "b");
  mkdirSync(a);
  mkdirSync(b);
  const r = spawnSync("mount", ["--bind", a, b]);
  assert.equal(r.status, 0, String(r.stderr));
  try {
    body(a, b);
  } finally {
    spawnSync("umount", [b]);
  }
}

/** This process's refusal (another process's names the path it holds). */
function held(e: unknown): boolean {
  return e instanceof NpyLockedError && /this process holds it/.test(e.message);
}

test("a stack through a bind mount of its folder: the second writer is refused, no row lost", () => {
  withBind((a, b) => {
    const first = NpyStackWriterSync.open(a, { shardRows: 2 });
    first.append(new Float64Array([10, 10])); // shard 0 sealed, none live
    assert.throws(
      () => NpyStackWriterSync.open(b, { shardRows: 2 }),
      held,
    );
    assert.throws(() => recoverStackSync(b), NpyLockedError);
    first.append(new Float64Array([11, 11]));
    first.close();
    const second = NpyStackWriterSync.open(b, { shardRows: 2 });
    second.append(new Float64Array([20]));
    second.close();
    assert.deepEqual(
      [...readNpyStackSync(a).data as Float64Array],
      [10, 10, 11, 11, 20],
    );
  });
});

test("a group through a bind mount of its folder: the second writer is refused", () => {
  withBind((a, b) => {
    const first = NpyGroupWriterSync.open(a, { members: { x: "<i4" } });
    first.append({ x: new Int32Array([1]) });
    assert.throws(
      () => NpyGroupWriterSync.open(b, { members: { x: "<i4" } }),
      held,
    );
    first.close();
    const second = NpyGroupWriterSync.open(b, { members: { x: "<i4" } });
    assert.equal(second.length, 1);
    second.close();
  });
});
