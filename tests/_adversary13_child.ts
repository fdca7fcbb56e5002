/**
 * Child process for the adversary round 13 kill sweeps: runs one
 * operation on PATH and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `exit 0` if it got through.
 * Usage: `<runtime> tests/_adversary13_child.ts N OP PATH`, OP one of
 * - `shift`: `ensureAppendableSync(PATH, { inplace: true })`;
 * - `copy`: `ensureAppendableSync(PATH)` (a copy renamed over it);
 * - `cli-shift`: the CLI's `ensure-appendable --inplace PATH`;
 * each with `maxHeaderSize` 2**20 (the headers of `_full_version1.ts`).
 * (The tests run `shift`; the others are for runs by hand.)
 * - `atomic-rename`, `atomic-copy`, `atomic-keep`: an `atomic: true`
 *   writer of PATH appends 3 int32 rows; then `PATH.other` is renamed over
 *   PATH, or its bytes written over PATH (as `np.save` would), or nothing;
 *   then the child SIGKILLs itself (the writer never closes).
 * @module
 */

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import process from "node:process";
import { childThrough, startKillChild } from "./_kill_at.ts";
import { ensureAppendableSync, NpyAppendArraySync } from "../mod.ts";
import { main } from "../cli.ts";

const { op, path } = startKillChild();
const MAX = 1 << 20;
if (op === "shift") {
  ensureAppendableSync(path, { inplace: true, maxHeaderSize: MAX });
} else if (op === "copy") ensureAppendableSync(path, { maxHeaderSize: MAX });
else if (op === "cli-shift") {
  const code = await main([
    "ensure-appendable",
    "--inplace",
    "--max-header-size",
    String(MAX),
    path,
  ]);
  if (code !== 0) throw new Error(`the CLI exited with ${code}`);
} else if (op === "cli-split") {
  // PATH is the stack folder; its input is PATH.in.npy.
  const code = await main(["split", `${path}.in.npy`, path, "--rows", "3"]);
  if (code !== 0) throw new Error(`the CLI exited with ${code}`);
} else if (op.startsWith("atomic-")) {
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(Int32Array.of(100, 101, 102));
  const other = `${path}.other`;
  if (op === "atomic-rename") renameSync(other, path);
  else if (op === "atomic-copy") writeFileSync(path, readFileSync(other));
  process.kill(process.pid, "SIGKILL");
} else throw new Error(`unknown op ${op}`);
childThrough();
