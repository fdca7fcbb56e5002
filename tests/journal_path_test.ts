/**
 * All-or-nothing changes on real files (SPEC section 10, issue 12 items 1
 * and 4): a 2 MiB tmpfs for full disks (root only: mounted and unmounted
 * here), SIGKILL of a child at random moments during an in-place
 * rewrite, a copy, an atomic writer and a CLI `concat`, SIGKILL right
 * after each file call of a CLI `concat` and `from-csv` (every kill
 * point, in order), and symlinks,
 * hard links, modes and owners kept by `ensureAppendable`. Values are
 * checked with NumPy. Runs on Deno, Node (npm build) and Bun.
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  ensureAppendableSync,
  isAppendableSync,
  needsRecoverySync,
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { killPoints } from "./_kill_at.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

const SLOW = { timeout: 240_000 };
const withNumpy = { ...numpyTestOptions(), ...SLOW };
const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));
const CLI = scriptCommand(new URL("../cli.ts", import.meta.url));

/** NumPy loads each file and finds `ramp(n)`; throws otherwise. */
function npCheckRamp(files: [string, number][]): void {
  const out = runPython(
    `
import sys, numpy as np
for p, n in zip(sys.argv[1::2], sys.argv[2::2]):
    a = np.load(p)
    want = np.arange(int(n), dtype=np.int64) * 3 + 1
    ok = a.shape == (int(n),) and a.dtype == np.int32 and (a == want).all()
    print(p, "ok" if ok else "BAD %r %r" % (a.shape, a.dtype))
`,
    files.flatMap(([p, n]) => [p, String(n)]),
  );
  for (const line of out.trim().split("\n")) assert.match(line, / ok$/);
}

function values(path: string): number[] {
  return [...readNpySync(path).data as Int32Array];
}

/** The first byte of `path` (`undefined` when it cannot be read). */
function firstByte(path: string): number | undefined {
  try {
    const fd = openSync(path, "r");
    try {
      const b = new Uint8Array(1);
      return readSync(fd, b, 0, 1, 0) === 1 ? b[0] : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) =>
    n.endsWith(".tmp") || n.endsWith(".journal") || n.endsWith(".new")
  );
}

/**
 * Spawns a child and kills it `delay` ms after it printed `ready` (or after
 * `acks` acks, or once `file` exists or `until` holds).
 */
function runKilled(
  exe: [string, string[]],
  args: string[],
  when: {
    delay: number;
    acks?: number;
    file?: string;
    /** Or once this holds (polled every millisecond). */
    until?: () => boolean;
    signal?: "SIGKILL" | "SIGINT";
  },
): Promise<{ code: number | null; acks: number }> {
  return new Promise((resolve, reject) => {
    const [cmd, pre] = exe;
    const child = spawn(cmd, [...pre, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let acks = 0;
    let armed = false;
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(() => child.kill(when.signal ?? "SIGKILL"), when.delay);
    };
    // Or once a file (a change record) appears, or `until` holds.
    const seen = when.until ??
      (when.file === undefined ? undefined : () => existsSync(when.file!));
    const poll = seen === undefined ? undefined : setInterval(() => {
      if (seen()) {
        clearInterval(poll);
        arm();
      }
    }, 1);
    let buf = "";
    child.stdout!.on("data", (d: Uint8Array) => {
      buf += new TextDecoder().decode(d);
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("ack")) acks++;
        if (line === "ready" && (when.acks ?? 0) === 0 && !seen) arm();
        if (line.startsWith("ack") && acks >= (when.acks ?? 0)) arm();
      }
    });
    child.stderr!.on("data", () => {});
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(poll);
      resolve({ code, acks });
    });
  });
}

describe("kills with SIGKILL at random moments", () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const N = 10_000_000; // 40 MB: three 16 MiB chunks
  const big = oldNpyBytes(ramp(N));

  test(
    "an in-place rewrite killed anywhere is finished by the next open or recover",
    withNumpy,
    async () => {
      const states = { old: 0, record: 0, done: 0 };
      const checks: [string, number][] = [];
      // Runs 1 and 2 are killed as soon as the move has begun: it zeroes
      // the magic's first byte before the first chunk moves (a kill while
      // data moves even when a loaded machine runs the child slowly: five
      // timed kills all landed before it there); the others at a time
      // after the child is ready.
      for (const [i, delay] of [0, 0, 0, 200, 400].entries()) {
        const path = join(dir, `shift${i}.npy`);
        writeFileSync(path, big);
        const moving = () => firstByte(path) === 0;
        await runKilled(CHILD, ["shift", path], {
          delay,
          ...(i === 1 || i === 2 ? { until: moving } : {}),
        });
        if (needsRecoverySync(path)) {
          states.record++;
          assert.throws(
            () => readNpySync(path),
            (e: Error) =>
              e instanceof NpyFormatError &&
              e.message.includes("unfinished in-place rewrite") &&
              e.message.includes(`run recover("${path}")`),
          );
          assert.throws(() => isAppendableSync(path), NpyFormatError);
          // The even ones are settled by a writer's open, the odd by recover.
          // (A kill before any data moved is rolled back: still old.)
          if (i % 2 === 0) {
            try {
              NpyAppendArraySync.open(path).close();
            } catch (e) {
              assert.match(String(e), /no room to grow/);
            }
          } else recoverSync(path);
          assert.equal(needsRecoverySync(path), false);
        } else {
          // Never a torn record: none, or a whole one (handled above).
          assert.ok(!existsSync(`${path}.journal`));
          if (isAppendableSync(path)) states.done++;
          else states.old++;
          // A record's temporary left by the kill: the next open removes it.
          try {
            NpyAppendArraySync.open(path).close();
          } catch (e) {
            assert.match(String(e), /no room to grow/);
          }
        }
        assert.deepEqual(leftovers(dir), []);
        checks.push([path, N]);
      }
      npCheckRamp(checks);
      for (const [p] of checks) {
        ensureAppendableSync(p, { inplace: true });
        assert.equal(isAppendableSync(p), true);
        rmSync(p);
      }
      assert.ok(states.record > 0, JSON.stringify(states));
    },
  );

  test(
    "a copy killed anywhere leaves the old or new file, and the next run removes its temporary file",
    withNumpy,
    () => {
      const checks: [string, number][] = [];
      let temps = 0;
      // SIGKILL right after the child's Nth file call, for every N until a
      // run gets through (no timing: every run stops at a chosen step of
      // the copy). A sparser sweep stepped over the copy's few calls once
      // opening took more (a lock by device and inode, its slot). Every
      // runtime runs every point: with a third each, CI's Deno once
      // stepped over the copy's few calls (killPoints' `shared`).
      for (const n of killPoints(1, Infinity, 1, false)) {
        const sub = join(dir, `copy${n}`);
        mkdirSync(sub);
        const path = join(sub, "x.npy");
        writeFileSync(path, big);
        const r = spawnSync(
          CHILD[0],
          [...CHILD[1], "killat", String(n), "copy", path],
          { encoding: "utf8" },
        );
        const done = r.stdout.includes("exit 0");
        if (!done) assert.equal(r.signal, "SIGKILL", `step ${n}: ${r.stderr}`);
        temps += readdirSync(sub).filter((n) => n.endsWith(".tmp")).length;
        assert.equal(needsRecoverySync(path), false);
        assert.equal(readNpySync(path).shape[0], N);
        ensureAppendableSync(path);
        assert.deepEqual(readdirSync(sub), ["x.npy"]);
        checks.push([path, N]);
        if (done) break;
      }
      assert.ok(temps > 0, "no kill landed during a copy");
    },
  );

  test(
    "an atomic writer killed after 0, 1 or 3 appends is rolled back by the next open",
    withNumpy,
    async () => {
      const checks: [string, number][] = [];
      for (const [i, acks] of [0, 1, 3].entries()) {
        const path = join(dir, `atomic${i}.npy`);
        const w = NpyAppendArraySync.open(path);
        w.append(ramp(1000));
        w.close();
        const before = readFileSync(path);
        const r = await runKilled(CHILD, ["atomic", path, "1000"], {
          delay: 5,
          acks,
        });
        assert.ok(r.acks >= acks);
        if (acks > 0) {
          assert.throws(() => readNpySync(path), /unfinished atomic append/);
          assert.equal(needsRecoverySync(path), true);
        }
        if (i === 1) recoverSync(path);
        const again = NpyAppendArraySync.open(path);
        assert.deepEqual(again.shape, [1000]);
        again.close();
        assert.deepEqual(readFileSync(path), before);
        assert.deepEqual(leftovers(dir), []);
        checks.push([path, 1000]);
      }
      npCheckRamp(checks);
    },
  );

  test(
    "a CLI concat into an existing output killed (SIGKILL, Ctrl-C's SIGINT) part-way: the rerun appends the input once",
    withNumpy,
    async () => {
      const checks: [string, number][] = [];
      const IN = join(dir, "in.npy");
      const M = 6_000_000; // 24 MB: six batches
      const w = NpyAppendArraySync.open(IN);
      w.append(ramp(M, 1000));
      w.close();
      let killedMidway = 0;
      const log: string[] = [];
      const runs = [[0, "SIGKILL"], [20, "SIGINT"], [60, "SIGKILL"]] as const;
      for (const [i, [delay, signal]] of runs.entries()) {
        const out = join(dir, `out${i}.npy`);
        const o = NpyAppendArraySync.open(out);
        o.append(ramp(1000));
        o.close();
        const r = await runKilled(CLI, ["concat", "--no-progress", out, IN], {
          delay,
          signal,
          file: `${out}.journal`,
        });
        log.push(`${signal} at ${delay} ms: exit ${r.code}`);
        if (r.code !== 0) {
          // As before (1000 items), an unfinished change (-1: the rerun's
          // open rolls it back), or whole: a kill that lands after the
          // commit (the change record removed) but before the process
          // ended, common under load; then there is nothing to rerun.
          const n = needsRecoverySync(out) ? -1 : readNpySync(out).shape[0];
          assert.ok(
            n === -1 || n === 1000 || n === 1000 + M,
            `partial output: ${n} items`,
          );
          if (n === -1) killedMidway++;
          if (n !== 1000 + M) {
            const res = spawnSync(CLI[0], [
              ...CLI[1],
              "concat",
              "--no-progress",
              out,
              IN,
            ]);
            assert.equal(res.status, 0, String(res.stderr));
          }
        }
        assert.equal(readNpySync(out).shape[0], 1000 + M);
        assert.deepEqual(leftovers(dir), []);
        checks.push([out, 1000 + M]);
      }
      npCheckRamp(checks);
      assert.ok(killedMidway > 0, `no kill landed mid-way: ${log.join("; ")}`);
    },
  );
});

test(
  "a CLI from-csv into an existing output killed part-way: the rerun appends every line once",
  withNumpy,
  async () => {
    const dir = tempDir();
    try {
      const csv = join(dir, "in.csv");
      const L = 1_000_000;
      writeFileSync(
        csv,
        Array.from({ length: L }, (_, k) => String((1000 + k) * 3 + 1)).join(
          "\n",
        ) + "\n",
      );
      let midway = 0;
      const checks: [string, number][] = [];
      for (const [i, delay] of [5, 50, 150].entries()) {
        const out = join(dir, `o${i}.npy`);
        const o = NpyAppendArraySync.open(out);
        o.append(ramp(1000));
        o.close();
        const args = ["from-csv", "--no-progress", "--dtype", "i4", csv, out];
        const r = await runKilled(CLI, args, { delay, file: `${out}.journal` });
        if (r.code !== 0) {
          // As in the concat test: before, unfinished, or whole (killed
          // after the commit: nothing to rerun).
          let whole = false;
          if (needsRecoverySync(out)) midway++;
          else {
            const n = readNpySync(out).shape[0];
            assert.ok(n === 1000 || n === 1000 + L, `partial output: ${n}`);
            whole = n === 1000 + L;
          }
          if (!whole) {
            const res = spawnSync(CLI[0], [...CLI[1], ...args]);
            assert.equal(res.status, 0, String(res.stderr));
          }
        }
        assert.equal(readNpySync(out).shape[0], 1000 + L);
        assert.deepEqual(leftovers(dir), []);
        checks.push([out, 1000 + L]);
      }
      npCheckRamp(checks);
      assert.ok(midway > 0, "no kill landed mid-way");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Whether `path` holds exactly `ramp(n)` (a valid file NumPy would load). */
function holdsRamp(path: string, n: number): boolean {
  const a = readNpySync(path);
  const want = ramp(n);
  const got = a.data as Int32Array;
  return a.shape.length === 1 && a.shape[0] === n && got.length === n &&
    got.every((v, i) => v === want[i]);
}

/**
 * Runs the CLI with `args` (appending `added` items to `out`, which holds
 * `ramp(1000)`) in a child that SIGKILLs itself right after its Nth file
 * call, for N = 1, 2, ... (each runtime every third N: `killPoints`)
 * until a run gets through. After each kill the
 * output is as before (1000 items, or an unfinished change that the next
 * open or recover rolls back) or whole (1000 + added items, or a change
 * whose header `close()` wrote, which the next open keeps), never
 * anything else; the rerun a user makes on "as before" appends the input
 * once, and no temporary, change record or lock is left.
 */
function killAtEveryStep(
  dir: string,
  args: (out: string) => string[],
  added: number,
): { before: number; record: number; whole: number } {
  const states = { before: 0, record: 0, whole: 0 };
  for (const n of killPoints(1)) {
    const out = join(dir, "out.npy");
    const o = NpyAppendArraySync.open(out);
    o.append(ramp(1000));
    o.close();
    const r = spawnSync(
      CHILD[0],
      [...CHILD[1], "cli", String(n), ...args(out)],
      {
        encoding: "utf8",
      },
    );
    const done = r.stdout.includes("exit ");
    if (done) assert.match(r.stdout, /exit 0/, r.stderr);
    else assert.equal(r.signal, "SIGKILL", `step ${n}: ${r.stderr}`);
    let rerun = true;
    if (needsRecoverySync(out)) {
      states.record++;
      // Killed after close() wrote the header (the commit point, stop 27):
      // the next open keeps the change, as the readers' refusal says.
      try {
        readNpySync(out);
      } catch (e) {
        if (/keeps the change/.test(`${e}`)) rerun = false;
      }
    } else if (holdsRamp(out, 1000 + added)) {
      states.whole++;
      rerun = false;
    } else {
      assert.ok(holdsRamp(out, 1000), `step ${n}: neither before nor whole`);
      states.before++;
    }
    if (done) {
      assert.equal(rerun, false, "a finished run left the change unmade");
      break;
    }
    if (rerun) {
      const again = spawnSync(CLI[0], [...CLI[1], ...args(out)], {
        encoding: "utf8",
      });
      assert.equal(again.status, 0, `step ${n}: ${again.stderr}`);
    } else {
      // The killed run's lock is taken over at once (and removed).
      NpyAppendArraySync.open(out).close();
    }
    assert.ok(holdsRamp(out, 1000 + added), `step ${n}: rerun`);
    assert.deepEqual(
      // Hidden temporaries (`.out.npy.<pid>.<random>.tmp`) included.
      readdirSync(dir).filter((f) => f.includes("out.npy")),
      ["out.npy"],
      `step ${n}`,
    );
    rmSync(out);
  }
  return states;
}

describe("kills with SIGKILL at every file call", () => {
  test(
    "a CLI concat of two inputs into an existing output: before or whole after every kill, the rerun appends once",
    SLOW,
    () => {
      const dir = tempDir();
      try {
        const M = 1_200_000; // 4.8 MB each: two batches per input
        for (const [i, start] of [1000, 1000 + M].entries()) {
          const w = NpyAppendArraySync.open(join(dir, `in${i}.npy`));
          w.append(ramp(M, start));
          w.close();
        }
        const states = killAtEveryStep(dir, (out) => [
          "concat",
          "--no-progress",
          out,
          join(dir, "in0.npy"),
          join(dir, "in1.npy"),
        ], 2 * M);
        // Two of this runtime's points (a third of all, killPoints) with a
        // record: the change is open over 4 file calls or more.
        assert.ok(
          states.record >= 2 && states.before > 0 && states.whole > 0,
          JSON.stringify(states),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "a CLI from-csv into an existing output: before or whole after every kill, the rerun appends every line once",
    SLOW,
    () => {
      const dir = tempDir();
      try {
        const L = 200_000; // four batches
        const csv = join(dir, "in.csv");
        writeFileSync(
          csv,
          Array.from({ length: L }, (_, k) => String((1000 + k) * 3 + 1))
            .join("\n") + "\n",
        );
        const states = killAtEveryStep(dir, (out) => [
          "from-csv",
          "--no-progress",
          "--dtype",
          "i4",
          csv,
          out,
        ], L);
        // Two of this runtime's points (a third of all, killPoints) with a
        // record: the change is open over 4 file calls or more.
        assert.ok(
          states.record >= 2 && states.before > 0 && states.whole > 0,
          JSON.stringify(states),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("links, modes and owners", () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = oldNpyBytes(ramp(5000));

  test("a chain of two symlinks stays links; the real file is converted", () => {
    const real = join(dir, "real.npy");
    writeFileSync(real, bytes);
    symlinkSync("real.npy", join(dir, "link1.npy"));
    symlinkSync("link1.npy", join(dir, "link2.npy"));
    assert.equal(ensureAppendableSync(join(dir, "link2.npy")), true);
    assert.ok(lstatSync(join(dir, "link1.npy")).isSymbolicLink());
    assert.ok(lstatSync(join(dir, "link2.npy")).isSymbolicLink());
    assert.equal(isAppendableSync(real), true);
    assert.deepEqual(values(join(dir, "link2.npy")), [...ramp(5000)]);
    assert.deepEqual(leftovers(dir), []);
  });

  for (const mode of [0o600, 0o640, 0o755]) {
    test(`a ${mode.toString(8)} file keeps its mode`, () => {
      const p = join(dir, `m${mode.toString(8)}.npy`);
      writeFileSync(p, bytes);
      chmodSync(p, mode);
      ensureAppendableSync(p);
      assert.equal(statSync(p).mode & 0o7777, mode);
      assert.equal(isAppendableSync(p), true);
    });
  }

  test("the owner is kept where permitted (root)", {
    skip: process.getuid?.() === 0 ? undefined : "needs root",
  }, () => {
    const p = join(dir, "owned.npy");
    writeFileSync(p, bytes);
    chownSync(p, 1234, 2345);
    ensureAppendableSync(p);
    assert.equal(statSync(p).uid, 1234);
    assert.equal(statSync(p).gid, 2345);
  });

  test("a file with two hard links is converted in place: both names see it", () => {
    const p = join(dir, "hard.npy");
    writeFileSync(p, bytes);
    linkSync(p, join(dir, "hard2.npy"));
    const ino = statSync(p).ino;
    ensureAppendableSync(p);
    assert.equal(statSync(p).ino, ino);
    assert.equal(statSync(p).nlink, 2);
    assert.equal(isAppendableSync(join(dir, "hard2.npy")), true);
    assert.deepEqual(values(join(dir, "hard2.npy")), [...ramp(5000)]);
  });
});
