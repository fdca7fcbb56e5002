/**
 * Child process of `tests/npy_stack_crash_test.ts`: continues the stack
 * DIR (shards of SHARD rows, float64 rows of WIDTH values, row `i`
 * holding `i * WIDTH + j`), appending 1 to 5 rows at a time and
 * reporting `ack N` (rows acknowledged) after every append, until killed.
 *
 * Usage: `deno run -A tests/_stack_crash_child.ts DIR SHARD WIDTH SEED`.
 *
 * @module
 */

import process from "node:process";
import { writeSync } from "node:fs";
import { NpyStackWriterSync } from "../mod.ts";

const [dir, shardText, widthText, seedText] = process.argv.slice(2);
const width = Number(widthText);
let seed = Number(seedText) >>> 0;
function next(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

function report(line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at);
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
  }
}

const stack = NpyStackWriterSync.open(dir!, {
  shardRows: Number(shardText),
  dtype: "<f8",
});
let done = stack.shape[0] ?? 0;
report(`open ${done}`);
for (;;) {
  const n = 1 + Math.floor(next() * 5);
  const data = new Float64Array(n * width);
  for (let i = 0; i < data.length; i++) data[i] = done * width + i;
  stack.append({ data, shape: [n, width] });
  done += n;
  report(`ack ${done}`);
  if (next() < 0.05) stack.seal();
}
