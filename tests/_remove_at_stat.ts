/**
 * Test helper: acts on a file at the `n`th `stat`/`lstat` of its path by
 * the code under test (node:fs and, on Deno, `Deno`'s own calls), just
 * before or just after that call: a file moved away (`mv x.npy elsewhere`)
 * or replaced between a writer's looks, made exact.
 *
 * @module
 */

import process from "node:process";
import { existsSync, unlinkSync } from "node:fs";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";

type StatFn = (path: string, ...rest: unknown[]) => unknown;

/**
 * Runs `run` with `path` removed at its `n`th stat (`"before"` the call,
 * when the file is there, or `"after"` it); whether it was removed.
 */
export function removedAtStat(
  path: string,
  n: number,
  when: "before" | "after",
  run: () => Promise<void>,
): Promise<boolean> {
  return atStat(path, n, when, () => unlinkSync(path), run);
}

/**
 * Runs `run` with `act` done at the `n`th stat of `path` (`"before"` the
 * call, when the file is there, or `"after"` it); an error `act` throws
 * is that stat's. Whether `act` ran.
 */
export async function atStat(
  path: string,
  n: number,
  when: "before" | "after",
  act: () => void,
  run: () => Promise<void>,
): Promise<boolean> {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    unknown
  >;
  const owners: Array<[Record<string, unknown>, string]> = [
    [fs, "statSync"],
    [fs, "lstatSync"],
  ];
  if (deno !== undefined) owners.push([deno, "statSync"], [deno, "lstatSync"]);
  let seen = 0;
  let fired = false;
  const fire = (p: string, before: boolean): void => {
    if (fired || String(p) !== path || (when === "before") !== before) return;
    if (++seen !== n || (before && !existsSync(path))) return;
    fired = true;
    act();
  };
  const saved = owners.map(([o, k]) => o[k]);
  for (const [owner, name] of owners) {
    const real = owner[name] as StatFn;
    owner[name] = function (this: unknown, p: string, ...rest: unknown[]) {
      fire(p, true);
      const r = real.call(this, p, ...rest);
      fire(p, false);
      return r;
    };
  }
  try {
    await run();
  } finally {
    owners.forEach(([o, k], i) => (o[k] = saved[i]));
  }
  return fired;
}

/**
 * Opens `path` (sync or async writer), appends two `<i4` rows and closes:
 * "ok", or the message of what it threw.
 */
export async function appendOutcome(
  kind: "sync" | "async",
  path: string,
): Promise<string> {
  try {
    if (kind === "sync") {
      using w = NpyAppendArraySync.open(path);
      w.append(new Int32Array([5, 6]));
    } else {
      await using w = await NpyAppendArray.open(path);
      await w.append(new Int32Array([5, 6]));
    }
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
}
