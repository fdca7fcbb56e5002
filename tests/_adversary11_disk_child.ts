/**
 * Child process for `tests/adversary11_failing_fs_test.ts` and
 * `tests/adversary11_io_fault_test.ts`: writers whose disk fails under
 * them.
 *
 * Usage: `<runtime> tests/_adversary11_disk_child.ts PATH [OP]`.
 *
 * - No OP: opens PATH, appends rows 1, 2, 3 (`<f8`) and prints `ready`; on
 *   the stdin line `fail` (the parent has failed the disk) appends again
 *   and closes, both expected to fail, printing `closed CODE` with the
 *   close's error code; on `exit` ends normally (no `process.exit`: the
 *   exit hooks run as at any normal end).
 * - OP `atomic-fsync`, `fsync` (PATH a file), `stack-fsync` (PATH a
 *   stack folder, 2 rows a shard) or `group` (PATH a group folder, members
 *   `a` `<f8` and `b` `<i4`): opens PATH (with `fsync: true`, and
 *   `atomic: true` for `atomic-fsync`), appends 5 rows of 1 (row i holds
 *   i, going on from the rows there), then closes; run under `strace`
 *   failing a call.
 *   Prints `ack N` after each append returns (N rows in all), `err CODE`
 *   for a failure (then closes), `closed` and `done`.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, op] = deno ? deno.args : process.argv.slice(2);
const code = (e: unknown) => (e as { code?: string }).code;

if (op !== undefined) {
  let w: NpyAppendArraySync | NpyStackWriterSync | null = null;
  let g: NpyGroupWriterSync | null = null;
  try {
    if (op === "group") {
      g = NpyGroupWriterSync.open(path!, { members: { a: "<f8", b: "<i4" } });
      for (let rows = 0; rows < 5;) {
        g.append({ a: new Float64Array([rows]), b: new Int32Array([rows]) });
        say(`ack ${++rows}`);
      }
    }
    const stack = op === "stack-fsync";
    if (op !== "group") {
      w = stack
        ? NpyStackWriterSync.open(path!, {
          dtype: "<f8",
          shardRows: 2,
          fsync: true,
        })
        : NpyAppendArraySync.open(path!, {
          dtype: "<f8",
          fsync: true,
          atomic: op === "atomic-fsync",
        });
      let rows = w.shape[0] ?? 0;
      for (let i = 0; i < 5; i++) {
        w.append(new Float64Array([rows]));
        say(`ack ${++rows}`);
      }
    }
  } catch (e) {
    say(`err ${code(e)}`);
  }
  try {
    w?.close();
    g?.close();
    say("closed");
  } catch (e) {
    say(`close-err ${code(e)}`);
  }
  say("done");
} else {
  const w = NpyAppendArraySync.open(path!);
  w.append(new Float64Array([1, 2, 3]));
  say("ready");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === "fail") {
      try {
        w.append(new Float64Array([4]));
        say("appended");
      } catch {
        // expected: the disk failed
      }
      try {
        w.close();
        say("closed ok");
      } catch (e) {
        say(`closed ${code(e)}`);
      }
    } else if (line === "exit") {
      lines.close();
      break;
    }
  }
}
