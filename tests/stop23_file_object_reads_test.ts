/**
 * Stop 23 (h5): a file object's `read` count is checked as its `size` is.
 * A `readSync` that answered more than it was asked for, a negative
 * count, `NaN` or a string was taken as a count: "the header needs 128
 * bytes but only 133 could be read", "only 0128 could be read" (a string
 * added), or "not a .npy file" for a sound file behind a broken object.
 * Each is now a `TypeError` naming the file object, what its read
 * returned and the fix, sync and async alike, and nothing is written.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type FileLike,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpy,
  readNpySync,
  recoverSync,
} from "../mod.ts";

function sound(): MemoryFile {
  const m = new MemoryFile();
  using w = NpyAppendArraySync.open(m, { dtype: "<f8" });
  w.append([[1, 2], [3, 4]]);
  return m;
}

const LIARS: Array<
  [string, (m: MemoryFile, b: Uint8Array, p: number) => unknown]
> = [
  ["more than asked", (m, b, p) => m.readSync(b, p) + 5],
  ["negative", () => -1],
  ["NaN", () => NaN],
  ["a string", (m, b, p) => String(m.readSync(b, p))],
  ["a fraction", (m, b, p) => m.readSync(b, p) - 0.5],
  ["undefined", (m, b, p) => void m.readSync(b, p)],
];

function syncLiar(
  m: MemoryFile,
  read: (m: MemoryFile, b: Uint8Array, p: number) => unknown,
): FileLikeSync {
  return {
    readSync: (b, p) => read(m, b, p) as number,
    writeSync: (b, p) => m.writeSync(b, p),
    sizeSync: () => m.sizeSync(),
    truncateSync: (n) => m.truncateSync(n),
  };
}

function asyncLiar(
  m: MemoryFile,
  read: (m: MemoryFile, b: Uint8Array, p: number) => unknown,
): FileLike {
  return {
    read: (b, p) => Promise.resolve(read(m, b, p) as number),
    write: (b, p) => Promise.resolve(m.writeSync(b, p)),
    size: () => Promise.resolve(m.sizeSync()),
    truncate: (n) => Promise.resolve(m.truncateSync(n)),
  };
}

const refused = (e: unknown) =>
  e instanceof TypeError &&
  /^Cannot \w+ the file object: its read\(\) returned .+; return the count of bytes/
    .test(e.message);

test("a file object's read count that is no count is a TypeError naming it", async () => {
  for (const [name, read] of LIARS) {
    const m = sound();
    const before = m.bytes().slice();
    assert.throws(() => readNpySync(syncLiar(m, read)), refused, name);
    assert.throws(
      () => NpyAppendArraySync.open(syncLiar(m, read)),
      refused,
      name,
    );
    assert.throws(() => recoverSync(syncLiar(m, read)), refused, name);
    await assert.rejects(readNpy(asyncLiar(m, read)), refused, name);
    await assert.rejects(
      NpyAppendArray.open(asyncLiar(m, read)),
      refused,
      name,
    );
    assert.deepEqual(m.bytes(), before, name);
  }
});

test("short reads and 0 at the end of the file still work", () => {
  const m = sound();
  const short: FileLikeSync = {
    readSync: (b, p) => m.readSync(b.subarray(0, Math.min(b.length, 3)), p),
    writeSync: (b, p) => m.writeSync(b, p),
    sizeSync: () => m.sizeSync(),
    truncateSync: (n) => m.truncateSync(n),
  };
  assert.deepEqual(readNpySync(short).shape, [2, 2]);
  using w = NpyAppendArraySync.open(short);
  w.append([[5, 6]]);
  assert.deepEqual(w.shape, [3, 2]);
});
