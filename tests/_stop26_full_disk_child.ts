/**
 * Test helper for `stop26_full_disk_recover_test.ts`: a child process
 * that leaves a killed writer on a full disk, or runs `recover` killed
 * after its Nth file call.
 *
 * - `atomic PATH` / `plain PATH`: opens an (`atomic`) writer on the
 *   existing file PATH, appends `ints(1000, 500)`, prints `ack 1`, and
 *   SIGKILLs itself (its lock and change record left).
 * - `shift PATH` / `moved PATH`: `ensureAppendableSync(PATH, { inplace:
 *   true })`, SIGKILLed right after it spoils byte 0 (the move begins: a
 *   kill rolled back), or 3 writes later (a chunk moved: rolled forward).
 * - `group DIR` / `stack DIR`: a group writer (members `a` `<i4`, `b`
 *   `<f8`) appending 3 rows, or a stack writer (`shardRows: 2`) appending
 *   5, then `ack 1` and SIGKILL (locks left, the stack's live shard too).
 * - `N recover PATH`: `recoverSync(PATH)` killed after its Nth file call
 *   (`runKilledAt`); prints `exit 0` if it got through.
 * - `N atomic2 PATH`: the same kill around an `atomic` writer's open,
 *   appends of `ints(1000, 500)` and `ints(1500, 500)`, and close.
 *
 * @module
 */

import process from "node:process";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";
import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const args = deno ? deno.args : process.argv.slice(2);

if (args[0] === "atomic" || args[0] === "plain") {
  const path = args[1]!;
  const npy = NpyAppendArraySync.open(path, { atomic: args[0] === "atomic" });
  npy.append(ints(1000, 500));
  say("ack 1");
  process.kill(process.pid, "SIGKILL");
} else if (args[0] === "group" || args[0] === "stack") {
  if (args[0] === "group") {
    const g = NpyGroupWriterSync.open(args[1]!, {
      members: { a: "<i4", b: "<f8" },
    });
    g.append({ a: ints(0, 3), b: new Float64Array([0, 1, 2]) });
  } else {
    NpyStackWriterSync.open(args[1]!, { shardRows: 2 }).append(ints(0, 5));
  }
  say("ack 1");
  process.kill(process.pid, "SIGKILL");
} else if (args[0] === "shift" || args[0] === "moved") {
  // Killed right after the one-byte write of 0 (the move's mark), or
  // after the chunk's copy, progress entry and write at its new place.
  let left = -1; // writes left after the mark (-1: not yet made)
  const wrap = (owner: Record<string, (...a: unknown[]) => unknown>) => {
    const real = owner.writeSync!;
    owner.writeSync = function (this: unknown, ...a: unknown[]) {
      const r = real.apply(this, a);
      const b = a.find((x) => x instanceof Uint8Array) as Uint8Array;
      if (left > 0) left--;
      else if (left < 0 && b?.length === 1 && b[0] === 0) {
        left = args[0] === "shift" ? 0 : 3;
      }
      if (left === 0) process.kill(process.pid, "SIGKILL");
      return r;
    };
  };
  wrap(process.getBuiltinModule("node:fs") as never);
  const d = globalThis as { Deno?: { FsFile: { prototype: unknown } } };
  if (d.Deno !== undefined) wrap(d.Deno.FsFile.prototype as never);
  ensureAppendableSync(args[1]!, { inplace: true });
  say("exit 0");
} else {
  const { op, path } = startKillChild();
  if (op === "recover") recoverSync(path);
  else {
    const npy = NpyAppendArraySync.open(path, { atomic: true });
    npy.append(ints(1000, 500));
    npy.append(ints(1500, 500));
    npy.close();
  }
  childThrough();
}
