/**
 * Child process for `tests/adversary12_*_test.ts`: one call on a file
 * whose disk fails under it (run under `strace`, see `_strace.ts`).
 *
 * Usage: `<runtime> tests/_adversary12_child.ts PATH OP`.
 *
 * - OP `append`: opens PATH (an existing `<f8` file), appends one row
 *   holding the row count, closes.
 *
 * Prints `ack` after the append, `closed` after the close, or
 * `err {"name","code","message"}` (JSON) for the first failure, then
 * `done`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, op] = deno ? deno.args : process.argv.slice(2);

try {
  if (op !== "append") throw new Error(`unknown OP ${op}`);
  const w = NpyAppendArraySync.open(path!);
  w.append(new Float64Array([w.shape[0]!]));
  say("ack");
  w.close();
  say("closed");
} catch (e) {
  const err = e as { name?: string; code?: unknown; message?: string };
  say(
    `err ${
      JSON.stringify({ name: err.name, code: err.code, message: err.message })
    }`,
  );
}
say("done");
