/**
 * Child process for `tests/adversary8_kill_test.ts`: runs one operation
 * and SIGKILLs itself right after its Nth file call (see `_kill_at.ts`),
 * printing `ack ROWS` after each append returns and `exit 0` if it got
 * through.
 *
 * Usage: `<runtime> tests/_adversary8_child.ts N OP PATH`, OP one of
 * - `gstack`: a group of stacks (`shardRows: 4`), `a` int32 and `b`
 *   float64 with 2 columns (row i holds a = i, b = [i, -i]); opens it
 *   (which cuts members left uneven), then appends 3 rows at a time until
 *   15 rows (`OP:END`: until END rows);
 * - `gstack-async`: the same through `NpyGroupWriter`;
 * - `fgstack`: the same group with Fortran-order members (`b` is 2 x n).
 *
 * @module
 */

import { childThrough, say, startKillChild } from "./_kill_at.ts";
import { NpyGroupWriter, NpyGroupWriterSync } from "../mod.ts";

const { op: opText, path } = startKillChild();
// `OP:END` appends until END rows instead.
const [op, endText] = opText.split(":");
const END = endText === undefined ? 15 : Number(endText);

/** Rows `start .. start + n` of the group, as `op` writes them. */
function rows(start: number, n: number, fortran: boolean) {
  const a = Int32Array.from({ length: n }, (_, i) => start + i);
  const b = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    // C order: row i is [i, -i]; Fortran order (2 x n, data in column
    // order): column i is.
    b[2 * i] = start + i;
    b[2 * i + 1] = -(start + i);
  }
  return {
    a: fortran ? { data: a, shape: [n], fortranOrder: true } : a,
    b: { data: b, shape: fortran ? [2, n] : [n, 2], fortranOrder: fortran },
  };
}

/** The group's declaration. */
function members(fortran: boolean) {
  return {
    a: { dtype: "<i4", fortranOrder: fortran },
    b: { dtype: "<f8", fortranOrder: fortran },
  };
}

{
  const fortran = op === "fgstack";
  const options = { members: members(fortran), shardRows: 4 };
  if (op === "gstack-async") {
    const w = await NpyGroupWriter.open(path, options);
    for (let at = w.length; at < END; at += 3) {
      await w.append(rows(at, 3, false));
      say(`ack ${at + 3}`);
    }
    await w.close();
  } else {
    const w = NpyGroupWriterSync.open(path, options);
    for (let at = w.length; at < END; at += 3) {
      w.append(rows(at, 3, fortran));
      say(`ack ${at + 3}`);
    }
    w.close();
  }
  childThrough();
}
