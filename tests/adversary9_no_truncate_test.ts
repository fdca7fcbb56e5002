/**
 * Adversary round 9: file objects that cannot truncate (`truncate` and
 * `truncateSync` are optional), which a failed call must leave as they
 * were.
 *
 * `deleteIfExists: true` on a file object that cannot
 * truncate (its `truncate`/`truncateSync` is optional) and holds more
 * bytes than the new file. The first append wrote the new header and data
 * over the old bytes, then failed to cut the rest ("Cannot truncate: the
 * file object has no truncate method"), and could not undo its writes
 * either: the failed call had changed the file's first bytes, and the
 * writer was left broken. Now the old bytes are cut first, so such a file
 * object fails before any byte changes, with a message that names the
 * missing method. A new file at least as long as the old bytes needs no
 * cut and is written as before.
 *
 * `recover` of a file object holding more whole rows than its header says
 * and a partial row (a writer with `rewriteHeaderOnAppend: false` cut off)
 * wrote the new header, then failed to cut the partial row: the failed
 * call changed the header. Now it cuts first, then writes the header (a
 * crash in between leaves whole rows under the old header, which the same
 * recovery repairs).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type FileLike,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recover,
  recoverSync,
  SyncBackedFile,
} from "../mod.ts";

const OLD = new Uint8Array(1000).fill(7);
const NO_CUT =
  /^Cannot truncate the file object: it has no truncate method; give it one$/;

/** The bytes a fresh writer makes of `rows`. */
function fresh(rows: Float64Array): Uint8Array {
  const m = new MemoryFile();
  const w = NpyAppendArraySync.open(m);
  w.append(rows);
  w.close();
  return m.bytes();
}

/** An async-only file object over `m` with no `truncate`. */
function asyncNoTruncate(m: MemoryFile): FileLike {
  return {
    read: (b, p) => Promise.resolve(m.readSync(b, p)),
    write: (b, p) => Promise.resolve(m.writeSync(b, p)),
    size: () => Promise.resolve(m.sizeSync()),
  };
}

/** A sync file object over `m` with no `truncateSync`. */
function syncNoTruncate(m: MemoryFile): FileLikeSync {
  return {
    readSync: (b, p) => m.readSync(b, p),
    writeSync: (b, p) => m.writeSync(b, p),
    sizeSync: () => m.sizeSync(),
  };
}

/** A `SyncBackedFile` that keeps the base class's refusing `truncateSync`. */
class NoCutFile extends SyncBackedFile {
  constructor(readonly m: MemoryFile) {
    super();
  }
  readSync(b: Uint8Array, p: number): number {
    return this.m.readSync(b, p);
  }
  writeSync(b: Uint8Array, p: number): void {
    this.m.writeSync(b, p);
  }
  sizeSync(): number {
    return this.m.sizeSync();
  }
}

describe("deleteIfExists on a file object that cannot truncate", () => {
  test("an async-only file object: the append fails, no byte changed", async () => {
    const m = new MemoryFile(OLD);
    const npy = await NpyAppendArray.open(asyncNoTruncate(m), {
      deleteIfExists: true,
    });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        npy.append(new Float64Array([1, 2])),
        (e: unknown) => e instanceof TypeError && NO_CUT.test(e.message),
      );
      assert.deepEqual(m.bytes(), OLD);
    }
    await npy.close();
    assert.deepEqual(m.bytes(), OLD);
  });

  test("a FileLikeSync without truncateSync: the append fails, no byte changed", () => {
    const m = new MemoryFile(OLD);
    const npy = NpyAppendArraySync.open(syncNoTruncate(m), {
      deleteIfExists: true,
    });
    assert.throws(
      () => npy.append(new Float64Array([1, 2])),
      (e: unknown) =>
        e instanceof TypeError && e.message.includes("truncateSync method"),
    );
    assert.deepEqual(m.bytes(), OLD);
    // Not broken: a file object that can hold the new file whole is fine.
    npy.append(new Float64Array(200));
    npy.close();
    assert.deepEqual(readNpySync(m).shape, [200]);
  });

  test("a SyncBackedFile keeping the base truncateSync: no byte changed", async () => {
    const m = new MemoryFile(OLD);
    const npy = await NpyAppendArray.open(new NoCutFile(m), {
      deleteIfExists: true,
    });
    await assert.rejects(npy.append(new Float64Array([1, 2])), TypeError);
    assert.deepEqual(m.bytes(), OLD);
    await npy.close();
    assert.deepEqual(m.bytes(), OLD);
  });

  test("no cut needed, or a file object that cuts: the fresh file's bytes", async () => {
    const rows = new Float64Array(200).map((_, i) => i);
    const m = new MemoryFile(OLD);
    const npy = await NpyAppendArray.open(asyncNoTruncate(m), {
      deleteIfExists: true,
    });
    await npy.append(rows);
    await npy.close();
    assert.deepEqual(m.bytes(), fresh(rows));
    for (const big of [false, true]) {
      const two = new Float64Array(big ? 1 << 17 : 2).fill(1.5);
      const c = new MemoryFile(new Uint8Array(2 << 20).fill(7));
      const w = NpyAppendArraySync.open(c, { deleteIfExists: true });
      w.append(two);
      w.close();
      assert.deepEqual(c.bytes(), fresh(two));
    }
  });
});

/** Three rows under a header of two, and half a row: `[1, 2, 3]` float64. */
function cutOff(): MemoryFile {
  const m = new MemoryFile();
  const w = NpyAppendArraySync.open(m, { rewriteHeaderOnAppend: false });
  w.append(new Float64Array([1, 2]));
  w.close();
  m.writeSync(new Uint8Array(new Float64Array([3]).buffer), m.sizeSync());
  m.writeSync(new Uint8Array([1, 2, 3, 4]), m.sizeSync());
  return m;
}

describe("recover on a file object that cannot truncate", () => {
  test("a FileLikeSync without truncateSync: refused, no byte changed", () => {
    const m = cutOff();
    const before = m.bytes();
    assert.throws(
      () => recoverSync(syncNoTruncate(m)),
      (e: unknown) =>
        e instanceof TypeError && e.message.includes("truncateSync method"),
    );
    assert.deepEqual(m.bytes(), before);
  });

  test("an async-only file object: refused, no byte changed", async () => {
    const m = cutOff();
    const before = m.bytes();
    await assert.rejects(
      recover(asyncNoTruncate(m)),
      (e: unknown) => e instanceof TypeError && NO_CUT.test(e.message),
    );
    assert.deepEqual(m.bytes(), before);
  });

  test("a SyncBackedFile keeping the base truncateSync: no byte changed", () => {
    const m = cutOff();
    const before = m.bytes();
    assert.throws(() => recoverSync(new NoCutFile(m)), TypeError);
    assert.deepEqual(m.bytes(), before);
  });

  test("a file object that cuts: the bytes of the three rows written whole", () => {
    const m = cutOff();
    assert.equal(recoverSync(m), true);
    assert.deepEqual(m.bytes(), fresh(new Float64Array([1, 2, 3])));
  });
});
