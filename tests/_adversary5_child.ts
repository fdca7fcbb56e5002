/**
 * Child process for `tests/adversary5_lock_kill_test.ts`: opens a writer
 * of PATH (int32 rows), appends 2 rows, closes it, SIGKILLing itself right
 * after its Nth file call (see `_kill_at.ts`); prints `ack ROWS` after the
 * append returns and `exit 0` if it got through.
 *
 * Usage: `<runtime> tests/_adversary5_child.ts N PATH`
 *
 * @module
 */

import process from "node:process";
import { writeSync } from "node:fs";
import { FILE_CHANGING_CALLS, killAfterFileCall } from "./_kill_at.ts";
import { NpyAppendArraySync } from "../mod.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [nText, path] = deno ? deno.args : process.argv.slice(2);

function say(line: string): void {
  writeSync(1, new TextEncoder().encode(line + "\n"));
}

killAfterFileCall(Number(nText), FILE_CHANGING_CALLS);
const w = NpyAppendArraySync.open(path!);
w.append(new Int32Array([7, 8]));
say("ack 2");
w.close();
say("exit 0");
