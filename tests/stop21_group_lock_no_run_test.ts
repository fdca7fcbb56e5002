/**
 * Stop 21 (h5): a group writer killed leaves the group folder's locks
 * (beside it and by device and inode in `/tmp`) and each member's: a
 * file's `<name>.npy.lock`, a member stack's `<name>.lock`, its folder's
 * `/tmp` lock, its live shard's lock and that shard's `/tmp` lock. Deno
 * without --allow-run (`deno run -R -W`) cannot tell the holder dead: its
 * refusal named the group folder's two locks only; removed as told, each
 * member stack's open was refused next, naming its own. One refusal now
 * names every lock that holder (same pid and start time) left, and
 * removing them lets the next writer on with the killed writer's rows.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyGroupReader } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { sourcePath } from "./_runtime.ts";

const CHILD = new URL("./_stop21_group_lock_child.ts", import.meta.url);
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
/** Deno, this one or (under Bun and Node) Deno from npm. */
const DENO: string[] = deno === undefined
  ? ["npx", "-y", "deno@2.9.6"]
  : [deno.execPath()];

/** Every lock file under `dir` (recursively) and `dir.lock`. */
function locksUnder(dir: string): string[] {
  const found = [`${dir}.lock`];
  for (const e of readdirSync(dir, { recursive: true }) as string[]) {
    if (e.endsWith(".lock")) found.push(join(dir, e));
  }
  return found;
}

/** Who holds a lock: a process id and that process's start time. */
interface Holder {
  pid: number;
  start: number;
}

/**
 * The `/tmp` locks by device and inode whose record names `holder`: its
 * pid and its start, as process ids come round again (32,768 on Linux by
 * default, fewer than a run of the suite starts) and killed writers of
 * other tests leave their `/tmp` locks behind.
 */
function tmpLocksOf(holder: Holder): string[] {
  return readdirSync("/tmp")
    .filter((n) => /^npy-append-array-(links|folder)-.*\.lock$/.test(n))
    .map((n) => join("/tmp", n))
    .filter((f) => {
      try {
        const r = JSON.parse(readFileSync(f, "utf8")) as Holder;
        return r.pid === holder.pid && r.start === holder.start;
      } catch {
        return false;
      }
    });
}

for (
  const [kind, besideGone] of [
    ["file", false],
    ["stack", false],
    ["stack", true],
  ] as const
) {
  test(
    `a killed group writer (${kind} members${
      besideGone ? ", the lock beside its folder removed first" : ""
    }), Deno without --allow-run: one refusal names every lock it left, removing them lets the next writer on`,
    { timeout: 120_000 },
    () => {
      const dir = join(tempDir(), "g");
      const child = (flags: string[], mode: string) =>
        spawnSync(
          DENO[0]!,
          [
            ...DENO.slice(1),
            "run",
            ...flags,
            sourcePath(CHILD),
            mode,
            dir,
            kind,
          ],
          { encoding: "utf8" },
        );
      const k = child(["-A"], "kill");
      assert.ok(
        k.signal === "SIGKILL" || k.status === 137,
        `${k.status} ${k.signal} ${k.stdout}${k.stderr}`,
      );
      const holder = JSON.parse(readFileSync(`${dir}.lock`, "utf8")) as Holder;
      let left = [...locksUnder(dir), ...tmpLocksOf(holder)].sort();
      // Beside the group and in /tmp, each member's beside it and in /tmp
      // (every file writer takes its lock by device and inode too); a
      // member stack's folder in /tmp, its live shard's beside it and in
      // /tmp.
      assert.equal(
        left.length,
        kind === "file" ? 6 : 10,
        left.join("\n"),
      );
      if (besideGone) {
        // Removed by hand: the refusal is then the folder's lock by device
        // and inode's, which named itself only (then one run per member).
        rmSync(`${dir}.lock`);
        left = left.filter((f) => f !== `${dir}.lock`);
      }
      const run = () => child(["-R", "-W"], "next");
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      const { message } = JSON.parse(first.stdout) as { message: string };
      const told =
        /or remove (.+) \(the locks it left\) if that process is gone$/
          .exec(message);
      assert.ok(told !== null, message);
      const named = [...told[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      assert.match(
        named[0]!,
        besideGone ? /npy-append-array-folder-/ : /\.lock$/,
      );
      if (!besideGone) assert.equal(named[0], `${dir}.lock`);
      assert.deepEqual([...named].sort(), left, message);
      for (const f of named) rmSync(f);
      const second = run();
      assert.equal(
        second.stdout.trim(),
        "appended",
        second.stdout + second.stderr,
      );
      using r = NpyGroupReader.openSync(dir);
      const got = r.readSync();
      assert.deepEqual([...got.a!.data as Float64Array], [1, 2, 3, 4]);
      assert.deepEqual([...got.b!.data as Float64Array], [1, 2, 3, 4]);
    },
  );
}
