/**
 * Worker of `stop25_worker_cursors_deno_test.ts` (Deno): on a message
 * `{ dir, count }`, opens `count` writers `DIR/w<i>.npy`, appends 20 rows
 * to each one at a time, and posts how many descriptors of the process
 * name each file (`/proc/self/fd`), then closes them and posts `closed`.
 *
 * @module
 */

import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { fdsOf } from "./_fds_of.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(data: unknown): void;
};

scope.onmessage = (e: MessageEvent) => {
  const { dir, count } = e.data as { dir: string; count: number };
  const paths = Array.from({ length: count }, (_, i) => join(dir, `w${i}.npy`));
  const writers = paths.map((p) =>
    NpyAppendArraySync.open(p, { dtype: "<f8" })
  );
  for (let r = 0; r < 20; r++) {
    for (const w of writers) w.append(Float64Array.of(r));
  }
  const fds = paths.map((p) => fdsOf(p).length);
  for (const w of writers) w.close();
  scope.postMessage({ fds, after: paths.map((p) => fdsOf(p).length) });
};
