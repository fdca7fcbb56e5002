/**
 * Child process for `tests/adversary6_crash_kill_test.ts`: runs one
 * operation and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `ack ROWS` once a call that makes rows durable
 * returned and `exit 0` if it got through.
 *
 * Usage: `<runtime> tests/_adversary6_child.ts N OP PATH`, OP one of
 * - `atomic`: an `atomic` writer (sync) of a new file (or one it made),
 *   appends of 3 and 3 int32 rows (row i holds i), `ack ROWS` after
 *   `close()` (the commit);
 * - `atomic-async`: the same through `NpyAppendArray`;
 * - `fstack`: a Fortran-order stack (sync, `shardRows: 4`) of int32
 *   columns `[i, -i]` (shape `(2, n)`), appends of 3 columns until 12,
 *   `ack N` after each;
 * - `fstack-async`: the same through `NpyStackWriter`, `shardRows: 5`;
 * - `atomic-abort`: an `atomic` writer of a new file, 3 rows, `abort()`;
 * - `atomic-die`: the same killed before `close()` (whatever N is);
 * - `recover`: `recover` of PATH.
 *
 * @module
 */

import process from "node:process";
import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyStackWriter,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";

/** Columns `start .. start + n - 1` of the Fortran-order stack. */
function columns(start: number, n: number) {
  const data = new Int32Array(2 * n);
  for (let j = 0; j < n; j++) {
    data[j] = start + j;
    data[n + j] = -(start + j);
  }
  return { data, shape: [2, n] };
}

const { op, path } = startKillChild();

if (op === "atomic") {
  const w = NpyAppendArraySync.open(path, { atomic: true });
  const at = w.shape[0] ?? 0;
  w.append(ints(at, 3));
  w.append(ints(at + 3, 3));
  w.close();
  say(`ack ${at + 6}`);
} else if (op === "atomic-async") {
  const w = await NpyAppendArray.open(path, { atomic: true });
  const at = w.shape[0] ?? 0;
  await w.append(ints(at, 3));
  await w.append(ints(at + 3, 3));
  await w.close();
  say(`ack ${at + 6}`);
} else if (op === "fstack") {
  const w = NpyStackWriterSync.open(path, {
    shardRows: 4,
    dtype: "<i4",
    fortranOrder: true,
  });
  for (let at = w.shape[1] ?? 0; at < 12; at += 3) {
    w.append(columns(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "fstack-async") {
  const w = await NpyStackWriter.open(path, {
    shardRows: 5,
    dtype: "<i4",
    fortranOrder: true,
  });
  for (let at = w.shape[1] ?? 0; at < 12; at += 3) {
    await w.append(columns(at, 3));
    say(`ack ${at + 3}`);
  }
  await w.close();
} else if (op === "atomic-abort") {
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(ints(0, 3));
  w.abort();
} else if (op === "atomic-die") {
  // Killed holding an atomic creation: the file, its record and lock.
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(ints(0, 3));
  process.kill(process.pid, "SIGKILL");
} else if (op === "recover") {
  recoverSync(path);
} else throw new Error(`unknown op ${op}`);
childThrough();
