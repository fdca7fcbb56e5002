/**
 * Worker thread for `tests/adversary11_worker_lock_test.ts`: opens a
 * writer of `workerData.path` and appends, then posts `ready` and waits
 * to be terminated (its writer never closed). `workerData.kind`:
 * - `file`: an `NpyAppendArraySync`, int32 rows 1, 2, 3;
 * - `async`: an `NpyAppendArray`, the same rows;
 * - `stack`: an `NpyStackWriterSync` (`shardRows: 2`), rows 1, 2, 3;
 * - `group`: an `NpyGroupWriterSync`, members `a` (int32) and `b`
 *   (float64), rows 1, 2, 3.
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";

const { kind, path } = workerData as { kind: string; path: string };
const rows = new Int32Array([1, 2, 3]);
// Kept referenced until the worker is terminated.
const held: unknown[] = [];
if (kind === "file") {
  const w = NpyAppendArraySync.open(path);
  w.append(rows);
  held.push(w);
} else if (kind === "async") {
  const w = await NpyAppendArray.open(path);
  await w.append(rows);
  held.push(w);
} else if (kind === "stack") {
  const w = NpyStackWriterSync.open(path, { shardRows: 2 });
  w.append(rows);
  held.push(w);
} else if (kind === "group") {
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<f8" },
  });
  w.append({ a: rows, b: new Float64Array([1, 2, 3]) });
  held.push(w);
}
parentPort!.postMessage("ready");
setInterval(() => held.length, 1000);
