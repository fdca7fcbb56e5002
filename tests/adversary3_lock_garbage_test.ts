/**
 * Adversary round 3: lock files whose JSON parses but whose pid is no
 * process id (0, negative, a fraction, beyond any pid, a string). `kill(0,
 * 0)` and `kill(-1, 0)` signal process groups and succeed, and a fraction
 * makes the runtime throw: such a lock blocked every writer for good,
 * "held by pid 0", or on Node and Bun with a hint about Deno's
 * `--allow-run`. Such a record is garbage, judged as an unreadable one:
 * busy while fresh (being written), stale after the grace time.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function host(): string {
  try {
    return readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
  } catch {
    return "";
  }
}

const PIDS: unknown[] = [0, -1, -4242, 1.5, 1e300, 2 ** 53, "1", null];

for (const pid of PIDS) {
  test(`a lock file with pid ${JSON.stringify(pid)}: busy while fresh, taken over when old`, () => {
    const dir = tempDir();
    try {
      const path = join(dir, "g.npy");
      writeFileSync(
        `${path}.lock`,
        JSON.stringify({ pid, start: null, host: host(), token: "x" }),
      );
      assert.throws(
        () => NpyAppendArraySync.open(path),
        (e: unknown) => {
          assert.ok(e instanceof NpyLockedError);
          assert.match(e.message, /another process is creating its lock/);
          return true;
        },
      );
      const old = new Date(Date.now() - 60_000);
      utimesSync(`${path}.lock`, old, old);
      const w = NpyAppendArraySync.open(path);
      w.append(new Int16Array([7, 8]));
      w.close();
      assert.deepEqual([...readNpySync(path).data as Int16Array], [7, 8]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * A symlink to a missing file where the lock file or its takeover guard
 * belongs: `link` and `O_EXCL` do not follow it, so no lock can be made
 * there, yet nothing can be read behind it. It was "another process is
 * creating its lock right now; try again" (or, for the guard, "held by"
 * a dead pid) for ever; it is a TypeError naming it, as a FIFO or folder
 * there is, and nothing is created.
 */
test("a dangling symlink as the lock file: TypeError naming it, nothing written", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "d.npy");
    symlinkSync(join(dir, "missing", "x"), `${path}.lock`);
    assert.throws(() => NpyAppendArraySync.open(path), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(
        e.message,
        /d\.npy\.lock" is a symlink to a missing file; remove it/,
      );
      return true;
    });
    assert.equal(existsSync(path), false);
    rmSync(`${path}.lock`);
    const w = NpyAppendArraySync.open(path);
    w.append(new Int16Array([1]));
    w.close();
    assert.deepEqual([...readNpySync(path).data as Int16Array], [1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a dangling symlink as the takeover guard of a stale lock: TypeError naming it", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "h.npy");
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({
        pid: 2 ** 31 - 2,
        start: null,
        host: host(),
        token: "x",
      }),
    );
    symlinkSync(join(dir, "missing"), `${path}.lock.takeover`);
    assert.throws(() => NpyAppendArraySync.open(path), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(
        e.message,
        /h\.npy\.lock\.takeover" is a symlink to a missing file; remove it/,
      );
      return true;
    });
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stack folder whose lock is a dangling symlink: TypeError naming it", () => {
  const dir = tempDir();
  try {
    const stack = join(dir, "s");
    symlinkSync(join(dir, "nowhere"), `${stack}.lock`);
    assert.throws(
      () => NpyStackWriterSync.open(stack, { dtype: "<i4" }),
      (e: unknown) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match(e.message, /s\.lock" is a symlink to a missing file/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
