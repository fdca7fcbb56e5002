/**
 * Adversary round 6, hostile paths: each ends in a `TypeError` or
 * `RangeError` naming the path and the fix, with nothing created or
 * changed, where before it was a runtime error without a fix, a wrong
 * file, or a file that could not be opened again after a kill.
 *
 * - A file name of 208 to 250 bytes (legal: names take up to 255) was
 *   written while all went well, but the lock files named after it
 *   (`<name>.lock.takeover.<pid>.<token>.new`/`.stale`) pass 255 bytes:
 *   after a kill, the stale lock could never be taken over (ENAMETOOLONG,
 *   for good); names of 222 bytes and more failed at once with an
 *   ENAMETOOLONG naming an internal temporary. Names longer than 207
 *   bytes are refused before anything is created.
 * - A symlink loop, and a name or path too long for the file system: the
 *   runtime's words, now with a typed class and a fix.
 * - `file:` URLs on another host (the host was dropped: another file was
 *   written), with an encoded `/` (`%2F` became a separator), or with a
 *   malformed `%`-escape (a `URIError`); paths with a NUL character.
 * - An empty path: a stack or group writer wrote its files into the root
 *   folder (`/0.npy`, `/info`, `/group.json`), `recoverGroup` went through
 *   it, and `ensureAppendable("")` gave `ENOENT, stat ''` where every
 *   other entry point says the path is empty.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  ensureAppendableSync,
  inspectNpySync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpy,
  readNpySync,
  recover,
  recoverGroupSync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function npyBytes(): Uint8Array {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
  w.append(new Float64Array([1, 2, 3]));
  w.close();
  return file.bytes();
}

/** A lock file at `path` held by a process that is gone. */
function staleLock(path: string): void {
  const done = spawnSync(process.execPath, ["--version"]);
  assert.equal(done.status, 0);
  writeFileSync(
    `${path}.lock`,
    JSON.stringify({
      pid: done.pid,
      start: null,
      host: hostname(),
      runtime: "node",
      token: "x",
    }),
  );
}

function typed(
  cls: typeof TypeError | typeof RangeError,
  path: string,
  message: RegExp,
) {
  return (e: unknown): boolean => {
    assert.ok(
      e instanceof cls,
      `expected ${cls.name}, got ${(e as Error)?.name}: ${
        (e as Error)?.message
      }`,
    );
    const m = (e as Error).message;
    assert.ok(m.includes(JSON.stringify(path)), `names ${path}: ${m}`);
    assert.match(m, message);
    assert.match(m, /^[A-Z]/);
    assert.doesNotMatch(m, /\.$/);
    return true;
  };
}

describe("adversary 6: file names too long for the lock files named after them", () => {
  const tooLong = /at most 207 bytes/;

  test("a new file of a 215-byte name: RangeError at open, nothing created", async () => {
    const dir = tempDir();
    try {
      const path = join(dir, `${"a".repeat(211)}.npy`);
      assert.throws(
        () => NpyAppendArraySync.open(path, { dtype: "<f8" }),
        typed(RangeError, path, tooLong),
      );
      await assert.rejects(
        NpyAppendArray.open(path, { dtype: "<f8" }),
        typed(RangeError, path, tooLong),
      );
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an existing file of a 240-byte name (as np.save writes it): refused, unchanged, still read", async () => {
    const dir = tempDir();
    try {
      const path = join(dir, `${"é".repeat(118)}.npy`); // 236 + 4 bytes
      const bytes = npyBytes();
      writeFileSync(path, bytes);
      for (
        const run of [
          () => NpyAppendArraySync.open(path),
          () => recoverSync(path),
          () => ensureAppendableSync(path, { inplace: true }),
        ]
      ) assert.throws(run, typed(RangeError, path, tooLong));
      await assert.rejects(recover(path), typed(RangeError, path, tooLong));
      assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
      assert.deepEqual(readdirSync(dir).length, 1);
      assert.deepEqual(readNpySync(path).shape, [3]);
      assert.deepEqual((await readNpy(path)).shape, [3]);
      assert.equal(inspectNpySync(path).appendable, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stack or group folder of a 215-byte name: RangeError, nothing created", () => {
    const dir = tempDir();
    try {
      const stack = join(dir, "s".repeat(215));
      assert.throws(
        () => NpyStackWriterSync.open(stack, { dtype: "<f8" }),
        typed(RangeError, stack, tooLong),
      );
      assert.throws(
        () => NpyGroupWriterSync.open(stack, { members: { a: "<f8" } }),
        typed(RangeError, stack, tooLong),
      );
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a 207-byte name: written, its stale lock (a killed writer) taken over", () => {
    const dir = tempDir();
    try {
      const path = join(dir, `${"b".repeat(203)}.npy`);
      const w = NpyAppendArraySync.open(path, { dtype: "<f8" });
      w.append(new Float64Array([1, 2]));
      w.close();
      staleLock(path);
      const again = NpyAppendArraySync.open(path);
      again.append(new Float64Array([3]));
      again.close();
      assert.deepEqual([...readNpySync(path).data as Float64Array], [1, 2, 3]);
      assert.equal(existsSync(`${path}.lock`), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("adversary 6: paths the file system refuses get a typed error and a fix", () => {
  test("a symlink loop: TypeError with the fix, from writers, readers and recover", async () => {
    const dir = tempDir();
    try {
      const loop = join(dir, "loop.npy");
      symlinkSync(loop, loop);
      const fix = /ELOOP.*; a symbolic link on the path leads back to itself/;
      assert.throws(
        () => NpyAppendArraySync.open(loop),
        typed(TypeError, loop, fix),
      );
      assert.throws(() => readNpySync(loop), typed(TypeError, loop, fix));
      assert.throws(() => recoverSync(loop), typed(TypeError, loop, fix));
      await assert.rejects(readNpy(loop), typed(TypeError, loop, fix));
      assert.deepEqual(readdirSync(dir), ["loop.npy"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a name of 300 bytes: RangeError with the fix", () => {
    const dir = tempDir();
    try {
      const long = join(dir, `${"x".repeat(296)}.npy`);
      const fix = /ENAMETOOLONG.*use a shorter name/;
      assert.throws(() => readNpySync(long), typed(RangeError, long, fix));
      assert.throws(() => inspectNpySync(long), typed(RangeError, long, fix));
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a path of 5,000 bytes (each name short): RangeError with the fix", () => {
    const dir = tempDir();
    try {
      const long = join(dir, ...new Array(500).fill("abcdefghi"), "x.npy");
      assert.throws(
        () => readNpySync(long),
        typed(RangeError, long, /ENAMETOOLONG.*use a shorter name/),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("adversary 6: file: URLs and paths that name no file", () => {
  test("a file: URL on another host: TypeError, no local file written", () => {
    const dir = tempDir();
    try {
      const url = new URL(`file://fileserver${dir}/x.npy`);
      assert.equal(url.hostname, "fileserver");
      assert.throws(
        () => NpyAppendArraySync.open(url, { dtype: "<f8" }),
        typed(TypeError, url.href, /another host/),
      );
      assert.throws(
        () => readNpySync(url),
        typed(TypeError, url.href, /another host/),
      );
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file: URL for localhost still works", () => {
    const dir = tempDir();
    try {
      const url = new URL(`file://localhost${dir}/x.npy`);
      const w = NpyAppendArraySync.open(url, { dtype: "<f8" });
      w.append(new Float64Array([1]));
      w.close();
      assert.deepEqual(readNpySync(join(dir, "x.npy")).shape, [1]);
      // And %-escapes of ordinary characters are decoded.
      const spaced = pathToFileURL(join(dir, "a b%.npy"));
      assert.match(spaced.href, /a%20b%25\.npy$/);
      const s = NpyAppendArraySync.open(spaced, { dtype: "<f8" });
      s.append(new Float64Array([2]));
      s.close();
      assert.deepEqual(readNpySync(join(dir, "a b%.npy")).shape, [1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file: URL with an encoded '/' (%2F): TypeError, not another folder", () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, "a"));
      const url = new URL(`file://${dir}/a%2Fx.npy`);
      assert.throws(
        () => NpyAppendArraySync.open(url, { dtype: "<f8" }),
        typed(TypeError, url.href, /encoded "\/"/),
      );
      assert.deepEqual(readdirSync(join(dir, "a")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file: URL with a malformed %-escape: TypeError, not URIError", async () => {
    const url = new URL("file:///tmp/bad%E0%A4%A.npy");
    assert.throws(
      () => readNpySync(url),
      typed(TypeError, url.href, /malformed %-escape/),
    );
    await assert.rejects(
      NpyAppendArray.open(url),
      typed(TypeError, url.href, /malformed %-escape/),
    );
  });

  test("a NUL character, in a path or as %00 in a URL: TypeError", () => {
    const dir = tempDir();
    try {
      const path = join(dir, "a\0b.npy");
      assert.throws(
        () => NpyAppendArraySync.open(path, { dtype: "<f8" }),
        typed(TypeError, path, /NUL character/),
      );
      assert.throws(() => readNpySync(path), typed(TypeError, path, /NUL/));
      assert.throws(
        () => NpyStackWriterSync.open(join(dir, "s\0")),
        typed(TypeError, join(dir, "s\0"), /NUL/),
      );
      const url = new URL(`file://${dir}/a%00b.npy`);
      assert.throws(() => readNpySync(url), typed(TypeError, path, /NUL/));
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stack or group writer given an empty path: TypeError, nothing written to the root folder", async () => {
    const empty = typed(TypeError, "", /the path is empty/);
    assert.throws(() => NpyStackWriterSync.open("", { dtype: "<f8" }), empty);
    assert.throws(
      () => NpyGroupWriterSync.open("", { members: { a: "<f8" } }),
      empty,
    );
    await assert.rejects(
      NpyGroupWriter.open("", { members: { a: "<f8" } }),
      empty,
    );
    assert.throws(() => recoverGroupSync(""), empty);
  });

  test("ensureAppendable of an empty path says so, as every other entry point", () => {
    for (const inplace of [false, true]) {
      assert.throws(
        () => ensureAppendableSync("", { inplace }),
        typed(TypeError, "", /the path is empty/),
      );
    }
  });
});
