/**
 * Child of stop21_hold_temp_test.ts, run as `<runtime> child.ts MODE N KIND
 * PATH`: prints `pid <pid>`, then opens PATH (KIND `file`: an .npy file;
 * `stack`: a stack folder) as a writer, appends 1, 2, 3, closes it and
 * prints `appended`. MODE `kill`: killed (SIGKILL) right after its Nth
 * `writeSync` (0: never), such as a lock's hold record written to its
 * temporary before the link; `pause`: at its Nth link, before it, prints
 * `paused` and waits until the file `PATH.go` exists.
 *
 * @module
 */

import process from "node:process";
import { existsSync } from "node:fs";
import { NpyAppendArraySync, NpyStackWriterSync } from "../mod.ts";
import { killAfterFileCall, say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [mode, nText, kind, path] = deno ? deno.args : process.argv.slice(2);
const n = Number(nText);
say(`pid ${process.pid}`);
if (mode === "kill") killAfterFileCall(n, ["writeSync"]);
else pauseAtLink(n, `${path}.go`);
if (kind === "stack") {
  const w = NpyStackWriterSync.open(path!, { shardRows: 2 });
  w.append(new Float64Array([1, 2, 3]));
  w.close();
} else {
  const w = NpyAppendArraySync.open(path!);
  w.append(new Float64Array([1, 2, 3]));
  w.close();
}
say("appended");

/** Waits before the `n`th hard link until `go` exists. */
function pauseAtLink(n: number, go: string): void {
  let left = n;
  const wait = () => {
    if (--left !== 0) return;
    say("paused");
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(go)) Atomics.wait(cell, 0, 0, 20);
  };
  const wrap = (owner: Record<string, unknown>, name: string) => {
    const real = owner[name] as (...a: unknown[]) => unknown;
    if (typeof real !== "function") return;
    owner[name] = function (this: unknown, ...a: unknown[]) {
      wait();
      return real.apply(this, a);
    };
  };
  wrap(
    process.getBuiltinModule("node:fs") as unknown as Record<string, unknown>,
    "linkSync",
  );
  if (deno !== undefined) {
    wrap(deno as unknown as Record<string, unknown>, "linkSync");
  }
}
