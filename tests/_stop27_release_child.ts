/**
 * Child process of `stop27_release_out_of_descriptors_test.ts`, run under
 * a shell's `ulimit -n`: `<runtime> tests/_stop27_release_child.ts DIR`
 * opens a writer of `DIR/x.npy`, appends a row, prints `ready`, waits for
 * the file `DIR/go`, takes every free descriptor (opens `/dev/null` until
 * `EMFILE`), closes the writer (`closed ok` or `closed err <message>`),
 * gives the descriptors back and prints `done`.
 *
 * @module
 */

import process from "node:process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [dir] = deno ? deno.args : process.argv.slice(2);

const npy = NpyAppendArraySync.open(join(dir!, "x.npy"));
npy.append({ data: Float64Array.of(1, 2), shape: [1, 2] });
say("ready");
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(join(dir!, "go"))) Atomics.wait(pause, 0, 0, 5);
const fds: number[] = [];
for (;;) {
  try {
    fds.push(openSync("/dev/null", "r"));
  } catch (e) {
    if ((e as { code?: string }).code === "EMFILE") break;
    throw e;
  }
}
let said: string;
try {
  npy.close();
  said = "closed ok";
} catch (e) {
  said = `closed err ${(e as Error).message}`;
}
for (const fd of fds) closeSync(fd);
say(said);
say("done");
