/**
 * Stop 25 (h1): sizes the runtime cannot give one buffer for. A plain
 * array with empty slots in the flat form (`{ data: a, shape }` where
 * `a.length = 2 ** 32 - 1`), a dense append whose items need terabytes
 * (`<U10000000`), records cast into such a dtype, and reads of a whole
 * file or of rows whose data is larger than one buffer: each threw the engine's bare
 * `RangeError: Array buffer allocation failed` (V8) or `Out of memory`
 * (JavaScriptCore), naming neither the file nor a fix. Now: the sparse
 * array is the nested form's `TypeError` (an empty slot), the append a
 * `RangeError` naming the file and smaller batches, the reads an
 * `NpyFormatError` of code `"too-large"` naming the file and `NpyReader`'s
 * ranges; the file keeps its rows.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  encodeHeader,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

function sparse(length: number): unknown[] {
  const a: unknown[] = [];
  a.length = length;
  return a;
}

test(
  "a flat sparse array is refused as an empty slot, rows kept",
  numpyTestOptions(),
  () => {
    const path = join(tempDir(), "sparse.npy");
    const w = NpyAppendArraySync.open(path);
    w.append([1, 2]);
    // Named a dtype, the array was walked for text first: a minute each.
    const started = Date.now();
    for (const dtype of [undefined, "<f8", "<c16"]) {
      const data = sparse(2 ** 32 - 1);
      assert.throws(
        () =>
          w.append({ data, shape: [2 ** 32 - 1], ...(dtype ? { dtype } : {}) }),
        (e: Error) =>
          e instanceof TypeError && e.message.includes(path) &&
          e.message.includes("empty slot") && e.message.includes("[0]"),
      );
    }
    // A hole after filled items is named at its index.
    const late = sparse(2 ** 32 - 1);
    late[0] = 1;
    late[1] = 2;
    assert.throws(
      () => w.append({ data: late, shape: [2 ** 32 - 1] }),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(path) &&
        e.message.includes("empty slot") && e.message.includes("[2]"),
    );
    assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
    w.append([3]);
    w.close();
    assert.deepEqual(npLoadJson(path).values, [1, 2, 3]);
  },
);

test("an append too large for one buffer names the file and the fix", () => {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype: "<U10000000" });
  w.append(["a"]);
  const many = new Array<string>(1 << 20).fill("b");
  assert.throws(
    () => w.append(many),
    (e: Error) =>
      e instanceof RangeError && e.message.includes("the file object") &&
      e.message.includes("smaller batches") && e.cause instanceof RangeError,
  );
  w.close();
  const back = readNpySync(file);
  assert.deepEqual(back.shape, [1]);
  assert.deepEqual(back.data, ["a"]);
});

test("records cast into records too large for one buffer: the same RangeError", () => {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, {
    dtype: "[('a', '<U10000000')]",
    casting: "unsafe",
  });
  w.append([{ a: "x" }]);
  assert.throws(
    () =>
      w.append({
        data: new Uint8Array(1 << 20),
        shape: [1 << 20],
        dtype: "[('a', '|u1')]",
      }),
    (e: Error) =>
      e instanceof RangeError && e.message.includes("the file object") &&
      e.message.includes("smaller batches") && e.cause instanceof RangeError,
  );
  w.close();
  assert.deepEqual(readNpySync(file).data, [{ a: "x" }]);
});

/** A read-only file of `2 ** 50` data bytes (zeros) behind a header. */
function hugeFile(): FileLikeSync {
  const header = encodeHeader({
    dtype: "<f8",
    fortranOrder: false,
    shape: [2 ** 47],
  });
  return {
    readSync(buffer: Uint8Array, position: number): number {
      const end = Math.min(position + buffer.length, header.length + 2 ** 50);
      if (position >= end) return 0;
      buffer.fill(0, 0, end - position);
      if (position < header.length) {
        buffer.set(header.subarray(position, Math.min(end, header.length)));
      }
      return end - position;
    },
    writeSync(): void {
      throw new Error("read-only");
    },
    sizeSync(): number {
      return header.length + 2 ** 50;
    },
  };
}

function tooLarge(e: unknown): boolean {
  return e instanceof NpyFormatError && e.code === "too-large" &&
    e.file === "the file object" && e.message.includes("NpyReader") &&
    e.message.includes("more than this runtime gives one buffer");
}

test("reads of more bytes than one buffer are NpyFormatError too-large", async () => {
  assert.throws(() => readNpySync(hugeFile()), tooLarge);
  await assert.rejects(readNpy(hugeFile()), tooLarge);
  const r = await NpyReader.open(hugeFile());
  try {
    assert.throws(() => r.readSync(0, 2 ** 47), tooLarge);
    await assert.rejects(r.read(0, 2 ** 47), tooLarge);
    // Ranges still read.
    const rows = r.readSync(2 ** 47 - 2, 2 ** 47);
    assert.deepEqual([...(rows.data as Float64Array)], [0, 0]);
  } finally {
    await r.close();
  }
});
