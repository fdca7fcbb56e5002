/**
 * Adversary round 3: a read-only file system (a tmpfs mounted `ro`, root
 * only; as root, file modes do not stop writes). Node's recursive `mkdir`
 * reports EROFS as ENOENT, so a stack or group writer asked for a new
 * folder there said "ENOENT: no such file or directory" (the group's
 * without naming what it was doing): a user looks for a wrong path. Both
 * now say EROFS, naming the folder; readers work, writers and maintenance
 * fail with typed errors naming the file, and nothing changes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(60_000);

function remountReadOnly(dir: string): void {
  const r = spawnSync("mount", ["-o", "remount,ro", dir]);
  assert.equal(r.status, 0, String(r.stderr));
}

function readOnlyError(what: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as { code?: string; message?: string };
    assert.equal(err.code, "EROFS", String(e));
    assert.ok(err.message?.includes(what), String(e));
    return true;
  };
}

test(
  "a read-only disk: new stack and group folders say EROFS naming them, files and readers as before",
  OPTS,
  withTmpfs("size=1m", (mnt) => {
    const file = join(mnt, "x.npy");
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([1, 2, 3]));
    w.close();
    mkdirSync(join(mnt, "existing"));
    remountReadOnly(mnt);
    const stack = join(mnt, "stack");
    const group = join(mnt, "group");
    const nested = join(mnt, "existing", "group");
    assert.throws(
      () => NpyStackWriterSync.open(stack, { dtype: "<f4" }),
      readOnlyError(`"${stack}"`),
    );
    assert.throws(
      () => NpyGroupWriterSync.open(group, { members: { a: "<f4" } }),
      readOnlyError(`"${group}"`),
    );
    assert.throws(
      () => NpyGroupWriterSync.open(nested, { members: { a: "<f4" } }),
      readOnlyError(`"${nested}"`),
    );
    assert.throws(() => NpyAppendArraySync.open(file), readOnlyError("x.npy"));
    assert.throws(() => recoverSync(file), readOnlyError("x.npy"));
    assert.deepEqual([...readNpySync(file).data as Float64Array], [1, 2, 3]);
    assert.deepEqual(readdirSync(mnt).sort(), ["existing", "x.npy"]);
  }),
);

test(
  "stop 20: on a read-only disk the lock's refusal names the read-only file system and its fix, not a folder to pick",
  OPTS,
  withTmpfs("size=1m", (mnt) => {
    const file = join(mnt, "x.npy");
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([1, 2, 3]));
    w.close();
    const stack = join(mnt, "s");
    const s = NpyStackWriterSync.open(stack, { dtype: "<f8", shardRows: 2 });
    s.append(new Float64Array([1, 2, 3]));
    s.close();
    remountReadOnly(mnt);
    const fix = (e: unknown) => {
      const m = String((e as Error).message);
      assert.equal((e as { code?: string }).code, "EROFS", m);
      assert.match(m, /file system is read-only/, m);
      assert.match(m, /remount it read-write|copy/, m);
      assert.doesNotMatch(m, /a folder where this process may create files/);
      return true;
    };
    assert.throws(() => NpyAppendArraySync.open(file), fix);
    assert.throws(() => recoverSync(file), fix);
    assert.throws(() => NpyStackWriterSync.open(stack), fix);
    assert.deepEqual([...readNpySync(file).data as Float64Array], [1, 2, 3]);
    assert.deepEqual(readdirSync(mnt).sort(), ["s", "x.npy"]);
  }),
);
