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
 * @module
 */

import { childThrough, startKillChild } from "./_kill_at.ts";
import { ensureAppendableSync } from "../mod.ts";
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
} else throw new Error(`unknown op ${op}`);
childThrough();
