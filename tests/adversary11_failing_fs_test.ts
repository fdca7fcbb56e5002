/**
 * Adversary round 11: a file system that fails under a live writer (an
 * ext4 image on a loop device, root only: turned read-only by an error,
 * as `errors=remount-ro` does, or shut down so that every call fails with
 * `EIO`; see `_adversary11_disks.ts`).
 *
 * Found: `close()` could not remove the lock file, which names this live
 * process, so after the administrator repaired and remounted the disk the
 * same process was refused every later open and `recover` of that file
 * ("this process holds it ... close that first") although nothing held
 * it, until it exited. A hold this process dropped but could not remove
 * is now known as such: the next open in this process takes it over, and
 * a normal exit removes it. Another process still finds it held while this
 * one lives (it cannot tell), and may open the file once this one ends.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { Ext4Disk, ext4TestOptions } from "./_adversary11_disks.ts";
import { hasNumpy, npSaveBytes } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const OPTS = ext4TestOptions(120_000);

/** An error of the runtime's `code`, whose message names `what`. */
function failed(code: string, what: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as { code?: string; message?: string };
    assert.equal(err.code, code, String(e));
    assert.ok(err.message?.includes(what), String(e));
    return true;
  };
}

/** The names in `dir` but ext4's `lost+found`. */
function names(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== "lost+found").sort();
}

async function withExt4(run: (disk: Ext4Disk) => Promise<void> | void) {
  const disk = new Ext4Disk();
  try {
    await run(disk);
  } finally {
    disk.dispose();
  }
}

/** The file holds `want` as `np.save` writes it. */
function assertSaved(file: string, want: number[]): void {
  assert.deepEqual([...readNpySync(file).data as Float64Array], want);
  if (hasNumpy()) {
    assert.deepEqual(
      readFileSync(file),
      Buffer.from(npSaveBytes(`np.array([${want.join(", ")}], "<f8")`)),
    );
  }
}

for (const fault of ["read-only", "EIO"] as const) {
  const code = fault === "read-only" ? "EROFS" : "EIO";
  const fail = (disk: Ext4Disk) =>
    fault === "read-only" ? disk.failReadOnly() : disk.shutDown();

  test(
    `adversary 11: a disk turning ${fault} under a sync writer: acknowledged rows kept, the same process opens the file again after the repair`,
    OPTS,
    () =>
      withExt4((disk) => {
        const file = join(disk.dir, "x.npy");
        const w = NpyAppendArraySync.open(file);
        w.append(new Float64Array([1, 2, 3]));
        fail(disk);
        assert.throws(
          () => w.append(new Float64Array([4])),
          failed(code, file),
        );
        assert.throws(() => w.close(), failed(code, "x.npy.lock"));
        assert.equal(w.closed, true);
        disk.repair();
        assert.deepEqual(names(disk.dir), ["x.npy", "x.npy.lock"]);
        const again = NpyAppendArraySync.open(file);
        again.append(new Float64Array([9]));
        again.close();
        assert.deepEqual(names(disk.dir), ["x.npy"]);
        assertSaved(file, [1, 2, 3, 9]);
      }),
  );

  test(
    `adversary 11: a disk turning ${fault} under an async writer: the same process opens the file again after the repair`,
    OPTS,
    () =>
      withExt4(async (disk) => {
        const file = join(disk.dir, "x.npy");
        const w = await NpyAppendArray.open(file, {
          rewriteHeaderOnAppend: false,
        });
        await w.append(new Float64Array([1, 2]));
        await w.updateHeader();
        fail(disk);
        await assert.rejects(
          w.append(new Float64Array([3])),
          failed(code, file),
        );
        await assert.rejects(w.close(), failed(code, "x.npy.lock"));
        disk.repair();
        const again = await NpyAppendArray.open(file);
        await again.append(new Float64Array([9]));
        await again.close();
        assert.deepEqual(names(disk.dir), ["x.npy"]);
        assertSaved(file, [1, 2, 9]);
      }),
  );

  test(
    `adversary 11: a disk turning ${fault} under an atomic writer: recover in the same process rolls the change back after the repair`,
    OPTS,
    () =>
      withExt4((disk) => {
        const file = join(disk.dir, "x.npy");
        const first = NpyAppendArraySync.open(file);
        first.append(new Float64Array([0]));
        first.close();
        const w = NpyAppendArraySync.open(file, { atomic: true });
        w.append(new Float64Array([1, 2, 3]));
        fail(disk);
        assert.throws(() => w.close(), failed(code, "x.npy"));
        disk.repair();
        assert.equal(recoverSync(file), true);
        assertSaved(file, [0]);
        const again = NpyAppendArraySync.open(file);
        again.append(new Float64Array([9]));
        again.close();
        assert.deepEqual(names(disk.dir), ["x.npy"]);
        assertSaved(file, [0, 9]);
      }),
  );

  test(
    `adversary 11: a disk turning ${fault} under a stack writer: the same process opens the stack again after the repair`,
    OPTS,
    () =>
      withExt4((disk) => {
        const dir = join(disk.dir, "s");
        const w = NpyStackWriterSync.open(dir, { dtype: "<f8", shardRows: 2 });
        w.append(new Float64Array([1, 2, 3]));
        fail(disk);
        assert.throws(() => w.append(new Float64Array([4])), failed(code, "s"));
        assert.throws(() => w.close());
        disk.repair();
        const again = NpyStackWriterSync.open(dir);
        assert.deepEqual(again.shape, [3]);
        again.append(new Float64Array([9]));
        again.close();
        assert.deepEqual(names(disk.dir), ["s"]);
        assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
          1,
          2,
          3,
          9,
        ]);
      }),
  );
}

test(
  "adversary 11: a disk turning read-only under a group writer: the same process opens the group again after the repair",
  OPTS,
  () =>
    withExt4(async (disk) => {
      const dir = join(disk.dir, "g");
      const w = NpyGroupWriterSync.open(dir, {
        members: { a: "<i4", b: "<f8" },
      });
      w.append({ a: new Int32Array([1, 2]), b: new Float64Array([1, 2]) });
      disk.failReadOnly();
      assert.throws(
        () => w.append({ a: new Int32Array([3]), b: new Float64Array([3]) }),
        failed("EROFS", "a.npy"),
      );
      // The failed undo, not the group's lock (also left), is what the
      // close says (stop 21: it had said only the lock's removal).
      assert.throws(() => w.close(), failed("EROFS", "call recoverGroup"));
      disk.repair();
      const again = NpyGroupWriterSync.open(dir);
      assert.equal(again.length, 2);
      again.append({ a: new Int32Array([9]), b: new Float64Array([9]) });
      again.close();
      assert.deepEqual(names(disk.dir), ["g"]);
      assert.deepEqual(names(dir), ["a.npy", "b.npy", "group.json"]);
      await using reader = await NpyGroupReader.open(dir);
      const rows = reader.readSync();
      assert.deepEqual([...rows.a!.data as Int32Array], [1, 2, 9]);
      assert.deepEqual([...rows.b!.data as Float64Array], [1, 2, 9]);
    }),
);

test(
  "adversary 11: a lock left by a disk turning read-only: another process finds it held while its writer's process lives, and opens the file once that process ended",
  OPTS,
  () =>
    withExt4(async (disk) => {
      const file = join(disk.dir, "x.npy");
      const [cmd, args] = scriptCommand(
        new URL("./_adversary11_disk_child.ts", import.meta.url),
      );
      const child = spawn(cmd, [...args, file], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      const exited = new Promise((ok) => child.on("close", ok));
      const lines = createInterface({ input: child.stdout! })[
        Symbol.asyncIterator
      ]();
      const next = async () => (await lines.next()).value as string;
      try {
        assert.equal(await next(), "ready");
        disk.failReadOnly();
        child.stdin!.write("fail\n");
        assert.equal(await next(), "closed EROFS");
        disk.repair();
        assert.ok(existsSync(`${file}.lock`));
        // This process cannot tell a hold the child dropped from a live one.
        assert.throws(
          () => NpyAppendArraySync.open(file),
          (e) =>
            e instanceof NpyLockedError && String(e).includes(`${child.pid}`),
        );
        child.stdin!.end("exit\n");
        assert.equal(await exited, 0);
      } finally {
        child.kill("SIGKILL");
      }
      // The child's normal exit removed the lock file it could not remove.
      assert.deepEqual(names(disk.dir), ["x.npy"]);
      const again = NpyAppendArraySync.open(file);
      again.append(new Float64Array([9]));
      again.close();
      assertSaved(file, [1, 2, 3, 9]);
    }),
);
