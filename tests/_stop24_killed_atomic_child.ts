/**
 * Child of `stop24_killed_atomic_test.ts`: opens PATH (a new file) with
 * `atomic: true`, appends three `<i4` rows (`1, 2, 3`; async with
 * `async`), and kills itself with SIGKILL before closing: the change is
 * left uncommitted, its record beside the file.
 *
 * Usage: `<runtime> tests/_stop24_killed_atomic_child.ts PATH sync|async`.
 *
 * @module
 */

import process from "node:process";
import { NpyAppendArray, NpyAppendArraySync } from "../mod.ts";

const [path, kind] = process.argv.slice(2) as [string, string];
if (kind === "async") {
  const w = await NpyAppendArray.open(path, { atomic: true });
  await w.append(Int32Array.of(1, 2, 3));
} else {
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(Int32Array.of(1, 2, 3));
}
process.kill(process.pid, "SIGKILL");
