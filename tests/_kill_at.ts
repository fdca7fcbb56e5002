/**
 * For kill tests: SIGKILL a child process right after its Nth call of the
 * named `node:fs` functions (and, on Deno, of the `Deno` calls the path
 * layer uses in their place), so a test can stop a child at every file
 * call of an operation in turn. The child's side: `killAfterFileCall`,
 * and the head and tail of a sweep's child (`startKillChild`, `say`,
 * `ints`, `childThrough`); the test's side: `runKilledAt` and
 * `sweepKills`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { tempDir } from "./_numpy.ts";
import { RUNTIME } from "./_runtime.ts";

/** The `Deno` calls that stand for each `node:fs` one on Deno. */
const DENO_CALLS: Record<string, Array<[string, string]>> = {
  openSync: [["ns", "openSync"]],
  writeSync: [["file", "writeSync"]],
  ftruncateSync: [["file", "truncateSync"]],
  fsyncSync: [["file", "syncSync"], ["file", "syncDataSync"]],
  linkSync: [["ns", "linkSync"]],
  unlinkSync: [["ns", "removeSync"]],
  renameSync: [["ns", "renameSync"]],
  closeSync: [["file", "close"]],
};

/** Every `node:fs` call that changes a file or a folder's entries. */
export const FILE_CHANGING_CALLS: readonly string[] = Object.keys(DENO_CALLS);

/**
 * Makes the `n`th call (counting from 1) of any of `names` in `node:fs`
 * (on Deno also of the matching `Deno` calls) the last thing this process
 * does.
 *
 * @param n Which call kills.
 * @param names The `node:fs` functions counted.
 */
export function killAfterFileCall(n: number, names: readonly string[]): void {
  let left = n;
  const wrap = (
    owner: Record<string, (...a: unknown[]) => unknown>,
    name: string,
  ) => {
    const real = owner[name];
    if (typeof real !== "function") return;
    owner[name] = function (this: unknown, ...a: unknown[]) {
      const r = real.apply(this, a);
      if (--left === 0) process.kill(process.pid, "SIGKILL");
      return r;
    };
  };
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  for (const name of names) wrap(fs, name);
  const deno = (globalThis as {
    Deno?: Record<string, unknown> & { FsFile: { prototype: unknown } };
  }).Deno;
  if (deno === undefined) return;
  for (const name of names) {
    for (const [where, call] of DENO_CALLS[name] ?? []) {
      wrap(
        (where === "ns" ? deno : deno.FsFile.prototype) as Record<
          string,
          (...a: unknown[]) => unknown
        >,
        call,
      );
    }
  }
}

/**
 * For kill tests: runs `child` (a `scriptCommand`) with the args `n op
 * path`, where the child kills itself after its `n`th file call (0:
 * never) and prints `ack K` after each acknowledged step and `exit 0` when
 * it got through.
 *
 * @returns The last `K` acknowledged, and whether it got through.
 */
export function runKilledAt(
  child: [string, string[]],
  n: number,
  op: string,
  path: string,
): { acked: number; through: boolean } {
  const r = spawnSync(child[0], [...child[1], String(n), op, path], {
    encoding: "utf8",
  });
  const through = r.stdout.includes("exit 0");
  if (!through && r.signal !== "SIGKILL") {
    throw new Error(
      `The child ${op} ${path} neither got through nor was killed: ${r.stderr}`,
    );
  }
  let acked = 0;
  for (const m of r.stdout.matchAll(/^ack (\d+)$/gm)) acked = Number(m[1]);
  return { acked, through };
}

/**
 * For a sweep's child: prints a line to stdout at once (a SIGKILL may come
 * right after).
 *
 * @param line The line, without its newline.
 */
export function say(line: string): void {
  writeSync(1, new TextEncoder().encode(line + "\n"));
}

/**
 * For a sweep's child: `count` int32 rows, row `i` holding `start + i`.
 *
 * @param start The first value.
 * @param count How many.
 */
export function ints(start: number, count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => start + i);
}

/**
 * The head of a sweep's child, run as `<runtime> child.ts N OP PATH` by
 * `runKilledAt`: reads its args and makes the `N`th file-changing call
 * (0: none) its last.
 *
 * @returns The operation and the path.
 */
export function startKillChild(): { op: string; path: string } {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  const [nText, op, path] = deno ? deno.args : process.argv.slice(2);
  killAfterFileCall(Number(nText), FILE_CHANGING_CALLS);
  return { op: op!, path: path! };
}

/** The tail of a sweep's child that got through: `exit 0`, and exits. */
export function childThrough(): never {
  say("exit 0");
  process.exit(0);
}

/** Which third of a sweep's points each runtime runs (`killPoints`). */
const SWEEP_SHARE = { deno: 0, node: 1, bun: 2 } as const;

/**
 * The kill points `n` of a sweep (`first`, `first + stride`, ... below
 * `limit`) that the runtime running the tests runs. The three runtimes
 * share the points: of the points the sweep visits (index `i` = 0, 1, 2,
 * ... in that order), Deno runs those with `i % 3 == 0`, Node `1`, Bun
 * `2`. The order of file calls a sweep kills at is the core's (its I/O
 * steps), the same on every runtime, so the three together still kill at
 * every point; Deno's own file layer (`src/_path_fs_deno.ts`) is killed
 * at an even third of them, the `node:fs` one Node and Bun share at the
 * other two thirds. The suite runs three times in CI (`deno test`,
 * `bun test`, `node --test`) within a 90-minute budget on two cores, and
 * the kill sweeps (a child runtime spawned per point, most of a point's
 * cost) were most of it. A sweep still ends at the first run that got
 * through; a runtime that skips a point goes on to its next one.
 *
 * Every kill sweep in tests/ takes its points from here (one mechanism);
 * a check that needs a particular point checks it where it was run.
 *
 * @param first The first point.
 * @param limit The points stay below it (default: no end).
 * @param stride The step between points (default 1).
 * @param shared Share the points between the runtimes (default); `false`:
 *   this runtime runs every one, for a sweep that must land in a window
 *   of a few calls whose place moves from run to run (the calls before
 *   it vary: a stale lock of another test taken over in the shared
 *   temporary folder, a reused inode), so that a third of the points may
 *   step over it.
 */
export function* killPoints(
  first: number,
  limit = Infinity,
  stride = 1,
  shared = true,
): Generator<number> {
  const mine = SWEEP_SHARE[RUNTIME];
  for (let i = 0, n = first; n < limit; i++, n += stride) {
    if (!shared || i % 3 === mine) yield n;
  }
}

/**
 * Kills `op` of `child` after each file call in turn (every `stride`th),
 * each time on a fresh `name` in a fresh folder, and calls
 * `check(path, acked, n)` after each kill; with `rerun`, a rerun (no
 * kill) must then get through and leave only `name` in the folder. Ends
 * with the first run that got through. Each runtime runs a third of the
 * points (`killPoints`).
 *
 * @returns The paths of the runs, last first.
 */
export function sweepKills(
  child: [string, string[]],
  op: string,
  name: string,
  check: (path: string, acked: number, n: number) => void,
  { stride = 1, rerun = false }: { stride?: number; rerun?: boolean } = {},
): string[] {
  const root = tempDir();
  const paths: string[] = [];
  for (const n of killPoints(1, 600, stride)) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, name);
    const { acked, through } = runKilledAt(child, n, op, path);
    check(path, acked, n);
    if (rerun) {
      assert.ok(
        runKilledAt(child, 0, op, path).through,
        `call ${n}: the rerun failed`,
      );
      // The rerun removed what the kill left (temporaries, stale locks).
      assert.deepEqual(readdirSync(sub), [name], `call ${n}`);
    }
    paths.unshift(path);
    if (through) return paths;
  }
  throw new Error(`${op} never got through`);
}
