/**
 * Child process for `tests/adversary12f_stalled_write_test.ts`: appends
 * ROWS rows of one float64 to the existing file at PATH, one append each
 * (every append writes its data at the end and its header at 0: scattered
 * writes), printing `err {code, message}` at the first failure and `rows
 * N` with the appends that returned, then `done`.
 *
 * Usage: `deno run -A tests/_adversary12f_stall_child.ts PATH ROWS`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArraySync } from "../mod.ts";

const [path, rowsText] = process.argv.slice(2);
const w = NpyAppendArraySync.open(path!);
let rows = 0;
try {
  for (let i = 0; i < Number(rowsText); i++) {
    w.append(new Float64Array([i]));
    rows++;
  }
} catch (e) {
  const err = e as Error & { code?: string };
  console.log(
    `err ${JSON.stringify({ code: err.code, message: err.message })}`,
  );
}
try {
  w.close();
} catch {
  // the disk is still failing: released all the same
}
console.log(`rows ${rows}`);
console.log("done");
