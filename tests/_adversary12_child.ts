/**
 * Child process for `tests/adversary12_*_test.ts`: one call on a file
 * whose disk fails under it (run under `strace`, see `_strace.ts`).
 *
 * Usage: `<runtime> tests/_adversary12_child.ts PATH OP`.
 *
 * - OP `append`: opens PATH (an existing `<f8` file), appends one row
 *   holding the row count, closes (also after a failed append).
 * - OP `retry`: the same, but a failed append is tried once more (as a
 *   caller does after an I/O error).
 *
 * Prints `ack` after an append, `closed` after the close, or
 * `err {"name","code","message"}` (JSON) for each failure, then `done`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, op] = deno ? deno.args : process.argv.slice(2);

function sayError(e: unknown): void {
  const err = e as { name?: string; code?: unknown; message?: string };
  say(
    `err ${
      JSON.stringify({ name: err.name, code: err.code, message: err.message })
    }`,
  );
}

if (op !== "append" && op !== "retry") throw new Error(`unknown OP ${op}`);
let w: NpyAppendArraySync | null = null;
try {
  w = NpyAppendArraySync.open(path!);
  const row = new Float64Array([w.shape[0]!]);
  try {
    w.append(row);
  } catch (e) {
    if (op !== "retry") throw e;
    sayError(e);
    w.append(row);
  }
  say("ack");
} catch (e) {
  sayError(e);
}
try {
  w?.close();
  if (w !== null) say("closed");
} catch (e) {
  sayError(e);
}
say("done");
