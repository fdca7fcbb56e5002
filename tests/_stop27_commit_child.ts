/**
 * Test helper for `stop27_atomic_commit_test.ts`: an `atomic` writer run
 * as `<runtime> child.ts N OP PATH`, killed after its Nth file call
 * (`startKillChild`; 0: never), or with N = -1 right before it removes
 * the change record's name (`<file>.journal`): after `close()` wrote the
 * header, the commit point. Ops (rows `ints(start, n)`; a Fortran file's
 * column j holds `start + j` in each of its 3 rows):
 * - `grow`: the existing PATH (rows 0..999), appends rows 1000..1499 and
 *   1500..1999, closes; `create`: the same on a missing PATH;
 * - `fsync`, `async`: `grow` with `fsync: true`, or by `NpyAppendArray`;
 * - `fortran`: the existing Fortran `(3, 1000)` PATH, two `(3, 500)`;
 * - `zero`: the existing PATH, an append of no rows, then close;
 * - `update`: the existing PATH, rows 1000..1499, then `updateHeader()`
 *   (prints `ack 1` when refused by a `TypeError`, `ack 2` when it wrote,
 *   `ack 3` for another error), then SIGKILL.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";
import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";

const { op, path } = startKillChild();
const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const n = Number(deno ? deno.args[0] : process.argv[2]);

if (n === -1) {
  // The commit window: killed instead of removing the record's name.
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  const owners: Array<[Record<string, (...a: unknown[]) => unknown>, string]> =
    [[fs, "unlinkSync"], [fs, "rmSync"]];
  if (deno !== undefined) {
    owners.push([
      deno as unknown as Record<string, (...a: unknown[]) => unknown>,
      "removeSync",
    ]);
  }
  for (const [owner, name] of owners) {
    const real = owner[name]!;
    owner[name] = function (this: unknown, ...a: unknown[]) {
      if (String(a[0]).endsWith(".journal")) {
        process.kill(process.pid, "SIGKILL");
      }
      return real.apply(this, a);
    };
  }
}

/** A Fortran `(3, count)` append whose column j holds `start + j`. */
function columns(start: number, count: number) {
  const data = new Int32Array(3 * count);
  for (let i = 0; i < 3; i++) data.set(ints(start, count), i * count);
  return { data, shape: [3, count] };
}

if (op === "async") {
  const w = await NpyAppendArray.open(path, { atomic: true });
  await w.append(ints(1000, 500));
  await w.append(ints(1500, 500));
  await w.close();
} else if (op === "update") {
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(ints(1000, 500));
  try {
    w.updateHeader();
    say("ack 2");
  } catch (e) {
    say(e instanceof TypeError ? "ack 1" : "ack 3");
  }
  process.kill(process.pid, "SIGKILL");
} else {
  const w = NpyAppendArraySync.open(path, {
    atomic: true,
    fsync: op === "fsync",
  });
  if (op === "zero") w.append(ints(0, 0));
  else if (op === "fortran") {
    w.append(columns(1000, 500));
    w.append(columns(1500, 500));
  } else {
    w.append(ints(1000, 500));
    w.append(ints(1500, 500));
  }
  w.close();
}
childThrough();
