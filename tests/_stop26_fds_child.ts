/**
 * Child process of `stop26_many_writers_test.ts`, run under a shell's
 * `ulimit -n 1024` (soft and hard): opens writers (one row each) until an
 * open or append fails, then closes them all.
 *
 * Usage: `<runtime> tests/_stop26_fds_child.ts DIR KIND`:
 * - `files`: writers of `DIR/w<i>.npy`, one after another;
 * - `stacks`: stack writers of `DIR/s<i>` (`shardRows: 5`);
 * - `group`: groups `DIR/g<i>` of 50 members each, each appended to
 *   once and left open (so the members of every group count).
 *
 * Prints `fit <n>` (writers or members open at the failure), `err
 * {"name","code","message"}` (or `err none` past 3,000), `closed` once
 * every writer is closed, and `done`.
 *
 * @module
 */

import process from "node:process";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [dir, kind] = deno ? deno.args : process.argv.slice(2);

const row = (i: number) => ({ data: Float64Array.of(i, -i), shape: [1, 2] });
const open: { close(): void }[] = [];
let fit = 0;
let error = "none";
try {
  if (kind === "group") {
    const n = 50;
    for (let g = 0; fit < 3000; g++) {
      const members: Record<string, string> = {};
      const input: Record<string, unknown> = {};
      for (let k = 0; k < n; k++) {
        members[`m${k}`] = "<f8";
        input[`m${k}`] = row(k);
      }
      const w = NpyGroupWriterSync.open(`${dir}/g${g}`, { members });
      open.push(w);
      w.append(input as never);
      fit += n;
    }
  } else {
    for (; fit < 3000; fit++) {
      const w = kind === "files"
        ? NpyAppendArraySync.open(`${dir}/w${fit}.npy`, { dtype: "<f8" })
        : NpyStackWriterSync.open(`${dir}/s${fit}`, {
          dtype: "<f8",
          shardRows: 5,
        });
      open.push(w);
      w.append(row(fit));
    }
  }
} catch (e) {
  const err = e as { name?: string; code?: unknown; message?: string };
  error = JSON.stringify({
    name: err.name,
    code: err.code,
    message: err.message,
  });
}
say(`fit ${fit}`);
say(`err ${error}`);
for (const w of open) w.close();
say("closed");
say("done");
