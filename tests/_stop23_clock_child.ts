/**
 * Child process of `stop23_stack_clock_test.ts`: a stack writer seals
 * `0.npy` (rows 0, 1; `info` lists it), appends row 2, prints `ready`,
 * waits for a line on stdin (the test steps the clock back: `info`'s time
 * set an hour ahead), then seals `1.npy` and kills itself right after the
 * rename to `1.npy`, before `info` is rewritten.
 *
 * Usage: `deno run -A tests/_stop23_clock_child.ts DIR`.
 *
 * @module
 */

import process from "node:process";
import { NpyStackWriterSync } from "../mod.ts";

const dir = process.argv[2]!;
const w = NpyStackWriterSync.open(dir, { shardRows: 100, dtype: "<i4" });
w.append(Int32Array.of(0, 1));
w.seal();
w.append(Int32Array.of(2));
process.stdout.write("ready\n");
process.stdin.once("data", () => {
  const die = (to: unknown) => {
    if (String(to).endsWith("/1.npy")) process.kill(process.pid, "SIGKILL");
  };
  const fs = process.getBuiltinModule("node:fs") as {
    renameSync: (a: unknown, b: unknown) => void;
  };
  const real = fs.renameSync;
  fs.renameSync = (a, b) => {
    real(a, b);
    die(b);
  };
  const deno = (globalThis as {
    Deno?: { renameSync: (a: unknown, b: unknown) => void };
  }).Deno;
  if (deno !== undefined) {
    const realDeno = deno.renameSync;
    deno.renameSync = (a, b) => {
      realDeno(a, b);
      die(b);
    };
  }
  w.seal();
  process.stdout.write("not killed\n");
  process.exit(1);
});
