/**
 * Stop 26 (h5): races of new kinds on one file.
 *
 * - A hard link made while `ensureAppendable` copied the file (`ln x.npy
 *   h.npy` after its look at the link count, before its rename): the copy
 *   was renamed over `x.npy` and `h.npy` kept the old file, so the two
 *   names were two files from then on, and rows appended through one never
 *   reached the other. The copy now looks at the link count again before
 *   its rename and rewrites in place when the file gained a name.
 * - A holder paused by SIGSTOP (alive, not running) keeps its lock
 *   against every taker, and goes on once continued.
 * - Takers of a stale lock whose takeover guard a killed taker left,
 *   paused at exact points (strace delays, as SIGSTOP or a frozen
 *   container would): the first renamed the stale guard aside to check it
 *   just after a second taker had replaced it with its own, a third then
 *   made a second guard, and removed the lock the second had just taken:
 *   two writers appended at once, acknowledged rows lost (Deno without
 *   `/tmp`, where no lock by device and inode refuses the third). A stale
 *   guard is now removed under a guard of its own, never moved.
 * - Writers reaching one file by six names (the path, a relative path
 *   after `chdir`, a symlinked folder, a hard link, `/proc/self/fd/N`, a
 *   bind mount of the file), paused and continued at random, two of them
 *   killed: every acknowledged row is in the file exactly once.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  isAppendableSync,
  NpyAppendArraySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { atStat } from "./_remove_at_stat.ts";
import { oldNpyBytes } from "./_journal_files.ts";
import { RUNTIME, scriptCommand, sourcePath } from "./_runtime.ts";
import { straceOptions } from "./_strace.ts";

const CHILD = new URL("./_stop26_race_child.ts", import.meta.url);

/**
 * Deno's executable: this one's under Deno, else the one `npx` gives (as
 * `otherRuntime` in `_lock_holder.ts` runs it), so no run skips the test.
 */
function denoExecPath(): string {
  if (RUNTIME === "deno") {
    return (globalThis as unknown as { Deno: { execPath(): string } }).Deno
      .execPath();
  }
  const r = spawnSync("npx", [
    "-y",
    "deno@2.9.6",
    "eval",
    "console.log(Deno.execPath())",
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, `npx deno: ${r.stderr}`);
  return r.stdout.trim();
}

test("a hard link made while ensureAppendable copies the file: both names stay one file", async () => {
  let fired = 0;
  for (let n = 1; n < 40; n++) {
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const h = join(dir, "h.npy");
    writeFileSync(x, oldNpyBytes(new Int32Array([1, 2, 3])));
    assert.equal(isAppendableSync(x), false);
    const did = await atStat(x, n, "after", () => linkSync(x, h), () => {
      ensureAppendableSync(x);
      return Promise.resolve();
    });
    if (!did) break;
    fired++;
    assert.equal(
      statSync(x).ino,
      statSync(h).ino,
      `link made after stat ${n}: the names are two files`,
    );
    assert.equal(isAppendableSync(h), true);
    const w = NpyAppendArraySync.open(h);
    w.append(new Int32Array([4]));
    w.close();
    assert.deepEqual(npLoadJson(x).values, [1, 2, 3, 4]);
    assert.deepEqual(readdirSync(dir).sort(), ["h.npy", "x.npy"]);
  }
  assert.ok(fired > 0);
});

/** A child process of `_stop26_race_child.ts` and its output so far. */
interface Child {
  pid: number;
  out(): string;
  ended: Promise<number | null>;
}

function start(args: string[]): Child {
  const [cmd, cmdArgs] = scriptCommand(CHILD);
  const child = spawn(cmd, [...cmdArgs, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  return {
    pid: child.pid!,
    out: () => text,
    ended: new Promise((r) => child.on("close", (code) => r(code))),
  };
}

async function until(what: () => boolean, label: () => string): Promise<void> {
  for (let i = 0; !what(); i++) {
    assert.ok(i < 3000, `timed out: ${label()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The file's rows as `id,seq` strings (np.load), each id's seq list. */
function loadRows(path: string): string[] {
  const values = npLoadJson(path).values as number[];
  const rows: string[] = [];
  for (let i = 0; i < values.length; i += 2) {
    rows.push(`${values[i]},${values[i + 1]}`);
  }
  return rows;
}

test(
  "a holder paused by SIGSTOP keeps its lock; continued, it appends and closes",
  {
    ...numpyTestOptions(),
    timeout: 120_000,
  },
  async () => {
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const holder = start(["hold", x, "3"]);
    try {
      await until(() => holder.out().includes("ready"), holder.out);
      process.kill(holder.pid, "SIGSTOP");
      for (let i = 0; i < 3; i++) {
        const taker = start(["try", x]);
        assert.equal(await taker.ended, 0, taker.out());
        assert.match(taker.out(), /NpyLockedError: .*held by pid/);
      }
      writeFileSync(`${x}.more`, "");
    } finally {
      process.kill(holder.pid, "SIGCONT");
    }
    await until(() => holder.out().includes("more"), holder.out);
    writeFileSync(`${x}.close`, "");
    assert.equal(await holder.ended, 0, holder.out());
    assert.deepEqual(loadRows(x), ["-1,0", "-1,1", "-1,2", "-1,3"]);
    assert.deepEqual(readdirSync(dir).sort(), ["x.npy", "x.npy.close"]);
  },
);

/** Whether `mount --bind` works here (Linux, root). */
function canBind(dir: string): boolean {
  if (process.platform !== "linux") return false;
  const a = join(dir, "bind-a");
  const b = join(dir, "bind-b");
  writeFileSync(a, "");
  writeFileSync(b, "");
  if (spawnSync("mount", ["--bind", a, b]).status !== 0) return false;
  spawnSync("umount", [b]);
  return true;
}

test(
  "writers by six names of one file, paused and killed at random: every acknowledged row once",
  {
    ...numpyTestOptions(),
    skip: process.platform === "linux"
      ? undefined
      : "Linux (/proc, bind mounts)",
    timeout: 300_000,
  },
  async () => {
    const dir = tempDir();
    const real = join(dir, "real");
    const x = join(real, "x.npy");
    spawnSync("mkdir", [real]);
    const first = NpyAppendArraySync.open(x);
    first.append({ data: new Float64Array([-1, 0]), shape: [1, 2] });
    first.close();
    symlinkSync("real", join(dir, "link"));
    linkSync(x, join(real, "h.npy"));
    const names = [
      x,
      `rel:${real}:x.npy`,
      join(dir, "link", "x.npy"),
      join(real, "h.npy"),
      `fd:${x}`,
    ];
    const bound = join(dir, "b.npy");
    const bind = canBind(dir);
    if (bind) {
      writeFileSync(bound, "");
      assert.equal(spawnSync("mount", ["--bind", x, bound]).status, 0);
      names.push(bound);
    }
    const acks = (i: number) => join(dir, `acks.${i}`);
    try {
      const racers = names.map((name, i) =>
        start(["race", name, String(i), "12", "4", acks(i)])
      );
      await until(
        () => racers.every((r) => r.out().includes("waiting")),
        () => racers.map((r) => r.out()).join("\n"),
      );
      for (let i = 0; i < racers.length; i++) {
        writeFileSync(`${acks(i)}.go`, "");
      }
      // Pauses of up to 0.4 s at random; two racers killed on the way.
      const killed = new Set<number>();
      for (let k = 0; k < 24; k++) {
        const i = Math.floor(Math.random() * racers.length);
        try {
          process.kill(racers[i]!.pid, "SIGSTOP");
          await new Promise((r) => setTimeout(r, Math.random() * 400));
          process.kill(racers[i]!.pid, "SIGCONT");
        } catch {
          // ended
        }
        if (k === 8 || k === 16) {
          const victim = k / 8;
          killed.add(victim);
          try {
            process.kill(racers[victim]!.pid, "SIGKILL");
          } catch {
            // ended
          }
        }
      }
      const codes = await Promise.all(racers.map((r) => r.ended));
      codes.forEach((code, i) => {
        if (!killed.has(i)) assert.equal(code, 0, racers[i]!.out());
      });
    } finally {
      if (bind) spawnSync("umount", [bound]);
    }
    const rows = loadRows(x);
    assert.equal(new Set(rows).size, rows.length, "a row twice");
    const have = new Set(rows);
    for (let i = 0; i < names.length; i++) {
      if (!existsSync(acks(i))) continue;
      for (const seq of readFileSync(acks(i), "utf8").split("\n")) {
        if (seq !== "") assert.ok(have.has(`${i},${seq}`), `row ${i},${seq}`);
      }
    }
    // The next writer opens it, and what a killed racer left (its lock, a
    // hold record's temporary, here and in /tmp) is gone after it.
    NpyAppendArraySync.open(x).close();
    const left = readdirSync(real).filter((n) => /\.(lock|journal)/.test(n));
    assert.deepEqual(left, []);
    const st = statSync(x);
    const byId = `npy-append-array-links-${st.dev}-${st.ino}.lock`;
    const inTmp = readdirSync("/tmp").filter((n) => n.startsWith(byId));
    assert.deepEqual(inTmp, []);
  },
);

test(
  "takers paused inside the takeover of a stale lock and guard: one writer at a time, every acknowledged row once",
  {
    ...numpyTestOptions(),
    ...straceOptions,
    ...(process.platform === "linux" ? {} : { skip: "Linux (strace)" }),
    timeout: 180_000,
  },
  async () => {
    const dir = tempDir();
    const x = join(dir, "x.npy");
    const lock = `${x}.lock`;
    const guard = `${lock}.takeover`;
    const first = NpyAppendArraySync.open(x);
    first.append({ data: new Float64Array([-1, 0]), shape: [1, 2] });
    first.close();
    const dead = spawnSync(process.execPath, ["--version"]).pid!;
    const record = (token: string) =>
      JSON.stringify({ pid: dead, start: null, host: "", token, path: x });
    writeFileSync(lock, record("a".repeat(16)));
    writeFileSync(guard, record("b".repeat(16)));
    // Deno with this folder only: no lock by device and inode in /tmp.
    const deno = denoExecPath();
    const child = sourcePath(CHILD);
    const acks = (i: number) => join(dir, `acks.${i}`);
    const calls = "rename,renameat,renameat2,unlink,unlinkat";
    const racer = (i: number, on: string, delay: string, rows: number) => {
      for (const f of [`${acks(i)}.go`]) writeFileSync(f, "");
      const c = spawn("strace", [
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-P",
        on,
        "-e",
        `trace=${calls}`,
        "-e",
        `inject=${calls}:${delay}`,
        deno,
        "run",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        "--allow-run",
        child,
        "race",
        x,
        String(i),
        "1",
        String(rows),
        acks(i),
        "10",
      ], { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      c.stdout.on("data", (d) => (text += d));
      c.stderr.on("data", (d) => (text += d));
      return {
        out: () => text,
        ended: new Promise<number | null>((r) => c.on("close", r)),
      };
    };
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // 1: paused 3 s at its first change of the guard, then 4 s after it.
    const r1 = racer(1, guard, "delay_enter=3000000:delay_exit=4000000", 3);
    await wait(1500);
    // 2: paused 5 s at its removal of the stale lock (holding the guard).
    const r2 = racer(2, lock, "delay_enter=5000000:when=1", 300);
    await wait(3000);
    // 3: paused 4 s at its removal of the stale lock.
    const r3 = racer(3, lock, "delay_enter=4000000:when=1", 200);
    const racers = [r1, r2, r3];
    const codes = await Promise.all(racers.map((r) => r.ended));
    codes.forEach((code, i) => assert.equal(code, 0, racers[i]!.out()));
    const rows = loadRows(x);
    assert.equal(new Set(rows).size, rows.length, "a row twice");
    const have = new Set(rows);
    for (const i of [1, 2, 3]) {
      for (const seq of readFileSync(acks(i), "utf8").split("\n")) {
        if (seq !== "") assert.ok(have.has(`${i},${seq}`), `row ${i},${seq}`);
      }
    }
    const left = readdirSync(dir).filter((n) => n.startsWith("x.npy."));
    assert.deepEqual(left, []);
  },
);
