import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  type ArrayInput,
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  type NpyArray,
  NpyReader,
  readNpySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

/** An async-only view of a MemoryFile (no `readSync`). */
function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
  };
}

function openFds(): number {
  return existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0;
}

const CHUNKS: ArrayInput[] = [
  new Float64Array([1, 2, 3]),
  [4, 5],
  { data: new Int16Array([6, 7, 8, 9]), shape: [4] },
  [],
  [10],
];

describe("writer.writable", () => {
  test(
    "piping a stream appends its chunks in order; closing closes the file",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const path = join(dir, "piped.npy");
      const before = openFds();
      const npy = await NpyAppendArray.open(path);
      await ReadableStream.from(CHUNKS).pipeTo(npy.writable);
      // Other tests' descriptors may close meanwhile: no more than before.
      assert.ok(openFds() <= before, "the file is closed");
      await assert.rejects(npy.append([11]), TypeError);
      const loaded = npLoadJson(path);
      assert.equal(loaded.dtype, "<f8");
      assert.deepEqual(loaded.values, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // the lock is released: another writer can go on
      const again = await NpyAppendArray.open(path);
      await again.append([11]);
      await again.close();
      assert.deepEqual(readNpySync(path).shape, [11]);
      rmSync(dir, { recursive: true });
    },
  );

  test("2-d chunks of several forms", numpyTestOptions(), async () => {
    const dir = tempDir();
    const path = join(dir, "rows.npy");
    const npy = await NpyAppendArray.open(path, { dtype: "<i4" });
    await ReadableStream.from<ArrayInput>([
      [[1, 2], [3, 4]],
      { data: new Int32Array([5, 6]), shape: [1, 2] },
      { data: [7, 9, 8, 10], shape: [2, 2], fortranOrder: true },
    ]).pipeTo(npy.writable);
    const loaded = npLoadJson(path);
    assert.deepEqual(loaded.shape, [5, 2]);
    assert.deepEqual(loaded.values, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    rmSync(dir, { recursive: true });
  });

  test(
    "aborting leaves a valid file with the chunks written before",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const path = join(dir, "aborted.npy");
      const before = openFds();
      const npy = await NpyAppendArray.open(path, {
        rewriteHeaderOnAppend: false,
      });
      const writer = npy.writable.getWriter();
      await writer.write([1, 2]);
      await writer.write([3]);
      await writer.abort(new Error("stop"));
      // Other tests' descriptors may close meanwhile: no more than before.
      assert.ok(openFds() <= before, "the file is closed");
      const loaded = npLoadJson(path);
      assert.deepEqual(loaded.values, [1, 2, 3]);
      rmSync(dir, { recursive: true });
    },
  );

  test(
    "a source that fails mid-way: pipeTo rejects, the file keeps what came before",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const path = join(dir, "failed.npy");
      const npy = await NpyAppendArray.open(path);
      let n = 0;
      const source = new ReadableStream<ArrayInput>({
        pull(controller) {
          n++;
          if (n <= 3) controller.enqueue([n]);
          else controller.error(new Error("source broke"));
        },
      });
      await assert.rejects(source.pipeTo(npy.writable), /source broke/);
      assert.deepEqual(npLoadJson(path).values, [1, 2, 3]);
      rmSync(dir, { recursive: true });
    },
  );

  test(
    "a bad chunk errors the stream and closes the writer; the file keeps the good ones",
    async () => {
      const dir = tempDir();
      const path = join(dir, "bad.npy");
      const before = openFds();
      const npy = await NpyAppendArray.open(path);
      const source = ReadableStream.from<ArrayInput>([
        [[1, 2]],
        [[3, 4, 5]],
        [[6, 7]],
      ]);
      await assert.rejects(source.pipeTo(npy.writable), RangeError);
      // Other tests' descriptors may close meanwhile: no more than before.
      assert.ok(openFds() <= before, "the file is closed");
      await assert.rejects(npy.append([[8, 9]]), TypeError);
      const a = readNpySync(path);
      assert.deepEqual(a.shape, [1, 2]);
      assert.deepEqual([...a.data as Float64Array], [1, 2]);
      rmSync(dir, { recursive: true });
    },
  );

  test("an async-only file object", async () => {
    const mem = new MemoryFile();
    const npy = await NpyAppendArray.open(asyncOnly(mem));
    await ReadableStream.from(CHUNKS).pipeTo(npy.writable);
    assert.deepEqual(
      [...readNpySync(mem).data as Float64Array],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });
});

describe("reader.readable into writer.writable", () => {
  test("copies a file byte for byte", async () => {
    const src = new MemoryFile();
    const w = await NpyAppendArray.open(src, { dtype: ">u2" });
    await w.append({
      data: new Uint16Array(3000).map((_, i) => i),
      shape: [1000, 3],
    });
    await w.close();
    const dst = new MemoryFile();
    const reader = await NpyReader.open(src);
    const writer = await NpyAppendArray.open(dst, { dtype: ">u2" });
    await reader.readable({ batchItems: 77 }).pipeTo(writer.writable);
    assert.deepEqual(dst.bytes(), src.bytes());
  });

  test("through a TransformStream", async () => {
    const src = new MemoryFile();
    const w = await NpyAppendArray.open(src);
    await w.append(new Float64Array([1, 2, 3, 4, 5]));
    await w.close();
    const dst = new MemoryFile();
    const reader = await NpyReader.open(src, { batchItems: 2 });
    const writer = await NpyAppendArray.open(dst);
    await reader.readable()
      .pipeThrough(
        new TransformStream<NpyArray, ArrayInput>({
          transform(batch, controller) {
            controller.enqueue((batch.data as Float64Array).map((x) => x * 10));
          },
        }),
      )
      .pipeTo(writer.writable);
    assert.deepEqual(
      [...readNpySync(dst).data as Float64Array],
      [10, 20, 30, 40, 50],
    );
  });
});
