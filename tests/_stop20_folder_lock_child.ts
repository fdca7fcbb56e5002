/**
 * Child of stop20_folder_lock_no_run_test.ts: `kill DIR` opens a stack
 * writer of DIR, appends [1, 2, 3] and kills itself (SIGKILL); `next DIR`
 * opens it, appends [4] and prints `appended`, or prints its refusal's
 * message as JSON.
 *
 * @module
 */

import { NpyStackWriterSync } from "../mod.ts";

const [mode, dir] = (globalThis as unknown as { Deno: { args: string[] } })
  .Deno.args;
const D = (globalThis as unknown as {
  Deno: { kill(pid: number, signal: string): void; pid: number };
}).Deno;
if (mode === "kill") {
  const w = NpyStackWriterSync.open(dir!, { shardRows: 2 });
  w.append(new Float64Array([1, 2, 3]));
  D.kill(D.pid, "SIGKILL");
} else {
  try {
    const w = NpyStackWriterSync.open(dir!, { shardRows: 2 });
    w.append(new Float64Array([4]));
    w.close();
    console.log("appended");
  } catch (e) {
    console.log(JSON.stringify({ message: (e as Error).message }));
  }
}
