/**
 * Test helper: a child process for the kill tests of
 * `tests/journal_path_test.ts`, killed with SIGKILL at a random moment.
 *
 * - `shift PATH`: `ensureAppendableSync(PATH, { inplace: true })`
 * - `copy PATH`: `ensureAppendableSync(PATH)`
 * - `atomic PATH START`: an atomic writer appending batches of 50,000
 *   values `ramp(…, START)` forever, printing `ack N` after each.
 *
 * @module
 */

import process from "node:process";
import { writeSync } from "node:fs";
import { ensureAppendableSync, NpyAppendArraySync } from "../mod.ts";
import { ramp } from "./_journal_files.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [mode, path, start] = deno ? deno.args : process.argv.slice(2);

function say(line: string): void {
  writeSync(1, new TextEncoder().encode(line + "\n"));
}

say("ready");
if (mode === "shift") ensureAppendableSync(path!, { inplace: true });
else if (mode === "copy") ensureAppendableSync(path!);
else if (mode === "atomic") {
  const npy = NpyAppendArraySync.open(path!, { atomic: true });
  let at = Number(start);
  for (let n = 1;; n++) {
    npy.append(ramp(50_000, at));
    at += 50_000;
    say(`ack ${n}`);
  }
}
say("done");
