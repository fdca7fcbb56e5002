/**
 * Child process for the live-follow test of `tests/npy_reader_test.ts`:
 * appends rows to an existing `(0, WIDTH)` float64 file, row `i` holding
 * `i * WIDTH + j` in column `j`, in appends of 1 to 40 rows, then closes.
 *
 * Usage: `deno run -A tests/_live_writer.ts PATH ROWS WIDTH` (or `bun run`).
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";

const [path, rowsText, widthText] = process.argv.slice(2);
const rows = Number(rowsText);
const width = Number(widthText);

// A fixed-seed generator, so runs are repeatable.
let seed = 12345;
function next(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

const npy = NpyAppendArraySync.open(path!);
let done = 0;
while (done < rows) {
  const n = Math.min(rows - done, 1 + Math.floor(next() * 40));
  const data = new Float64Array(n * width);
  for (let i = 0; i < data.length; i++) data[i] = done * width + i;
  npy.append({ data, shape: [n, width] });
  done += n;
}
npy.close();
