/**
 * One writer per file on every runtime and between runtimes (SPEC section
 * 3, issue 12 items 2 and 3): the lock file `<path>.lock` refuses a second
 * writer in this process or another (Deno, Node, Bun), maintenance calls
 * and `deleteIfExists` that would change a held file; a lock left by a
 * killed process, a dead pid or a reused pid is taken over; a file that
 * appeared after `open` is never truncated.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import {
  ensureAppendable,
  ensureAppendableSync,
  isAppendableSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { acquireLock, TIDY_FOLDER_BYTES } from "../src/_lock.ts";
import { pathFs } from "../src/_path_fs.ts";
import { tempDir } from "./_numpy.ts";
import { killPoints } from "./_kill_at.ts";
import { RUNTIME, scriptCommand } from "./_runtime.ts";
import { holdInChild, LOCK_CHILD, otherRuntime } from "./_lock_holder.ts";

/** A file holding `rows` float64 rows `[i, i]`, written and closed. */
function written(path: string, rows: number): void {
  const npy = NpyAppendArraySync.open(path);
  for (let i = 0; i < rows; i++) {
    npy.append({ data: new Float64Array([i, i]), shape: [1, 2] });
  }
  npy.close();
}

/**
 * Runs racers (`race` mode of the child) and lets them start together
 * once all are waiting.
 */
function race(
  path: string,
  cmds: [string, string[]][],
  rounds: number,
  rows: number,
): Promise<{ code: number | null; out: string; err: string }[]> {
  let waiting = 0;
  return Promise.all(cmds.map((cmd, i) => {
    let seen = false;
    return runChild(
      cmd,
      ["race", path, String(i + 1), String(rounds), String(rows)],
      (out) => {
        if (seen || !out.includes("waiting")) return;
        seen = true;
        if (++waiting === cmds.length) writeFileSync(`${path}.go`, "");
      },
    );
  }));
}

function runChild(
  cmd: [string, string[]],
  args: string[],
  onOut: (text: string) => void = () => {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], [...cmd[1], ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      onOut(out);
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

function lockedMessage(path: string): RegExp {
  return new RegExp(
    `^Cannot open ${
      JSON.stringify(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    }: this process holds it`,
  );
}

describe("lock: one process", () => {
  test("a second writer is refused with NpyLockedError, sync and async", async () => {
    const path = join(tempDir(), "a.npy");
    const first = NpyAppendArraySync.open(path);
    first.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
    assert.throws(() => NpyAppendArraySync.open(path), (e: unknown) => {
      assert.ok(e instanceof NpyLockedError);
      assert.match(e.message, lockedMessage(path));
      assert.equal(e.path, path);
      assert.equal(e.lockPath, `${path}.lock`);
      assert.match(
        e.holder,
        new RegExp(`^pid ${process.pid} \\(${RUNTIME}\\)`),
      );
      return true;
    });
    await assert.rejects(NpyAppendArray.open(path), NpyLockedError);
    // The refused writers changed nothing.
    first.append({ data: new Float64Array([3, 4]), shape: [1, 2] });
    first.close();
    assert.equal(existsSync(`${path}.lock`), false);
    assert.deepEqual([...readNpySync(path).data as Float64Array], [1, 2, 3, 4]);
    NpyAppendArraySync.open(path).close();
  });

  test("a writer on a missing path holds it from open, before any append", () => {
    const path = join(tempDir(), "new.npy");
    const first = NpyAppendArraySync.open(path);
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.lock`), true);
    assert.throws(() => NpyAppendArraySync.open(path), NpyLockedError);
    first.close();
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(existsSync(path), false);
  });

  test("recover and ensureAppendable refuse a held file; reading does not", async () => {
    const path = join(tempDir(), "held.npy");
    const first = NpyAppendArraySync.open(path);
    first.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
    const before = readFileSync(path);
    assert.throws(() => recoverSync(path), NpyLockedError);
    await assert.rejects(recover(path), NpyLockedError);
    await assert.rejects(ensureAppendable(path), NpyLockedError);
    assert.throws(
      () => ensureAppendableSync(path, { inplace: true }),
      NpyLockedError,
    );
    assert.deepEqual(readFileSync(path), before);
    assert.equal(isAppendableSync(path), true);
    assert.deepEqual(readNpySync(path).shape, [1, 2]);
    first.close();
    assert.equal(recoverSync(path), true);
  });

  test("deleteIfExists while another writer holds the file: refused, rows intact", async () => {
    const path = join(tempDir(), "keep.npy");
    const first = await NpyAppendArray.open(path);
    for (let i = 0; i < 100; i++) {
      await first.append({ data: new Float64Array([i, i]), shape: [1, 2] });
    }
    assert.throws(
      () => NpyAppendArraySync.open(path, { deleteIfExists: true }),
      NpyLockedError,
    );
    await assert.rejects(
      NpyAppendArray.open(path, { deleteIfExists: true }),
      NpyLockedError,
    );
    assert.equal(existsSync(path), true);
    await first.append({ data: new Float64Array([100, 100]), shape: [1, 2] });
    await first.close();
    const { shape, data } = readNpySync(path);
    assert.deepEqual(shape, [101, 2]);
    assert.equal((data as Float64Array)[200], 100);
    // Free again: deleteIfExists now starts over.
    const again = NpyAppendArraySync.open(path, { deleteIfExists: true });
    assert.equal(existsSync(path), false);
    again.close();
  });

  test("a file created by someone else between open and first append is not truncated", () => {
    const dir = tempDir();
    const path = join(dir, "late.npy");
    const npy = NpyAppendArraySync.open(path);
    written(join(dir, "other.npy"), 5);
    const theirs = readFileSync(join(dir, "other.npy"));
    writeFileSync(path, theirs); // a program that ignores the lock
    assert.throws(
      () => npy.append({ data: new Float64Array([9, 9]), shape: [1, 2] }),
      (e: unknown) => {
        assert.equal((e as { code?: string }).code, "EEXIST");
        assert.match(
          (e as Error).message,
          /^Cannot create ".*late\.npy": another program created it after this writer was opened/,
        );
        return true;
      },
    );
    npy.close();
    assert.deepEqual(readFileSync(path), theirs);
    assert.deepEqual(readNpySync(path).shape, [5, 2]);
  });

  test("the same for an empty file and with deleteIfExists", () => {
    const dir = tempDir();
    for (const deleteIfExists of [false, true]) {
      const path = join(dir, `late-${deleteIfExists}.npy`);
      if (deleteIfExists) written(path, 3);
      const npy = NpyAppendArraySync.open(path, { deleteIfExists });
      writeFileSync(path, "");
      assert.throws(
        () => npy.append({ data: new Float64Array([9, 9]), shape: [1, 2] }),
        { code: "EEXIST" },
      );
      npy.close();
      assert.equal(readFileSync(path).length, 0);
    }
  });

  test("FileLike targets have no lock file, but one writer of this process holds the object (stop 25)", () => {
    const file = new MemoryFile();
    const a = NpyAppendArraySync.open(file);
    assert.throws(() => NpyAppendArraySync.open(file), NpyLockedError);
    a.close();
    NpyAppendArraySync.open(file).close();
  });

  test("a folder's lock is the sibling <dir>.lock", () => {
    const dir = join(tempDir(), "stack");
    const lock = acquireLock(`${dir}/`, "open");
    assert.equal(lock.lockPath, `${dir}.lock`);
    assert.throws(() => acquireLock(dir, "open"), NpyLockedError);
    lock.release();
    lock.release();
    acquireLock(dir, "open").release();
  });
});

describe("lock: one file under several names", () => {
  test("a writer through a symlink to a held file is refused, and the other way round; rows intact", () => {
    const dir = tempDir();
    const real = join(dir, "real.npy");
    const link = join(dir, "link.npy");
    written(real, 2);
    symlinkSync(real, link);
    const chain = join(dir, "chain.npy");
    symlinkSync("link.npy", chain);
    for (const [first, second] of [[real, link], [link, real], [real, chain]]) {
      const a = NpyAppendArraySync.open(first!);
      try {
        assert.throws(() => NpyAppendArraySync.open(second!), NpyLockedError);
        assert.throws(
          () => NpyAppendArraySync.open(second!, { deleteIfExists: true }),
          NpyLockedError,
        );
        assert.throws(() => recoverSync(second!), NpyLockedError);
      } finally {
        a.close();
      }
    }
    assert.deepEqual(
      [...readNpySync(real).data as Float64Array],
      [0, 0, 1, 1],
    );
    // Not left behind under either name.
    assert.deepEqual(readdirSync(dir).sort(), [
      "chain.npy",
      "link.npy",
      "real.npy",
    ]);
  });

  test("a stack writer through a symlink to a held folder is refused", () => {
    const base = tempDir();
    const real = join(base, "stack");
    const link = join(base, "alias");
    const w = NpyStackWriterSync.open(real);
    w.append(new Float64Array([1, 2]));
    symlinkSync(real, link);
    try {
      assert.throws(() => NpyStackWriterSync.open(link), NpyLockedError);
      assert.throws(() => NpyStackWriterSync.open(`${link}/`), NpyLockedError);
    } finally {
      w.close();
    }
    const again = NpyStackWriterSync.open(link);
    again.close();
  });
});

describe("lock: stale locks are taken over", () => {
  function lockFile(path: string, holder: Record<string, unknown>): void {
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({
        host: hostname(),
        runtime: "node",
        token: "x",
        ...holder,
      }),
    );
  }

  test("a dead pid", () => {
    const path = join(tempDir(), "dead.npy");
    const done = spawnSync(process.execPath, ["--version"]);
    assert.equal(done.status, 0);
    lockFile(path, { pid: done.pid, start: null });
    written(path, 2);
    assert.deepEqual(readNpySync(path).shape, [2, 2]);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test("a reused pid (same pid, other start time) on Linux", (t) => {
    if (!existsSync("/proc/self/stat")) return t.skip("no /proc");
    const path = join(tempDir(), "reused.npy");
    lockFile(path, { pid: process.pid, start: 1 });
    written(path, 1);
    assert.deepEqual(readNpySync(path).shape, [1, 2]);
  });

  test("an empty lock file: busy when fresh, stale when old", () => {
    const path = join(tempDir(), "empty.npy");
    writeFileSync(`${path}.lock`, "");
    assert.throws(() => written(path, 1), (e: unknown) => {
      assert.ok(e instanceof NpyLockedError);
      assert.match(e.message, /another process is creating its lock/);
      return true;
    });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    written(path, 1);
    assert.deepEqual(readNpySync(path).shape, [1, 2]);
  });

  test("a live holder on another host is never taken over", () => {
    const path = join(tempDir(), "remote.npy");
    lockFile(path, { pid: 1, start: null, host: "elsewhere.example" });
    assert.throws(() => written(path, 1), (e: unknown) => {
      assert.ok(e instanceof NpyLockedError);
      assert.equal(e.holder, "pid 1 (node) on elsewhere.example");
      assert.match(e.message, /another host; close that writer, or remove/);
      return true;
    });
    assert.equal(existsSync(path), false);
  });

  test("a live holder on this host is not taken over", () => {
    const path = join(tempDir(), "live.npy");
    lockFile(path, { pid: 1, start: null }); // init is always alive
    assert.throws(() => written(path, 1), NpyLockedError);
  });

  test("a stale takeover guard left by a killed taker does not block", () => {
    const path = join(tempDir(), "guard.npy");
    const done = spawnSync(process.execPath, ["--version"]);
    lockFile(path, { pid: done.pid, start: null });
    writeFileSync(
      `${path}.lock.takeover`,
      JSON.stringify({ pid: done.pid, host: hostname(), token: "y" }),
    );
    written(path, 1);
    assert.deepEqual(readNpySync(path).shape, [1, 2]);
    assert.deepEqual(
      readdirSync(join(path, "..")).sort(),
      ["guard.npy"],
    );
  });
  test("a writer whose folder was renamed leaves no lock that blocks the file at its new place", () => {
    for (const atomic of [false, true]) {
      const root = tempDir();
      const before = join(root, "d1");
      const after = join(root, "d2");
      mkdirSync(before);
      const w = NpyAppendArraySync.open(join(before, "x.npy"), { atomic });
      w.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
      renameSync(before, after);
      w.append({ data: new Float64Array([3, 4]), shape: [1, 2] });
      w.close();
      // The lock moved with the folder; its release emptied it through
      // its descriptor: an unreadable lock, busy for the grace time, then
      // stale (never "held by this process" for as long as it runs).
      const lock = join(after, "x.npy.lock");
      assert.equal(readFileSync(lock, "utf8"), "", `atomic ${atomic}`);
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      written(join(after, "x.npy"), 1);
      assert.deepEqual(
        [...readNpySync(join(after, "x.npy")).data as Float64Array],
        [1, 2, 3, 4, 0, 0],
      );
      assert.deepEqual(readdirSync(after), ["x.npy"]);
    }
  });

  test("dead takers' temporaries: removed at every open in a small folder; in a large one, after a takeover and by recover, never listing it at open", () => {
    // Listing a folder of 37,000 files cost 50 to 90 ms per open.
    const fs = pathFs();
    const list = fs.list;
    // Only this test's folders: a lock by device and inode in the
    // temporary folder may find a stale lock of an earlier file with the
    // same inode (killed by another test) and tidy that folder too.
    const watched = new Set<string>();
    const listed: string[] = [];
    fs.list = (dir: string) => {
      if (watched.has(dir)) listed.push(dir);
      return list.call(fs, dir);
    };
    try {
      const done = spawnSync(process.execPath, ["--version"]);
      const record = JSON.stringify({ pid: done.pid, host: hostname() });
      const deadTemp = (path: string) =>
        `${path}.lock.${done.pid}.0123456789abcdef.new`;
      // A small folder: the next open removes it.
      const small = join(tempDir(), "small.npy");
      watched.add(join(small, ".."));
      writeFileSync(deadTemp(small), record);
      written(small, 1);
      assert.deepEqual(readdirSync(join(small, "..")), ["small.npy"]);
      assert.equal(listed.length, 1);
      listed.length = 0;
      // A folder whose entries take more than TIDY_FOLDER_BYTES.
      const dir = tempDir();
      watched.add(dir);
      for (let i = 0; i < 1000; i++) {
        writeFileSync(join(dir, `other-file-number-${i}.npy`), "");
      }
      assert.ok(statSync(dir).size > TIDY_FOLDER_BYTES, "a large folder");
      const path = join(dir, "tidy.npy");
      writeFileSync(deadTemp(path), record);
      written(path, 1); // new file
      written(path, 1); // existing file
      assert.deepEqual(listed, []);
      assert.ok(existsSync(deadTemp(path)));
      // A stale lock: taken over, and the dead taker's temporary goes.
      lockFile(path, { pid: done.pid, start: null });
      written(path, 1);
      assert.equal(listed.length, 1);
      assert.equal(existsSync(deadTemp(path)), false);
      assert.equal(existsSync(`${path}.lock`), false);
      // recover tidies too, with no stale lock.
      writeFileSync(deadTemp(path), record);
      recoverSync(path);
      assert.equal(listed.length, 2);
      assert.equal(existsSync(deadTemp(path)), false);
      assert.equal(readdirSync(dir).length, 1001);
      assert.deepEqual(readNpySync(path).shape, [3, 2]);
    } finally {
      fs.list = list;
    }
  });
});

describe("lock: between processes and runtimes", () => {
  const same = scriptCommand(LOCK_CHILD);
  const other = otherRuntime();

  test(`a writer in another ${RUNTIME} process and in ${other?.name} is refused at once`, async () => {
    const path = join(tempDir(), "x.npy");
    const first = NpyAppendArraySync.open(path);
    first.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
    for (const cmd of [same, other!.cmd]) {
      const r = await runChild(cmd, ["try", path]);
      assert.match(
        r.out.trim(),
        new RegExp(
          `^NpyLockedError: Cannot open .*x\\.npy": it is held by pid ${process.pid} \\(${RUNTIME}\\) on `,
        ),
        r.err,
      );
    }
    first.close();
    const r = await runChild(other!.cmd, ["try", path]);
    assert.equal(r.out.trim(), "opened", r.err);
  });

  test("a writer never closed leaves no lock file at a normal exit", async () => {
    for (const cmd of [same, other!.cmd]) {
      const path = join(tempDir(), "forgot.npy");
      const r = await runChild(cmd, ["forget", path]);
      assert.equal(r.code, 0, r.err);
      assert.equal(existsSync(`${path}.lock`), false);
      assert.deepEqual([...readNpySync(path).data as Float64Array], [7, 7]);
    }
  });

  test("concat --overwrite onto a file a writer holds: refused, rows intact", () => {
    const dir = tempDir();
    const input = join(dir, "in.npy");
    written(input, 3);
    const out = join(dir, "out.npy");
    const first = NpyAppendArraySync.open(out);
    first.append({ data: new Float64Array([5, 5]), shape: [1, 2] });
    const [exe, pre] = scriptCommand(new URL("../cli.ts", import.meta.url), [
      "-R",
      "-W",
    ]);
    for (const extra of [["--overwrite"], []]) {
      const r = spawnSync(exe, [...pre, "concat", ...extra, out, input], {
        encoding: "utf8",
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /this process holds it|it is held by pid/);
    }
    first.append({ data: new Float64Array([6, 6]), shape: [1, 2] });
    first.close();
    assert.deepEqual(
      [...readNpySync(out).data as Float64Array],
      [5, 5, 6, 6],
    );
    assert.deepEqual(readdirSync(dir).sort(), ["in.npy", "out.npy"]);
  });

  test("a SIGKILLed writer's lock does not block; its rows stay", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX signals");
    for (const cmd of [same, other!.cmd]) {
      const path = join(tempDir(), "killed.npy");
      const holder = await holdInChild(cmd, path);
      assert.throws(() => NpyAppendArraySync.open(path), NpyLockedError);
      await holder.kill();
      const npy = NpyAppendArraySync.open(path);
      npy.append({ data: new Float64Array([8, 8]), shape: [1, 2] });
      npy.close();
      assert.deepEqual(
        [...readNpySync(path).data as Float64Array],
        [7, 7, 8, 8],
      );
    }
  });

  test("a writer killed at each step of taking or dropping its lock never blocks the next", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX signals");
    const dir = tempDir();
    const path = join(dir, "step.npy");
    // The point of the run that got through: the steps of the lock.
    let n = 0;
    for (const at of killPoints(1)) {
      n = at;
      const r = await runChild(same, ["killat", path, String(n)]);
      // The next writer takes the lock at once, and its holder cleans up
      // the killed one's temporaries.
      const lock = acquireLock(path, "open");
      lock.release();
      assert.deepEqual(readdirSync(dir), [], `killed after step ${n}`);
      if (r.out.includes("done")) break;
      assert.equal(r.code, null, r.err);
    }
    assert.ok(n > 8, `only ${n} steps`);
  });

  test("a process killed 24 times at random moments while taking its lock never blocks the next", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX signals");
    const dir = tempDir();
    const path = join(dir, "churn.npy");
    for (let k = 0; k < 24; k++) {
      const child = spawn(same[0], [...same[1], "churn", path], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const gone = new Promise((r) => child.on("close", r));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          if (String(d).includes("ready")) resolve();
        });
        child.on("close", () => reject(new Error(`child ended: ${err}`)));
      });
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      child.kill("SIGKILL");
      await gone;
      const lock = acquireLock(path, "open");
      lock.release();
      assert.deepEqual(readdirSync(dir), [], `kill ${k}`);
    }
  });

  test("three processes racing to take over one stale lock: one writer at a time", async () => {
    const path = join(tempDir(), "stale-race.npy");
    const dead = spawnSync(process.execPath, ["--version"]).pid;
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: dead, start: null, host: hostname(), token: "z" }),
    );
    const rounds = 10;
    const rows = 5;
    const runs = await race(path, [same, same, other!.cmd], rounds, rows);
    for (const r of runs) assert.equal(r.code, 0, r.err);
    const { shape, data } = readNpySync(path);
    assert.deepEqual(shape, [3 * rounds * rows, 2]);
    const d = data as Float64Array;
    for (const id of [1, 2, 3]) {
      const seqs: number[] = [];
      for (let i = 0; i < d.length; i += 2) {
        if (d[i] === id) seqs.push(d[i + 1]!);
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: rounds * rows }, (_, i) => i),
      );
    }
    assert.deepEqual(readdirSync(join(path, "..")).sort(), [
      "stale-race.npy",
      "stale-race.npy.go",
    ]);
  });

  test(`two processes racing (${RUNTIME} and ${other?.name}): every acknowledged row is there`, async () => {
    const path = join(tempDir(), "race.npy");
    const rounds = 50;
    const rows = 10;
    const runs = await race(path, [same, other!.cmd], rounds, rows);
    for (const r of runs) assert.equal(r.code, 0, r.err);
    const acked = runs.map((r) => Number(/acked (\d+)/.exec(r.out)![1]));
    assert.deepEqual(acked, [rounds * rows, rounds * rows]);
    const { shape, data } = readNpySync(path);
    assert.deepEqual(shape, [2 * rounds * rows, 2]);
    for (const id of [1, 2]) {
      const seqs: number[] = [];
      const d = data as Float64Array;
      for (let i = 0; i < d.length; i += 2) {
        if (d[i] === id) seqs.push(d[i + 1]!);
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: rounds * rows }, (_, i) => i),
      );
    }
  });
});
