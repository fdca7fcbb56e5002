/**
 * Adversary round 11: one file under several hard links. The lock beside
 * a name (`x.npy.lock`) is not seen by a writer of another name of the
 * same file (`y.npy`, made by `ln`, by DVC's hard-link cache, by a
 * snapshot tool): that writer appended over the holder's acknowledged
 * rows. A file with several links is now locked by device and inode as
 * well (`/tmp/npy-append-array-links-<dev>-<ino>.lock`), on every runtime.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  ensureAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyLockedError,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand, sourcePath } from "./_runtime.ts";
import { holdInChild, LOCK_CHILD, otherRuntime } from "./_lock_holder.ts";

/** A file holding `rows` float64 rows `[i, i]`, written and closed. */
function written(path: string, rows: number): void {
  const npy = NpyAppendArraySync.open(path);
  for (let i = 0; i < rows; i++) {
    npy.append({ data: new Float64Array([i, i]), shape: [1, 2] });
  }
  npy.close();
}

/** The lock by device and inode of the file at `path` (in `/tmp`). */
function linksLock(path: string): string {
  const s = statSync(path);
  return `/tmp/npy-append-array-links-${s.dev}-${s.ino}.lock`;
}

/** The lock child under this runtime and under another one. */
function holders(): { name: string; cmd: [string, string[]] }[] {
  return [{ name: RUNTIME, cmd: scriptCommand(LOCK_CHILD) }, otherRuntime()];
}

/**
 * Opens a writer of `path`, retrying for up to 3 s while it is refused:
 * a SIGKILLed process may still be ending (alive to `kill(pid, 0)`) when
 * its parent's pipes close.
 */
async function openSoon(path: string): Promise<NpyAppendArraySync> {
  for (let i = 0;; i++) {
    try {
      return NpyAppendArraySync.open(path);
    } catch (e) {
      if (!(e instanceof NpyLockedError) || i >= 300) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const windows = process.platform === "win32";

describe("adversary 11: a writer of another hard link of a held file", () => {
  for (const { name, cmd } of holders()) {
    test(`held by ${name}: every writer and maintenance call of the other name is refused, no byte changed; after a SIGKILL the other name takes over`, async (t) => {
      if (windows) return t.skip("hard links in /tmp: POSIX");
      const dir = tempDir();
      const x = join(dir, "x.npy");
      const y = join(dir, "y.npy");
      written(x, 2);
      linkSync(x, y);
      const holder = await holdInChild(cmd, x);
      try {
        const before = readFileSync(x);
        const holderName = JSON.stringify(x).replace(/[.\\]/g, "\\$&");
        const refused = (e: unknown) => {
          assert.ok(e instanceof NpyLockedError, String(e));
          assert.match(
            e.message,
            new RegExp(
              `^Cannot \\w+ ".*y\\.npy": it is held by pid \\d+ \\(${name}\\) on .* as ${holderName}; close that writer first`,
            ),
          );
          assert.equal(e.path, y);
          return true;
        };
        assert.throws(() => NpyAppendArraySync.open(y), refused);
        await assert.rejects(NpyAppendArray.open(y), refused);
        assert.throws(
          () => NpyAppendArraySync.open(y, { deleteIfExists: true }),
          refused,
        );
        assert.throws(
          () => NpyAppendArraySync.open(y, { atomic: true }),
          refused,
        );
        assert.throws(() => recoverSync(y), refused);
        await assert.rejects(recover(y), refused);
        assert.throws(
          () => ensureAppendableSync(y, { inplace: true }),
          refused,
        );
        // Not a byte changed, no name removed.
        assert.deepEqual(readFileSync(x), before);
        assert.equal(statSync(y).nlink, 2);
        assert.deepEqual(readdirSync(dir).sort(), [
          "x.npy",
          "x.npy.lock",
          "y.npy",
        ]);
        await holder.kill();
        // The killed holder's locks (by name, by inode) do not block.
        const npy = await openSoon(y);
        npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
        npy.close();
        assert.deepEqual(
          [...readNpySync(x).data as Float64Array],
          [0, 0, 1, 1, 7, 7, 8, 8],
        );
        assert.equal(existsSync(linksLock(x)), false);
      } finally {
        await holder.kill();
      }
    });
  }

  test("in one process: a sync and an async writer of two names, and a group member linked elsewhere", async (t) => {
    if (windows) return t.skip("hard links in /tmp: POSIX");
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const y = join(dir, "y.npy");
    written(x, 1);
    linkSync(x, y);
    const first = await NpyAppendArray.open(x);
    await first.append({ data: new Float64Array([5, 5]), shape: [1, 2] });
    assert.throws(() => NpyAppendArraySync.open(y), NpyLockedError);
    await first.close();
    // Released: the other name opens, and its lock by inode is gone after.
    written(y, 0);
    assert.equal(existsSync(linksLock(x)), false);
    assert.deepEqual([...readNpySync(y).data as Float64Array], [0, 0, 5, 5]);

    const g = join(dir, "g");
    const w = NpyGroupWriterSync.open(g, {
      members: { a: "<i4", b: "<f8" },
    });
    w.append({ a: new Int32Array([1]), b: new Float64Array([1]) });
    w.close();
    mkdirSync(join(dir, "elsewhere"));
    const other = join(dir, "elsewhere", "a.npy");
    linkSync(join(g, "a.npy"), other);
    const again = NpyGroupWriterSync.open(g);
    try {
      assert.throws(() => NpyAppendArraySync.open(other), NpyLockedError);
      assert.throws(() => recoverSync(other), NpyLockedError);
      again.append({ a: new Int32Array([2]), b: new Float64Array([2]) });
    } finally {
      again.close();
    }
    assert.deepEqual([...readNpySync(other).data as Int32Array], [1, 2]);
  });

  test("Deno without leave to use /tmp: a TypeError naming the file and the flags, nothing written", (t) => {
    if (windows) return t.skip("hard links in /tmp: POSIX");
    const dir = tempDir();
    const x = join(dir, "x.npy");
    written(x, 1);
    linkSync(x, join(dir, "y.npy"));
    const before = readFileSync(x);
    const deno = RUNTIME === "deno"
      ? [(globalThis as unknown as { Deno: { execPath(): string } }).Deno
        .execPath()]
      : ["npx", "-y", "deno@2.9.6"];
    const r = spawnSync(deno[0]!, [
      ...deno.slice(1),
      "run",
      "--allow-read",
      `--allow-write=${dir}`,
      sourcePath(LOCK_CHILD),
      "try",
      x,
    ], { encoding: "utf8" });
    assert.equal(
      r.stdout.trim(),
      `TypeError: Cannot open ${
        JSON.stringify(x)
      }: it has several hard links, so it is locked in "/tmp" as well (a lock beside one name is not seen by writers of another), and "/tmp" may not be used by this process; allow it (Deno: --allow-read=/tmp --allow-write=/tmp), or write to a copy; nothing was changed`,
      r.stderr,
    );
    assert.deepEqual(readFileSync(x), before);
    assert.deepEqual(readdirSync(dir).sort(), ["x.npy", "y.npy"]);
  });

  test(
    "the file the winner wrote is the one np.load reads",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const x = join(dir, "x.npy");
      const y = join(dir, "y.npy");
      written(x, 3);
      linkSync(x, y);
      const a = NpyAppendArraySync.open(x);
      try {
        assert.throws(() => NpyAppendArraySync.open(y), NpyLockedError);
        a.append({ data: new Float64Array([3, 3, 4, 4]), shape: [2, 2] });
      } finally {
        a.close();
      }
      const j = npLoadJson(y);
      assert.deepEqual(j.shape, [5, 2]);
      assert.deepEqual(j.values, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    },
  );
});
