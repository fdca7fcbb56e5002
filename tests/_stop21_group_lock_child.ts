/**
 * Child of stop21_group_lock_no_run_test.ts: `kill DIR KIND` opens a group
 * writer of DIR (members `a` and `b`; KIND `stack`: a group of stacks),
 * appends rows 1, 2, 3 to each and kills itself (SIGKILL); `next DIR KIND`
 * opens it, appends 4 and prints `appended`, or prints its refusal's
 * message as JSON.
 *
 * @module
 */

import { NpyGroupWriterSync } from "../mod.ts";

const D = (globalThis as unknown as {
  Deno: {
    args: string[];
    kill(pid: number, signal: string): void;
    pid: number;
  };
}).Deno;
const [mode, dir, kind] = D.args;
const open = () =>
  NpyGroupWriterSync.open(dir!, {
    members: { a: "<f8", b: "<f8" },
    ...(kind === "stack" ? { shardRows: 2 } : {}),
  });
if (mode === "kill") {
  const w = open();
  w.append({ a: new Float64Array([1, 2, 3]), b: new Float64Array([1, 2, 3]) });
  D.kill(D.pid, "SIGKILL");
} else {
  try {
    const w = open();
    w.append({ a: new Float64Array([4]), b: new Float64Array([4]) });
    w.close();
    console.log("appended");
  } catch (e) {
    console.log(JSON.stringify({ message: (e as Error).message }));
  }
}
