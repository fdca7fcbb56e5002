/**
 * Adversary round 13: a browser's storage that fills up under a writer. An
 * OPFS sync access handle (and any web storage API: streams, IndexedDB)
 * reports a full origin quota, or a full disk, by throwing a
 * `DOMException` named `QuotaExceededError`; a stand-in handle with a size
 * limit throws it here, as Chromium's does.
 *
 * Found: the writers passed that `DOMException` through as it was (code
 * `22`, no file named, no fix), where a full disk on a path is an error of
 * code `ENOSPC` naming the file. A user's check for a full disk
 * (`e.code === "ENOSPC"`) missed it. Now it is `ENOSPC` naming the file
 * object and what to do, the `DOMException` as its `cause`; the failed
 * append is undone as for any full disk, and appends go on once there is
 * room.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ensureAppendableSync,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import { OpfsFile, type OpfsSyncAccessHandleLike } from "../adapters.ts";
import { asyncOnly } from "./_faulty_file.ts";
import { compactHeaderFile } from "./_test_files.ts";
import { hasNumpy, npSaveBytes } from "./_numpy.ts";

/**
 * A sync access handle over memory that refuses to grow its file past
 * `quota` bytes, as a browser's storage quota does.
 */
class QuotaHandle implements OpfsSyncAccessHandleLike {
  readonly memory: MemoryFile;
  quota: number;

  constructor(quota = Infinity, initial?: Uint8Array) {
    this.quota = quota;
    this.memory = new MemoryFile(initial);
  }

  #check(end: number): void {
    if (end > Math.max(this.quota, this.memory.sizeSync())) {
      throw new DOMException(
        "The operation failed because it would cause the application to exceed its storage quota.",
        "QuotaExceededError",
      );
    }
  }

  read(buffer: Uint8Array, options?: { at?: number }): number {
    return this.memory.readSync(buffer, options?.at ?? 0);
  }

  write(buffer: Uint8Array, options?: { at?: number }): number {
    const at = options?.at ?? 0;
    this.#check(at + buffer.length);
    this.memory.writeSync(buffer, at);
    return buffer.length;
  }

  getSize(): number {
    return this.memory.sizeSync();
  }

  truncate(size: number): void {
    this.#check(size);
    this.memory.truncateSync(size);
  }

  flush(): void {}
  close(): void {}
}

/** A file object's methods bound to it, for {@linkcode asyncOnly}. */
function bound(f: OpfsFile): FileLikeSync {
  return {
    readSync: (b, p) => f.readSync(b, p),
    writeSync: (b, p) => f.writeSync(b, p),
    sizeSync: () => f.sizeSync(),
    truncateSync: (n) => f.truncateSync(n),
    syncSync: () => f.syncSync(),
  };
}

/** The error of a full storage, in the library's terms. */
function storageFull(e: unknown): true {
  const err = e as Error & { code?: unknown };
  assert.ok(err instanceof Error, String(e));
  assert.equal(err.code, "ENOSPC", String(e));
  assert.match(err.message, /^Cannot write the file object: ENOSPC: /);
  assert.match(err.message, /storage quota is exceeded/);
  assert.match(err.message, /then try again/);
  // The browser's error is kept as the cause (of the cause, for close()).
  let cause = err.cause as Error | undefined;
  while (cause !== undefined && cause.name !== "QuotaExceededError") {
    cause = cause.cause as Error | undefined;
  }
  assert.ok(cause instanceof DOMException, String(e));
  return true;
}

/** The rows of a file's bytes, and those bytes against `np.save`'s. */
function assertRows(bytes: Uint8Array, rows: number[]): void {
  assert.deepEqual(
    [...readNpySync(new MemoryFile(bytes)).data as Float64Array],
    rows,
  );
  if (hasNumpy()) {
    assert.deepEqual(
      bytes,
      npSaveBytes(`np.array([${rows.join(", ")}], "<f8")`),
    );
  }
}

/** A handle holding rows 0, 1, 2 (`<f8`), its quota at its size plus `room`. */
function threeRows(room: number): QuotaHandle {
  const handle = new QuotaHandle();
  const w = NpyAppendArraySync.open(new OpfsFile(handle), { dtype: "<f8" });
  w.append(new Float64Array([0, 1, 2]));
  w.close();
  handle.quota = handle.getSize() + room;
  return handle;
}

test("adversary 13: a sync append over the storage quota is a full disk (ENOSPC) naming the file object, undone, and appends go on", () => {
  const handle = threeRows(8);
  const before = handle.memory.bytes();
  const w = NpyAppendArraySync.open(new OpfsFile(handle));
  assert.throws(() => w.append(new Float64Array([3, 4])), storageFull);
  assert.deepEqual(handle.memory.bytes(), before);
  assert.deepEqual(w.shape, [3]);
  w.append(new Float64Array([3]));
  handle.quota = Infinity;
  w.append(new Float64Array([4]));
  w.close();
  assertRows(handle.memory.bytes(), [0, 1, 2, 3, 4]);
});

test("adversary 13: an async append over the storage quota (an async-only file object) is ENOSPC naming the file object, undone, and appends go on", async () => {
  const handle = threeRows(8);
  const before = handle.memory.bytes();
  const w = await NpyAppendArray.open(asyncOnly(bound(new OpfsFile(handle))));
  await assert.rejects(w.append(new Float64Array([3, 4])), storageFull);
  assert.deepEqual(handle.memory.bytes(), before);
  handle.quota = Infinity;
  await w.append(new Float64Array([3, 4]));
  await w.close();
  assertRows(handle.memory.bytes(), [0, 1, 2, 3, 4]);
});

test("adversary 13: a first append over the storage quota leaves the file object empty, and a retry with room writes it", () => {
  const handle = new QuotaHandle(100);
  const w = NpyAppendArraySync.open(new OpfsFile(handle), { dtype: "<f8" });
  assert.throws(() => w.append(new Float64Array([0, 1])), storageFull);
  assert.equal(handle.getSize(), 0);
  handle.quota = Infinity;
  w.append(new Float64Array([0, 1]));
  w.close();
  assertRows(handle.memory.bytes(), [0, 1]);
});

test("adversary 13: a bufferBytes close over the storage quota is ENOSPC, keeps the writer open and its rows, and closes once there is room", async () => {
  for (const kind of ["sync", "async"]) {
    const handle = threeRows(8);
    const before = handle.memory.bytes();
    const opts = { bufferBytes: 1024, rewriteHeaderOnAppend: false };
    const file = new OpfsFile(handle);
    if (kind === "sync") {
      const w = NpyAppendArraySync.open(file, opts);
      w.append(new Float64Array([3, 4]));
      assert.throws(() => w.close(), storageFull, kind);
      assert.equal(w.closed, false, kind);
      assert.deepEqual(handle.memory.bytes(), before, kind);
      handle.quota = Infinity;
      w.close();
    } else {
      const w = await NpyAppendArray.open(asyncOnly(bound(file)), opts);
      await w.append(new Float64Array([3, 4]));
      await assert.rejects(w.close(), storageFull, kind);
      assert.deepEqual(handle.memory.bytes(), before, kind);
      handle.quota = Infinity;
      await w.close();
    }
    assertRows(handle.memory.bytes(), [0, 1, 2, 3, 4]);
  }
});

test("adversary 13: ensureAppendable of a file object whose header must grow, over the storage quota: ENOSPC, no byte changed, done once there is room", () => {
  const bytes = compactHeaderFile();
  const handle = new QuotaHandle(bytes.length, bytes);
  const file = new OpfsFile(handle);
  assert.throws(() => ensureAppendableSync(file), storageFull);
  assert.deepEqual(handle.memory.bytes(), bytes);
  handle.quota = Infinity;
  assert.equal(ensureAppendableSync(file), true);
  const out = handle.memory.bytes();
  assert.deepEqual(parseHeader(out).shape, [3, ...Array(14).fill(1)]);
  assert.deepEqual([...readNpySync(new MemoryFile(out)).data as Float64Array], [
    0,
    1,
    2,
  ]);
});
