/**
 * Child process of `stop25_out_of_descriptors_test.ts`, run under a
 * shell's `ulimit -n`: takes every free descriptor (opens `/dev/null`
 * until `EMFILE`) at a chosen moment, then acts.
 *
 * Usage: `<runtime> tests/_stop25_fds_child.ts DIR KIND`:
 * - `close`: opens a writer of `DIR/a.npy`, a stack `DIR/st` and a group
 *   `DIR/gr`, appends 20 rows to each (one at a time), takes every free
 *   descriptor, closes the three (`close <what> ok` or `close <what> err
 *   {"name","code","message"}`), gives the descriptors back, prints
 *   `ready` and waits (up to 60 s) so that the test can open the three
 *   while this process lives.
 * - `record`: takes every free descriptor, tries to open and append to
 *   `DIR/a.npy` (`first err {...}`), gives them back, opens it again,
 *   appends a row, prints `ready` and waits (up to 60 s) holding it.
 * - `open`: opens 20 writers `DIR/w<i>.npy` and appends 20 rows to each,
 *   one at a time (on Deno: a writer's second cursor from its eighth
 *   scattered call, 16 at most), takes every free descriptor, then opens
 *   `DIR/new.npy` and appends a row (`open ok` or `open err {...}`),
 *   closes everything (`closed`), and prints `done`.
 *
 * @module
 */

import process from "node:process";
import { closeSync, openSync } from "node:fs";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [dir, kind] = deno ? deno.args : process.argv.slice(2);

function described(e: unknown): string {
  const err = e as { name?: string; code?: unknown; message?: string };
  return JSON.stringify({
    name: err.name,
    code: err.code,
    message: err.message,
  });
}

/** Opens `/dev/null` until the process has no descriptor left. */
function takeAll(): number[] {
  const fds: number[] = [];
  for (;;) {
    try {
      fds.push(openSync("/dev/null", "r"));
    } catch (e) {
      if ((e as { code?: string }).code === "EMFILE") return fds;
      throw e;
    }
  }
}

const row = (i: number) => ({ data: Float64Array.of(i, -i), shape: [1, 2] });

if (kind === "close") {
  const file = NpyAppendArraySync.open(`${dir}/a.npy`, { dtype: "<f8" });
  const stack = NpyStackWriterSync.open(`${dir}/st`, {
    dtype: "<f8",
    shardRows: 100,
  });
  const group = NpyGroupWriterSync.open(`${dir}/gr`, {
    members: { a: "<f8", b: "<f8" },
  });
  for (let i = 0; i < 20; i++) {
    file.append(row(i));
    stack.append(row(i));
    group.append({ a: row(i), b: row(i) });
  }
  const fds = takeAll();
  for (
    const [what, w] of [["file", file], ["stack", stack], [
      "group",
      group,
    ]] as const
  ) {
    try {
      w.close();
      say(`close ${what} ok`);
    } catch (e) {
      say(`close ${what} err ${described(e)}`);
    }
  }
  for (const fd of fds) closeSync(fd);
  say("ready");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
} else if (kind === "record") {
  const fds = takeAll();
  try {
    NpyAppendArraySync.open(`${dir}/a.npy`, { dtype: "<f8" }).append(row(0));
    say("first ok");
  } catch (e) {
    say(`first err ${described(e)}`);
  }
  for (const fd of fds) closeSync(fd);
  const w = NpyAppendArraySync.open(`${dir}/a.npy`, { dtype: "<f8" });
  w.append(row(1));
  say("ready");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
} else {
  const writers: NpyAppendArraySync[] = [];
  for (let k = 0; k < 20; k++) {
    writers.push(NpyAppendArraySync.open(`${dir}/w${k}.npy`, { dtype: "<f8" }));
  }
  for (let i = 0; i < 20; i++) for (const w of writers) w.append(row(i));
  const fds = takeAll();
  try {
    const w = NpyAppendArraySync.open(`${dir}/new.npy`, { dtype: "<f8" });
    writers.push(w);
    w.append(row(7));
    say("open ok");
  } catch (e) {
    say(`open err ${described(e)}`);
  }
  for (const fd of fds) closeSync(fd);
  for (const w of writers) w.close();
  say("closed");
  say("done");
}
