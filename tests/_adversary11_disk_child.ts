/**
 * Child process for `tests/adversary11_failing_fs_test.ts`: a writer whose
 * disk fails under it, steered through stdin.
 *
 * Usage: `<runtime> tests/_adversary11_disk_child.ts PATH`. Opens PATH,
 * appends rows 1, 2, 3 (`<f8`) and prints `ready`; on the stdin line
 * `fail` (the parent has failed the disk) appends again and closes, both
 * expected to fail, printing `closed CODE` with the close's error code;
 * on `exit` ends normally (no `process.exit`: the exit hooks run as at any
 * normal end).
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { NpyAppendArraySync } from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path] = deno ? deno.args : process.argv.slice(2);
const w = NpyAppendArraySync.open(path!);
w.append(new Float64Array([1, 2, 3]));
say("ready");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === "fail") {
    try {
      w.append(new Float64Array([4]));
      say("appended");
    } catch {
      // expected: the disk failed
    }
    try {
      w.close();
      say("closed ok");
    } catch (e) {
      say(`closed ${(e as { code?: string }).code}`);
    }
  } else if (line === "exit") {
    lines.close();
    break;
  }
}
