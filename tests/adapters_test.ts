// The runtime adapters: opening a path picks the runtime's own adapter, the
// fs/promises FileHandle adapter, and the OPFS adapter (over a stand-in
// FileSystemSyncAccessHandle that returns short reads and writes). Runs the
// same on Deno, Bun and Node.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpy,
  readNpySync,
} from "../mod.ts";
import {
  NodeFile,
  NodeFileHandle,
  OpfsFile,
  type OpfsSyncAccessHandleLike,
} from "../adapters.ts";
import { pathFs } from "../src/_path_fs.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { RUNTIME } from "./_runtime.ts";

function readBytes(path: string): Uint8Array {
  const b = fs.readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function memoryBytes(
  build: (npy: NpyAppendArraySync) => void,
): Uint8Array {
  const file = new MemoryFile();
  const npy = NpyAppendArraySync.open(file);
  build(npy);
  npy.close();
  return file.bytes();
}

/** A stand-in OPFS handle that reads and writes at most `chunk` bytes a call. */
class FakeSyncAccessHandle implements OpfsSyncAccessHandleLike {
  bytes: Uint8Array = new Uint8Array(0);
  flushes = 0;
  closed = false;
  constructor(readonly chunk: number) {}
  read(buffer: Uint8Array, options?: { at?: number }): number {
    const at = options?.at ?? 0;
    const n = Math.min(buffer.length, this.chunk);
    const part = this.bytes.subarray(at, at + n);
    buffer.set(part);
    return part.length;
  }
  write(buffer: Uint8Array, options?: { at?: number }): number {
    if (this.closed) throw new Error("closed");
    const at = options?.at ?? 0;
    const n = Math.min(buffer.length, this.chunk);
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(at + n);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(buffer.subarray(0, n), at);
    return n;
  }
  getSize(): number {
    return this.bytes.length;
  }
  truncate(newSize: number): void {
    const next = new Uint8Array(newSize);
    next.set(this.bytes.subarray(0, newSize));
    this.bytes = next;
  }
  flush(): void {
    this.flushes++;
  }
  close(): void {
    this.closed = true;
  }
}

describe("opening a path", () => {
  test("picks the runtime's adapter", () => {
    const dir = tempDir();
    const path = join(dir, "a.npy");
    const file = pathFs().open(path, "create");
    try {
      // node:fs positioned I/O on Node and Bun; Deno's own calls on Deno
      // (loading its node:fs is slow: cold start).
      if (RUNTIME === "deno") {
        assert.equal(file.constructor.name, "DenoPathFile");
      } else {
        assert.ok(
          file instanceof NodeFile,
          `expected NodeFile, got ${file.constructor.name}`,
        );
      }
      file.writeSync(new Uint8Array([1, 2, 3]), 2);
      assert.equal(file.sizeSync(), 5);
      const out = new Uint8Array(5);
      assert.equal(file.readSync(out, 0), 5);
      assert.deepEqual([...out], [0, 0, 1, 2, 3]);
    } finally {
      file.closeSync();
    }
  });

  test("writes the same bytes as MemoryFile, sync and async", async () => {
    const dir = tempDir();
    const expected = memoryBytes((npy) => {
      npy.append({ data: new Int16Array([1, 2, 3, 4]), shape: [2, 2] });
      npy.append({ data: new Int16Array([5, 6]), shape: [1, 2] });
    });
    const p1 = join(dir, "sync.npy");
    {
      const npy = NpyAppendArraySync.open(p1);
      npy.append({ data: new Int16Array([1, 2, 3, 4]), shape: [2, 2] });
      npy.append({ data: new Int16Array([5, 6]), shape: [1, 2] });
      npy.close();
    }
    assert.deepEqual(readBytes(p1), expected);
    const p2 = join(dir, "async.npy");
    {
      const npy = await NpyAppendArray.open(new URL(`file://${p2}`));
      await npy.append({ data: new Int16Array([1, 2, 3, 4]), shape: [2, 2] });
      await npy.append({ data: new Int16Array([5, 6]), shape: [1, 2] });
      await npy.close();
    }
    assert.deepEqual(readBytes(p2), expected);
    const back = readNpySync(p2);
    assert.deepEqual(back.shape, [3, 2]);
    assert.deepEqual([...(back.data as Int16Array)], [1, 2, 3, 4, 5, 6]);
  });

  test("NumPy loads a file written through a path", numpyTestOptions(), () => {
    const path = join(tempDir(), "np.npy");
    const npy = NpyAppendArraySync.open(path);
    npy.append([[1.5, 2], [3, 4]]);
    npy.append([[5, 6]]);
    npy.close();
    const got = npLoadJson(path);
    assert.equal(got.dtype, "<f8");
    assert.deepEqual(got.shape, [3, 2]);
    assert.deepEqual(got.values, [1.5, 2, 3, 4, 5, 6]);
  });
});

describe("NodeFile", () => {
  test("writes every byte in place when node:fs writes a few at a time", () => {
    // A stand-in for node:fs whose writeSync takes at most 3 bytes a call.
    const disk = new Uint8Array(12);
    const calls: number[] = [];
    const fsLike = {
      writeSync(
        _fd: number,
        b: Uint8Array,
        offset: number,
        length: number,
        position: number,
      ): number {
        const n = Math.min(3, length);
        disk.set(b.subarray(offset, offset + n), position);
        calls.push(position);
        return n;
      },
    } as unknown as ConstructorParameters<typeof NodeFile>[1];
    const file = new NodeFile(3, fsLike);
    file.writeSync(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 2);
    assert.deepEqual([...disk], [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
    assert.deepEqual(calls, [2, 5, 8]);
  });
});

describe("NodeFileHandle", () => {
  test("reads, writes at positions, sizes, truncates, syncs", async () => {
    const path = join(tempDir(), "h.bin");
    const file = new NodeFileHandle(await fs.promises.open(path, "w+"));
    try {
      await file.write(new Uint8Array([9, 8, 7]), 4);
      assert.equal(await file.size(), 7);
      const out = new Uint8Array(10);
      assert.equal(await file.read(out, 0), 7);
      assert.deepEqual([...out.subarray(0, 7)], [0, 0, 0, 0, 9, 8, 7]);
      assert.equal(await file.read(out, 7), 0);
      await file.truncate(5);
      await file.sync();
      assert.equal(await file.size(), 5);
    } finally {
      await file.close();
    }
    assert.deepEqual([...readBytes(path)], [0, 0, 0, 0, 9]);
  });

  test("a writer on it matches MemoryFile and reopens", async () => {
    const path = join(tempDir(), "h.npy");
    const expected = memoryBytes((npy) => {
      npy.append(new Float32Array([1, 2, 3]));
      npy.append(new Float32Array([4]));
    });
    {
      const file = new NodeFileHandle(await fs.promises.open(path, "w+"));
      const npy = await NpyAppendArray.open(file);
      await npy.append(new Float32Array([1, 2, 3]));
      await npy.close();
      await file.close();
    }
    {
      const file = new NodeFileHandle(await fs.promises.open(path, "r+"));
      const npy = await NpyAppendArray.open(file);
      await npy.append(new Float32Array([4]));
      await npy.close();
      const back = await readNpy(file);
      assert.deepEqual([...(back.data as Float32Array)], [1, 2, 3, 4]);
      await file.close();
    }
    assert.deepEqual(readBytes(path), expected);
  });

  test("NumPy loads what it wrote", numpyTestOptions(), async () => {
    const path = join(tempDir(), "hn.npy");
    const file = new NodeFileHandle(await fs.promises.open(path, "w+"));
    const npy = await NpyAppendArray.open(file, { dtype: ">i4" });
    await npy.append([[1, 2, 3]]);
    await npy.append([[4, 5, 6], [7, 8, 9]]);
    await npy.close();
    await file.close();
    const got = npLoadJson(path);
    assert.equal(got.dtype_str, ">i4");
    assert.deepEqual(got.shape, [3, 3]);
    assert.deepEqual(got.values, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("OpfsFile", () => {
  test("loops over short reads and writes", () => {
    const handle = new FakeSyncAccessHandle(3);
    const file = new OpfsFile(handle);
    file.writeSync(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), 1);
    assert.equal(file.sizeSync(), 8);
    const out = new Uint8Array(8);
    assert.equal(file.readSync(out, 0), 8);
    assert.deepEqual([...out], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(file.readSync(new Uint8Array(4), 6), 2);
    file.truncateSync(2);
    file.syncSync();
    assert.equal(handle.flushes, 1);
    assert.deepEqual([...handle.bytes], [0, 1]);
    file.closeSync();
    assert.equal(handle.closed, true);
    assert.equal(file.handle, handle);
  });

  test("a handle that writes nothing is an error", () => {
    const handle = new FakeSyncAccessHandle(0);
    assert.throws(
      () => new OpfsFile(handle).writeSync(new Uint8Array([1]), 0),
      /Cannot write to the OPFS file at byte 0/,
    );
  });

  test("sync and async writers match MemoryFile", async () => {
    const build = (npy: NpyAppendArraySync) => {
      npy.append({ data: ["ab", "cde"], shape: [2], dtype: "<U3" });
      npy.append({ data: ["f"], shape: [1] });
    };
    const expected = memoryBytes(build);
    const h1 = new FakeSyncAccessHandle(5);
    const npy1 = NpyAppendArraySync.open(new OpfsFile(h1));
    build(npy1);
    npy1.close();
    assert.deepEqual(h1.bytes, expected);

    const h2 = new FakeSyncAccessHandle(7);
    const file2 = new OpfsFile(h2);
    const npy2 = await NpyAppendArray.open(file2);
    await npy2.append({ data: ["ab", "cde"], shape: [2], dtype: "<U3" });
    await npy2.append({ data: ["f"], shape: [1] });
    await npy2.close();
    assert.deepEqual(h2.bytes, expected);
    const back = await readNpy(file2);
    assert.deepEqual(back.data, ["ab", "cde", "f"]);
  });
});
