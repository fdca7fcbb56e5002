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
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop26_race_child.ts", import.meta.url);

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
    // Nothing left beside the file; the next writer opens it.
    const left = readdirSync(real).filter((n) => /\.(lock|journal)/.test(n));
    assert.deepEqual(left, []);
    NpyAppendArraySync.open(x).close();
  },
);
