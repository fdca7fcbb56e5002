/**
 * Child of `read_path_deno_test.ts`: in a fresh Deno process (where
 * nothing has loaded `node:fs`), opens a reader of `<path>` (a (rows, 3)
 * f8 file whose row i holds 3i, 3i + 1, 3i + 2), reads `<reads>` scattered
 * rows with `readSync`, `readIntoSync` and `read` in turn, checking each,
 * and prints one JSON line: the descriptors of this process naming the
 * file after the open and after the reads, and the first wrong row (-1
 * when all were right).
 *
 * Usage: `deno run -A tests/_read_moves_child.ts <path> <rows> <reads>`
 *
 * @module
 */

import { fdsOf } from "./_fds_of.ts";
import { NpyReader } from "../mod.ts";

// Deno only (the test that runs it is one); the npm build compiles every
// helper, so the arguments are read without Deno's types.
const [path, rowsText, readsText] = (globalThis as unknown as {
  Deno: { args: string[] };
}).Deno.args as [string, string, string];
const rows = Number(rowsText);

const reader = NpyReader.openSync(path);
const opened = fdsOf(path);
const into = new Float64Array(3);
let wrong = -1;
let seed = 7;
for (let n = 0; n < Number(readsText) && wrong < 0; n++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  const i = seed % rows;
  let row: number[];
  if (n % 3 === 0) {
    row = [...reader.readSync(i, i + 1).data as Float64Array];
  } else if (n % 3 === 1) {
    reader.readIntoSync(into, i, i + 1);
    row = [...into];
  } else {
    row = [...(await reader.read(i, i + 1)).data as Float64Array];
  }
  if (row.join() !== [3 * i, 3 * i + 1, 3 * i + 2].join()) wrong = i;
}
const after = fdsOf(path);
reader.closeSync();
console.log(JSON.stringify({ opened, after, closed: fdsOf(path), wrong }));
