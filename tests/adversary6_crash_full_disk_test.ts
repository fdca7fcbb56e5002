/**
 * Adversary round 6, full disks (a real tmpfs, root only):
 *
 * - A writer's first append to a new file failing on a full disk was
 *   undone to an empty file, which `close()` left behind: `np.load` and
 *   the readers refuse it (0 bytes, no header), where the writer that
 *   never appended leaves no file. Also for `atomic` (the file was made
 *   before its change record, which was what failed) and for the async
 *   writer and `deleteIfExists`. Now `close()` removes a file its writer
 *   created and never wrote an array to, and an `atomic` writer writes
 *   its record before creating the file.
 * - A `bufferBytes` writer whose `close()` failed to write the buffered
 *   (acknowledged) appends on a full disk was closed anyway: the lock and
 *   file dropped, the rows lost, and a second `close()` after freeing
 *   space returned as if all was well. Now the writer stays open, lock
 *   and buffer kept, and `close()` again writes them (sync, async,
 *   `atomic`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
} from "../mod.ts";
import { hasNumpy, npLoadJsonMany } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(120_000);

function ramp(n: number, start = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => start + i);
}

/** Checks `path` with NumPy: the values `want`, as float64. */
function numpyHas(path: string, want: Float64Array): void {
  if (!hasNumpy()) return;
  const [got] = npLoadJsonMany([path]);
  assert.equal(got!.dtype, "<f8");
  assert.deepEqual(got!.shape, [want.length]);
  assert.deepEqual(got!.values, [...want]);
}

type Opener = (path: string) => Promise<{
  append(a: Float64Array): Promise<void> | void;
  close(): Promise<void> | void;
}>;

const OPENERS: Array<[string, Opener]> = [
  ["a sync writer", (p) => Promise.resolve(NpyAppendArraySync.open(p))],
  ["an async writer", (p) => NpyAppendArray.open(p)],
  [
    "an atomic writer",
    (p) => Promise.resolve(NpyAppendArraySync.open(p, { atomic: true })),
  ],
  [
    "a writer with deleteIfExists",
    (p) =>
      Promise.resolve(NpyAppendArraySync.open(p, { deleteIfExists: true })),
  ],
];

for (const [name, open] of OPENERS) {
  for (const pages of [0, 1, 2]) {
    test(
      `${name} whose first append fails with ${pages} free pages: close() leaves no file, nothing else`,
      OPTS,
      withTmpfs("size=1m", async (mnt) => {
        const path = join(mnt, "x.npy");
        const w = await open(path);
        const filler = fillDisk(mnt, pages * 4096);
        // 3 pages of rows: more than is free.
        await assert.rejects(
          async () => await w.append(ramp(1536)),
          (e: Error & { code?: string }) =>
            e.code === "ENOSPC" && e.message.includes(mnt),
        );
        await w.close();
        assert.deepEqual(readdirSync(mnt), ["filler"]);
        // Freed: a new writer starts the file as if nothing had happened.
        rmSync(filler);
        const again = await open(path);
        await again.append(ramp(1536));
        await again.close();
        assert.deepEqual(readNpySync(path).data, ramp(1536));
        numpyHas(path, ramp(1536));
        assert.deepEqual(readdirSync(mnt), ["x.npy"]);
      }),
    );
  }
}

test(
  "a first append failing on a full disk, retried after freeing space by the same writer: one copy of the rows",
  OPTS,
  withTmpfs("size=1m", (mnt) => {
    const path = join(mnt, "x.npy");
    const w = NpyAppendArraySync.open(path, { atomic: true });
    const filler = fillDisk(mnt);
    assert.throws(() => w.append(ramp(1536)), { code: "ENOSPC" });
    rmSync(filler);
    w.append(ramp(1536));
    w.append(ramp(10, 1536));
    w.close();
    assert.deepEqual(readNpySync(path).data, ramp(1546));
    numpyHas(path, ramp(1546));
    assert.deepEqual(readdirSync(mnt), ["x.npy"]);
  }),
);

const BUFFERED: Array<[string, Opener]> = [
  [
    "a sync writer",
    (p) =>
      Promise.resolve(NpyAppendArraySync.open(p, {
        rewriteHeaderOnAppend: false,
        bufferBytes: 1 << 16,
      })),
  ],
  [
    "an async writer",
    (p) =>
      NpyAppendArray.open(p, {
        rewriteHeaderOnAppend: false,
        bufferBytes: 1 << 16,
      }),
  ],
  [
    "an atomic writer",
    (p) =>
      Promise.resolve(NpyAppendArraySync.open(p, {
        rewriteHeaderOnAppend: false,
        bufferBytes: 1 << 16,
        atomic: true,
      })),
  ],
];

for (const [name, open] of BUFFERED) {
  test(
    `${name} with bufferBytes whose close() fails on a full disk stays open: close() again writes every acknowledged row`,
    OPTS,
    withTmpfs("size=1m", async (mnt) => {
      const path = join(mnt, "x.npy");
      const first = NpyAppendArraySync.open(path);
      first.append(ramp(10));
      first.close();
      const w = await open(path);
      // 7,000 rows of 8 bytes: two pages more, all in the buffer.
      for (let i = 0; i < 700; i++) await w.append(ramp(10, 10 + 10 * i));
      const filler = fillDisk(mnt);
      await assert.rejects(
        async () => await w.close(),
        (e: Error & { code?: string }) =>
          e.code === "ENOSPC" && e.message.includes(path),
      );
      // Still held, the file as it was: the header and the 10 rows.
      assert.throws(
        () => NpyAppendArraySync.open(path),
        (e) => e instanceof NpyLockedError,
      );
      // (Readers refuse an atomic writer's file until it commits.)
      if (!name.includes("atomic")) {
        assert.deepEqual(readNpySync(path).data, ramp(10));
      }
      rmSync(filler);
      await w.close();
      await w.close();
      assert.deepEqual(readNpySync(path).data, ramp(7010));
      numpyHas(path, ramp(7010));
      assert.ok(!existsSync(`${path}.lock`));
      assert.deepEqual(readdirSync(mnt), ["x.npy"]);
    }),
  );
}
