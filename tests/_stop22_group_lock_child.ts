/**
 * Child process for `tests/stop22_group_lock_removal_test.ts`: runs
 * `recoverGroupSync` on a group folder, or opens a group reader and reads
 * its length; run under strace with the removal of a lock file failing.
 *
 * Usage: `<runtime> tests/_stop22_group_lock_child.ts KIND DIR`, KIND
 * `recover` or `read`.
 *
 * Prints `rows N`, or `err {"name","code","message"}` (JSON), then `done`.
 *
 * @module
 */

import process from "node:process";
import { NpyGroupReader, recoverGroupSync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [kind, dir] = deno ? deno.args : process.argv.slice(2);

try {
  if (kind === "recover") say(`rows ${recoverGroupSync(dir!)}`);
  else if (kind === "read") {
    const r = NpyGroupReader.openSync(dir!);
    say(`rows ${r.length}`);
    r.closeSync();
  } else throw new Error(`unknown KIND ${kind}`);
} catch (e) {
  const err = e as { name?: string; code?: unknown; message?: string };
  say(
    `err ${
      JSON.stringify({ name: err.name, code: err.code, message: err.message })
    }`,
  );
}
say("done");
