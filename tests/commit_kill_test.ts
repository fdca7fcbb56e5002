/**
 * Kills around commit points: a child SIGKILLed right after each file
 * call in turn of a multi-step change (see `tests/_commit_kill_child.ts`)
 * leaves the old state or the new one, readable, and nothing that the
 * next writer or a recover does not remove: no temporary, no lock
 * record's temporary, no guard (a stale lock of the killed process is
 * taken over by the next opener and removed when it closes).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { ints, runKilledAt } from "./_kill_at.ts";

/** Many child processes: more than `bun test`'s 5 s default. */
const SLOW = { timeout: 600_000 };

const CHILD = scriptCommand(
  new URL("./_commit_kill_child.ts", import.meta.url),
);

/**
 * Kills `op` after each file call in turn on a copy of `base` (named
 * `s` in a fresh folder), and calls `check(path, sub, n)` after each.
 *
 * @returns The number of calls of a run that got through.
 */
function sweepFrom(
  base: string,
  op: string,
  check: (path: string, sub: string, n: number) => void,
): number {
  const root = tempDir();
  for (let n = 1; n < 600; n++) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, "s");
    cpSync(base, path, { recursive: true });
    const { through } = runKilledAt(CHILD, n, op, path);
    check(path, sub, n);
    if (through) return n;
  }
  throw new Error(`${op} never got through`);
}

/** A closed stack of 5 int32 rows (0 to 4), 4 rows a shard. */
function fiveRowStack(): string {
  const dir = join(tempDir(), "base");
  const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
  w.append(ints(0, 5));
  w.close();
  return dir;
}

/** Every name in `dir` and its subfolders, as `sub/name`. */
function names(dir: string, at = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? names(join(dir, e.name), `${at}${e.name}/`)
      : [`${at}${e.name}`]
  ).sort();
}

describe("kills around commit points leave nothing behind", () => {
  for (const op of ["stack", "stack-fsync"]) {
    test(
      `a ${op} append crossing seals: the next writer or recoverStack leaves only shards and info`,
      SLOW,
      () => {
        const base = fiveRowStack();
        const n = sweepFrom(base, op, (path, sub, n) => {
          // A live shard's lock taken by a writer killed meanwhile left
          // its record's temporary: the next writer (or recover) of the
          // stack removes it, whichever shard is live next.
          if (n % 2 === 0) recoverStackSync(path);
          else NpyStackWriterSync.open(path).close();
          const left = names(sub).filter((f) =>
            !/^s\/(?:\d+\.npy|info)$/.test(f) &&
            !(n % 2 === 0 && /^s\/\d+\.npy\.part$/.test(f))
          );
          assert.deepEqual(left, [], `call ${n}`);
          const got = [...readNpyStackSync(path).data as Int32Array];
          assert.ok(got.length >= 5 && got.length <= 14, `call ${n}`);
          assert.deepEqual(got, [...ints(0, got.length)], `call ${n}`);
        });
        assert.ok(n > 20);
      },
    );
  }
});
