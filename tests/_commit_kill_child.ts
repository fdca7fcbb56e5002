/**
 * Child process for `tests/commit_kill_test.ts`: runs one multi-step
 * change on a stack, a group or a file the test prepared, and SIGKILLs
 * itself right after its Nth file call (see `_kill_at.ts`), printing
 * `exit 0` if it got through.
 *
 * Usage: `<runtime> tests/_commit_kill_child.ts N OP PATH`, OP one of
 * - `stack`, `stack-fsync`, `stack-buffer`, `stack-replace`: a stack of
 *   int32 rows, `shardRows: 4` (with `fsync`, `bufferBytes: 64` or
 *   `deleteIfExists`), appends of 3 rows (row i holds i) until 14 rows, close;
 * - `group`, `gstack`, `group-replace`, `gstack-replace`: a group `a`
 *   (int32) and `b` (float64), plain or of stacks (`shardRows: 4`), or
 *   replaced (`deleteIfExists`), appends of 3 rows until 14 rows, close;
 * - `file-replace`, `atomic-replace`: a file of float64 rows of shape
 *   `[n, 1]` opened with `deleteIfExists` (and `atomic`), appends of 3
 *   rows (row i holds i) until 14 rows, close;
 * - `recover-stack`, `recover-group`: `recoverStackSync` or
 *   `recoverGroupSync` of PATH;
 * - `from-csv`, `from-csv-overwrite`, `split`, `split-append`, `to-csv`,
 *   `concat`, `concat-overwrite`, `recover`: the command line with PATH as its output (or
 *   target), reading `in.npy` or `in.csv` in the folder above PATH's.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { childThrough, ints, startKillChild } from "./_kill_at.ts";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";

const { op, path } = startKillChild();

/** Command lines, reading `in.npy` or `in.csv` in the folder `up`. */
const CLI: Record<string, (up: string) => string[]> = {
  "from-csv": (up) => ["from-csv", "--no-progress", join(up, "in.csv"), path],
  "from-csv-overwrite": (up) => [
    "from-csv",
    "--no-progress",
    "--overwrite",
    join(up, "in.csv"),
    path,
  ],
  split: (
    up,
  ) => ["split", "--no-progress", "--rows", "4", join(up, "in.npy"), path],
  "split-append": (up) => [
    "split",
    "--no-progress",
    "--append",
    "--rows",
    "4",
    join(up, "in.npy"),
    path,
  ],
  "to-csv": (up) => ["to-csv", "--no-progress", join(up, "in.npy"), path],
  concat: (up) => ["concat", "--no-progress", path, join(up, "in.npy")],
  "concat-overwrite": (
    up,
  ) => ["concat", "--no-progress", "--overwrite", path, join(up, "in.npy")],
  recover: () => ["recover", path],
};
const END = 14;

if (op.startsWith("stack")) {
  const w = NpyStackWriterSync.open(path, {
    shardRows: 4,
    dtype: "<i4",
    ...(op === "stack-fsync" ? { fsync: true } : {}),
    ...(op === "stack-buffer"
      ? { bufferBytes: 64, rewriteHeaderOnAppend: false }
      : {}),
    ...(op === "stack-replace" ? { deleteIfExists: true } : {}),
  });
  for (let at = w.shape[0] ?? 0; at < END; at += 3) {
    w.append(ints(at, Math.min(3, END - at)));
  }
  w.close();
} else if (op.startsWith("group") || op.startsWith("gstack")) {
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<f8" },
    ...(op.startsWith("gstack") ? { shardRows: 4 } : {}),
    ...(op.endsWith("-replace") ? { deleteIfExists: true } : {}),
  });
  for (let at = w.length; at < END; at += 3) {
    const n = Math.min(3, END - at);
    w.append({ a: ints(at, n), b: Float64Array.from(ints(at, n)) });
  }
  w.close();
} else if (op === "file-replace" || op === "atomic-replace") {
  const w = NpyAppendArraySync.open(path, {
    deleteIfExists: true,
    atomic: op === "atomic-replace",
  });
  for (let at = 0; at < END; at += 3) {
    const n = Math.min(3, END - at);
    w.append({ data: Float64Array.from(ints(at, n)), shape: [n, 1] });
  }
  w.close();
} else if (op === "recover-stack") recoverStackSync(path);
else if (op === "recover-group") recoverGroupSync(path);
else if (op in CLI) {
  const { main } = await import("../cli.ts");
  const code = await main(CLI[op]!(join(dirname(path), "..")));
  if (code !== 0) throw new Error(`exit ${code}`);
} else throw new Error(`unknown op ${op}`);
childThrough();
