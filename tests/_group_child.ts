/**
 * Child process for the group kill and live-follow tests: appends rows to
 * a group `x` (float64, 3 columns), `y` (int64), `t` (datetime64[ms]),
 * row `i` holding `x = [i, 2i, 3i]`, `y = i`, `t = i`, in appends of 1 to
 * 20 rows, printing the rows acknowledged after each append.
 *
 * Usage: `deno run -A tests/_group_child.ts DIR MODE ROWS SEED`, where MODE
 * is `sync` or `async`, or `stack-sync` or `stack-async` for a group of
 * stacks (7 rows per shard); ROWS is where to stop (0: never, until killed).
 *
 * @module
 */

import process from "node:process";
import { writeSync } from "node:fs";
import { NpyGroupWriter, NpyGroupWriterSync } from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";

const [dir, mode, rowsText, seedText] = process.argv.slice(2);
const stopAt = Number(rowsText);
const next = mulberry32(Number(seedText));
const members = { x: "<f8", y: "<i8", t: "<M8[ms]" };
const stacks = mode!.startsWith("stack-");
const options = stacks ? { members, shardRows: 7 } : { members };

function say(line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done);
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
  }
}

function batch(start: number, n: number) {
  const x = new Float64Array(n * 3);
  const y = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const i = start + r;
    x[r * 3] = i;
    x[r * 3 + 1] = 2 * i;
    x[r * 3 + 2] = 3 * i;
    y[r] = BigInt(i);
  }
  return { x: { data: x, shape: [n, 3] }, y, t: { data: y, shape: [n] } };
}

function size(index: number): number {
  const n = 1 + Math.floor(next() * 20);
  return stopAt > 0 ? Math.min(n, stopAt - index) : n;
}

if (mode!.endsWith("sync") && !mode!.endsWith("async")) {
  const group = NpyGroupWriterSync.open(dir!, options);
  let index = group.length;
  say(`start ${index}`);
  while (stopAt === 0 || index < stopAt) {
    const n = size(index);
    group.append(batch(index, n));
    index += n;
    say(String(index));
  }
  group.close();
} else {
  const group = await NpyGroupWriter.open(dir!, options);
  let index = group.length;
  say(`start ${index}`);
  while (stopAt === 0 || index < stopAt) {
    const n = size(index);
    await group.append(batch(index, n));
    index += n;
    say(String(index));
  }
  await group.close();
}
