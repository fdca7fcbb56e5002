/**
 * Stop 20 (h4): hostile arguments to public functions and classes that
 * were taken silently or failed deep inside: `canCast` given dtype strings
 * (as `np.can_cast` takes them) or a bad casting, `MemoryFile` given
 * something other than a `Uint8Array`, adapters given something other than
 * the handle they wrap, paths holding a lone surrogate.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  canCast,
  type Casting,
  inspectNpySync,
  MemoryFile,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyReader,
  NpyStackWriterSync,
  parseDType,
  readNpy,
  readNpyStackSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { DenoFile, NodeFile, NodeFileHandle, OpfsFile } from "../adapters.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

test(
  "canCast takes dtype strings as np.can_cast does, and refuses a bad casting",
  numpyTestOptions(),
  () => {
    const pairs: [string, string, Casting][] = [
      ["<f8", "<i4", "safe"],
      ["<i4", "<f8", "safe"],
      ["<f8", "<f4", "same_kind"],
      ["<f8", "|u1", "same_kind"],
      ["<i2", "<u2", "same_kind"],
      ["<U4", "<U2", "safe"],
      ["<M8[s]", "<M8[ms]", "safe"],
      ["<f8", ">f8", "equiv"],
      ["<f8", ">f8", "no"],
    ];
    const want = JSON.parse(runPython(
      `import sys, json, numpy as np
print(json.dumps([bool(np.can_cast(a, b, c)) for a, b, c in json.loads(sys.argv[1])]))`,
      [JSON.stringify(pairs)],
    ));
    const got = pairs.map(([a, b, c]) => canCast(a, b, c));
    assert.deepEqual(got, want);
    // Parsed dtypes and strings agree.
    assert.deepEqual(
      pairs.map(([a, b, c]) => canCast(parseDType(a), parseDType(b), c)),
      want,
    );
    assert.throws(
      () => canCast("<f8", "<i4", "loose" as Casting),
      (e) =>
        e instanceof TypeError && /Invalid casting "loose"/.test(e.message) &&
        /"same_kind"/.test(e.message),
    );
    assert.throws(
      () => canCast("<f8", "<i4", undefined as unknown as Casting),
      (e) =>
        e instanceof TypeError && /Invalid casting undefined/.test(e.message),
    );
    assert.throws(
      () => canCast(5 as unknown as string, "x", "safe"),
      (e) => e instanceof TypeError && /Cannot use dtype "5"/.test(e.message),
    );
  },
);

test("MemoryFile refuses what is not a Uint8Array, and a detached one, naming the fix", () => {
  for (
    const bad of [
      5,
      "abc",
      [0x93, 1],
      new Float64Array([1.5, 2]),
      new ArrayBuffer(8),
      null,
    ]
  ) {
    assert.throws(
      () => new MemoryFile(bad as unknown as Uint8Array),
      (e) =>
        e instanceof TypeError &&
        /^Cannot make a MemoryFile: pass a Uint8Array/.test(e.message),
      String(bad),
    );
  }
  const gone = new Uint8Array(8);
  // Detached by the transfer list (Node 20 has no ArrayBuffer.transfer).
  structuredClone(gone.buffer, { transfer: [gone.buffer] });
  assert.throws(
    () => new MemoryFile(gone),
    (e) =>
      e instanceof TypeError &&
      /^Cannot make a MemoryFile: its buffer is detached/.test(e.message),
  );
  // Still fine: nothing, and a view at an odd offset (copied).
  assert.equal(new MemoryFile().bytes().length, 0);
  assert.deepEqual(
    new MemoryFile(new Uint8Array([9, 1, 2, 3]).subarray(1)).bytes(),
    new Uint8Array([1, 2, 3]),
  );
});

test("adapters refuse what is not the handle they wrap, when made", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["DenoFile", () => new DenoFile(5 as never), /pass a Deno\.FsFile/],
    ["DenoFile", () => new DenoFile(null as never), /pass a Deno\.FsFile/],
    [
      "NodeFileHandle",
      () => new NodeFileHandle({} as never),
      /pass a FileHandle/,
    ],
    [
      "OpfsFile",
      () => new OpfsFile(5 as never),
      /pass a FileSystemSyncAccessHandle/,
    ],
  ];
  for (const [name, make, fix] of cases) {
    assert.throws(make, (e) =>
      e instanceof TypeError &&
      e.message.startsWith(`Cannot make a ${name}: `) && fix.test(e.message) &&
      /not /.test(e.message), name);
  }
  for (const fd of [-1, 1.5, NaN, "3", 3n]) {
    assert.throws(
      () => new NodeFile(fd as never),
      (e) =>
        e instanceof TypeError &&
        /^Cannot make a NodeFile: pass a file descriptor/.test(e.message),
      String(fd),
    );
  }
});

test("a path holding a lone surrogate is refused, not written under another name", () => {
  const dir = tempDir();
  try {
    for (const name of ["\ud800.npy", "a\udc80b.npy"]) {
      const path = `${dir}/${name}`; // (Bun's join would write U+FFFD)
      assert.throws(
        () => NpyAppendArraySync.open(path),
        (e) =>
          e instanceof TypeError &&
          /lone surrogate/.test(e.message) && /U\+D(800|C80)/.test(e.message),
      );
    }
    assert.deepEqual(readdirSync(dir), []);
    // A paired surrogate (an emoji) is a real name.
    const emoji = join(dir, "\u{1F600}.npy");
    {
      using npy = NpyAppendArraySync.open(emoji);
      npy.append([1, 2]);
    }
    assert.ok(existsSync(emoji));
    assert.deepEqual(readNpySync(emoji).shape, [2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bigint or symbol option value is named in a typed error, not a bare one from JSON or a template", () => {
  const dir = tempDir();
  try {
    for (const name of ["shardRows", "shardBytes"] as const) {
      assert.throws(
        () =>
          NpyStackWriterSync.open(join(dir, "s"), {
            dtype: "<f8",
            [name]: 3n as unknown as number,
          }),
        (e) =>
          e instanceof RangeError &&
          e.message.includes(`${name} must be a positive integer, not 3n`),
      );
      assert.throws(
        () =>
          NpyStackWriterSync.open(join(dir, "s"), {
            dtype: "<f8",
            [name]: NaN,
          }),
        (e) =>
          e instanceof RangeError &&
          e.message.includes(`${name} must be a positive integer, not NaN`),
      );
    }
    const path = join(dir, "a.npy");
    {
      using npy = NpyAppendArraySync.open(path, { dtype: "<f8" });
      npy.append([1, 2, 3]);
    }
    const reader = NpyReader.openSync(path);
    try {
      assert.throws(
        () => reader.batchesSync({ batchItems: Symbol("n") as never }).next(),
        (e) =>
          e instanceof RangeError &&
          /batchItems must be a positive integer, got Symbol\(n\)/.test(
            e.message,
          ),
      );
    } finally {
      reader.close();
    }
    assert.deepEqual(readNpySync(path).shape, [3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * An OPFS sync access handle over memory that, once closed, throws what
 * Chromium throws: a `DOMException` named `InvalidStateError`.
 */
class ClosableHandle {
  closed = false;
  constructor(readonly memory: MemoryFile) {}
  #check(method: string): void {
    if (this.closed) {
      throw new DOMException(
        `Failed to execute '${method}' on 'FileSystemSyncAccessHandle': The access handle was already closed.`,
        "InvalidStateError",
      );
    }
  }
  read(b: Uint8Array, o?: { at?: number }): number {
    this.#check("read");
    return this.memory.readSync(b, o?.at ?? 0);
  }
  write(b: Uint8Array, o?: { at?: number }): number {
    this.#check("write");
    this.memory.writeSync(b, o?.at ?? 0);
    return b.length;
  }
  getSize(): number {
    this.#check("getSize");
    return this.memory.sizeSync();
  }
  truncate(n: number): void {
    this.#check("truncate");
    this.memory.truncateSync(n);
  }
  flush(): void {
    this.#check("flush");
  }
  close(): void {
    this.closed = true;
  }
}

test("a closed OPFS handle is an EBADF error naming the file object and the fix, its rows kept", async () => {
  const memory = new MemoryFile();
  const handle = new ClosableHandle(memory);
  const file = new OpfsFile(handle);
  const w = NpyAppendArraySync.open(file, { dtype: "<i4" });
  w.append([1, 2]);
  handle.close();
  const closed = (e: unknown) =>
    e instanceof Error && !(e instanceof DOMException) &&
    (e as { code?: unknown }).code === "EBADF" &&
    /^Cannot \w+ the file object: EBADF: the OPFS access handle is closed \(InvalidStateError: Failed to execute/
      .test(e.message) &&
    /createSyncAccessHandle\(\)/.test(e.message) &&
    e.cause instanceof DOMException;
  assert.throws(() => w.append([3]), closed);
  assert.throws(() => readNpySync(file), closed);
  // The writer still holds the object (stop 25): a second one is refused.
  assert.throws(() => NpyAppendArraySync.open(file), NpyLockedError);
  try {
    w.close();
  } catch {
    // the closed handle's error again
  }
  assert.throws(() => NpyAppendArraySync.open(file), closed);
  await assert.rejects(readNpy(file), closed);
  // Nothing lost: a new handle over the same storage holds the two rows.
  const again = new OpfsFile(new ClosableHandle(memory));
  assert.deepEqual(Array.from(readNpySync(again).data as Int32Array), [1, 2]);
});

test("a maxHeaderSize that is no positive integer is refused naming the file, by every reader", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "a.npy");
    {
      using npy = NpyAppendArraySync.open(path, { dtype: "<f8" });
      npy.append([1, 2, 3]);
    }
    const stack = join(dir, "stack");
    {
      using s = NpyStackWriterSync.open(stack, { dtype: "<f8", shardRows: 2 });
      s.append([1, 2, 3]);
    }
    for (const bad of [NaN, 0, 3n, "10", Symbol("s")]) {
      const options = { maxHeaderSize: bad as unknown as number };
      const named = (where: string) => (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(`Cannot `) &&
        e.message.includes(JSON.stringify(where)) &&
        /maxHeaderSize must be a positive integer, not /.test(e.message);
      assert.throws(() => readNpySync(path, options), named(path));
      await assert.rejects(readNpy(path, options), named(path));
      assert.throws(() => inspectNpySync(path, options), named(path));
      assert.throws(() => NpyReader.openSync(path, options), named(path));
      assert.throws(() => recoverSync(path, options), named(path));
      assert.throws(() => readNpyStackSync(stack, options), named(stack));
    }
    assert.deepEqual(readNpySync(path).shape, [3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a group's members given as an array are refused, not made members named 0, 1", () => {
  const dir = tempDir();
  try {
    const group = join(dir, "g");
    assert.throws(
      () =>
        NpyGroupWriterSync.open(group, {
          members: ["<f4", "<i8"] as unknown as Record<string, string>,
        }),
      (e) =>
        e instanceof TypeError &&
        e.message.startsWith(`Cannot open group ${JSON.stringify(group)}:`) &&
        /members must be an object such as \{ x: "<f4", y: "<i8" \}, not an array/
          .test(e.message),
    );
    assert.equal(existsSync(group), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
