/**
 * Child process for `tests/adversary12_atomic_close_test.ts`: an `atomic`
 * writer whose close fails, under `strace` injecting an error.
 *
 * Usage: `<runtime> tests/_adversary12_child.ts PATH MODE`: opens PATH
 * (holding rows 0..3, `<f8`) with `atomic: true` and `fsync: true` (MODE
 * `replace`: with `deleteIfExists` too; `lazy`: with
 * `rewriteHeaderOnAppend: false`, so that close writes the header), appends rows 4..7 (replace: 0..7),
 * prints `ack`, then closes, printing `closed` or `close-err CODE` and the
 * message as JSON on the next line; an open or append failing prints
 * `err CODE` and aborts. Last line `done`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, mode] = deno ? deno.args : process.argv.slice(2);
const code = (e: unknown) => String((e as { code?: string }).code);

let w: NpyAppendArraySync | null = null;
try {
  w = NpyAppendArraySync.open(path!, {
    atomic: true,
    fsync: true,
    deleteIfExists: mode === "replace",
    rewriteHeaderOnAppend: mode !== "lazy",
  });
  const from = mode === "replace" ? 0 : 4;
  w.append(Float64Array.from({ length: 8 - from }, (_, i) => from + i));
  say("ack");
} catch (e) {
  say(`err ${code(e)}`);
  try {
    w?.abort();
  } catch {
    // the next open settles it
  }
  w = null;
}
if (w !== null) {
  try {
    w.close();
    say("closed");
  } catch (e) {
    say(`close-err ${code(e)}`);
    say(JSON.stringify((e as Error).message));
  }
}
say("done");
