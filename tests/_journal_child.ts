/**
 * Test helper: a child process for the kill tests of
 * `tests/journal_path_test.ts`, killed with SIGKILL at a random moment.
 *
 * - `shift PATH`: `ensureAppendableSync(PATH, { inplace: true })`
 * - `copy PATH`: `ensureAppendableSync(PATH)`
 * - `atomic PATH START`: an atomic writer appending batches of 50,000
 *   values `ramp(…, START)` forever, printing `ack N` after each.
 * - `cli N ARGS...`: runs the command line with ARGS in this process,
 *   counting the calls of `node:fs` that open or change files (open,
 *   write, truncate, fsync, link, unlink, rename, close), and SIGKILLs
 *   itself right after the Nth; prints `exit CODE` if it got through.
 * - `killat N shift|copy|atomic|atomic-fsync|replace PATH`: the same count
 *   and kill around an in-place rewrite, a rewrite by copy, an atomic
 *   writer's open, append and close (with `fsync: true`), or a
 *   replacing writer's (`atomic` with `deleteIfExists`) open, appends of
 *   `ramp(3000)` in two batches, and close.
 *
 * @module
 */

import process from "node:process";
import { FILE_CHANGING_CALLS, killAfterFileCall } from "./_kill_at.ts";
import { writeSync } from "node:fs";
import { ensureAppendableSync, NpyAppendArraySync } from "../mod.ts";
import { ramp } from "./_journal_files.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [mode, path, start] = deno ? deno.args : process.argv.slice(2);

function say(line: string): void {
  writeSync(1, new TextEncoder().encode(line + "\n"));
}

say("ready");
if (mode === "cli" || mode === "killat") {
  killAfterFileCall(Number(path), FILE_CHANGING_CALLS);
  if (mode === "killat") {
    // `killat N shift|atomic PATH`: the change record's start, killed
    // right after its Nth file call.
    const [what, file] = (deno ? deno.args : process.argv.slice(2)).slice(2);
    if (what === "shift") ensureAppendableSync(file!, { inplace: true });
    else if (what === "copy") ensureAppendableSync(file!);
    else if (what === "replace") {
      const npy = NpyAppendArraySync.open(file!, {
        atomic: true,
        deleteIfExists: true,
      });
      npy.append(ramp(1500));
      npy.append(ramp(1500, 1500));
      npy.close();
    } else {
      const npy = NpyAppendArraySync.open(file!, {
        atomic: true,
        fsync: what === "atomic-fsync",
      });
      npy.append(ramp(10, 0));
      npy.close();
    }
    say("exit 0");
    process.exit(0);
  }
  const { main } = await import("../cli.ts");
  const args = (deno ? deno.args : process.argv.slice(2)).slice(2);
  say(`exit ${await main(args)}`);
  process.exit(0);
} else if (mode === "shift") ensureAppendableSync(path!, { inplace: true });
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
