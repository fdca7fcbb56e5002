/**
 * For kill tests' children: SIGKILL this process right after its Nth call
 * of the named `node:fs` functions (and, on Deno, of the `Deno` calls the
 * path layer uses in their place), so a test can stop a child at every
 * file call of an operation in turn.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";

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
