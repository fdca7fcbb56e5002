/**
 * Test helper: what NumPy reads of the kill tests' files, whose values
 * are `ints(start, n)` (`<i4`: start, start + 1, ...) along the growth
 * axis (a 1-d file, or a Fortran-order (3, n) one with that ramp in each
 * row).
 *
 * @module
 */

import { runPython } from "./_numpy.ts";

const ROWS = `
import os, sys
import numpy as np
start = int(sys.argv[1])
for p in sys.argv[2:]:
    if not os.path.exists(p):
        print("missing")
        continue
    try:
        a = np.load(p)
    except Exception:
        print("refused")
        continue
    if a.ndim == 2:
        want = np.broadcast_to(np.arange(start, start + a.shape[1], dtype="<i4"), (3, a.shape[1]))
        ok = a.shape[0] == 3 and np.isfortran(a) and (a == want).all()
        print(a.shape[1] if ok else "wrong")
    else:
        ok = a.ndim == 1 and (a == np.arange(start, start + len(a), dtype="<i4")).all()
        print(len(a) if ok else "wrong")
`;

/**
 * Per path, as `np.load` reads it: its rows along the growth axis (values
 * checked), `missing`, `refused` (np.load fails) or `wrong` (values).
 */
export function numpyRampRows(start: number, ...paths: string[]): string[] {
  return runPython(ROWS, [String(start), ...paths]).trim().split("\n");
}
