/**
 * Stop 25 (h7): a caller's file object that breaks the `FileLike` /
 * `FileLikeSync` contract in new ways.
 *
 * - A `FileLikeSync` method that returns a Promise (an `async writeSync`,
 *   `syncSync`, `truncateSync`, `readSync`, `sizeSync`): the sync writer
 *   took the Promise for done, acknowledged the append with no byte in the
 *   file, and the Promise's failure was an unhandled rejection. Now a
 *   `TypeError` naming the method and the fix; the append undone.
 * - A write that answers a count (`fs.writeSync`'s, OPFS's `write`, Node's
 *   `FileHandle.write` `{ bytesWritten }`) of fewer bytes than given: the
 *   rest was taken as written (a file of 1 byte acknowledged as 3 rows).
 *   Now the rest is written; a count of 0 is an `EIO` error (no loop), a
 *   count that is no count (past the bytes given, negative, not an integer,
 *   another value) a `TypeError`; the append undone.
 * - One file object given to two writers (or a writer and `recover`) of
 *   one process: each kept its own end of the data, the second's rows
 *   overwritten and lost though acknowledged. Now `NpyLockedError`, as a
 *   path held by this process gives; free again once the writer closes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  type FileLike,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  NpyReader,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { NodeFile, OpfsFile } from "../adapters.ts";
import { hasNumpy, runPython } from "./_numpy.ts";

/** A FileLikeSync over `m`, with some methods replaced. */
function over(m: MemoryFile, replaced: Partial<Record<string, unknown>>) {
  return {
    readSync: (b: Uint8Array, p: number) => m.readSync(b, p),
    writeSync: (b: Uint8Array, p: number) => m.writeSync(b, p),
    sizeSync: () => m.sizeSync(),
    truncateSync: (n: number) => m.truncateSync(n),
    syncSync: () => {},
    ...replaced,
  } as unknown as FileLikeSync;
}

/** An async-only FileLike over `m`, with some methods replaced. */
function overAsync(m: MemoryFile, replaced: Partial<Record<string, unknown>>) {
  return {
    read: (b: Uint8Array, p: number) => m.read(b, p),
    write: (b: Uint8Array, p: number) => m.write(b, p),
    size: () => m.size(),
    truncate: (n: number) => m.truncate(n),
    ...replaced,
  } as unknown as FileLike;
}

/** A MemoryFile holding the (2,) i4 array [1, 2], its writer closed. */
function holding12(): MemoryFile {
  const m = new MemoryFile();
  const w = NpyAppendArraySync.open(m, { dtype: "<i4" });
  w.append([1, 2]);
  w.close();
  return m;
}

/** Unhandled rejections seen while `work` runs (and a moment after). */
async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onNode = (e: unknown) => seen.push(e);
  const g = globalThis as unknown as {
    process?: {
      on(n: string, f: unknown): void;
      off(n: string, f: unknown): void;
    };
  };
  g.process?.on("unhandledRejection", onNode);
  try {
    await work();
    await new Promise((r) => setTimeout(r, 30));
  } finally {
    g.process?.off("unhandledRejection", onNode);
  }
  return seen;
}

const toldPromise = (method: string) => (e: unknown) => {
  assert.ok(e instanceof TypeError, String(e));
  assert.ok(e.message.startsWith("Cannot use the file object: "), e.message);
  assert.ok(
    e.message.includes(`its ${method}() returned a Promise`),
    e.message,
  );
  assert.ok(e.message.includes(`make ${method} synchronous`), e.message);
  return true;
};

describe("a FileLikeSync method that returns a Promise", () => {
  for (const method of ["writeSync", "syncSync"]) {
    test(`${method}: refused, the append undone, no unhandled rejection`, async () => {
      const m = holding12();
      const before = m.bytes().slice();
      const seen = await unhandledDuring(() => {
        const file = over(m, {
          [method]: async () => {
            await null;
            throw new Error(`${method} failed later`);
          },
        });
        const w = NpyAppendArraySync.open(file, { fsync: true });
        assert.throws(() => w.append([3, 4]), toldPromise(method));
        w.close();
        return Promise.resolve();
      });
      assert.deepEqual(seen, []);
      // The acknowledged rows only: the failed append left nothing.
      assert.deepEqual(m.bytes(), before);
      assert.deepEqual([...readNpySync(m).data as Int32Array], [1, 2]);
    });
  }

  test("truncateSync (the undo of a failed write): the writer says recover, which keeps the rows", async () => {
    const m = holding12();
    let writes = 0;
    const seen = await unhandledDuring(() => {
      const file = over(m, {
        writeSync: (b: Uint8Array, p: number) => {
          m.writeSync(b, p);
          if (++writes === 1) throw new Error("EIO after writing");
        },
        truncateSync: async (n: number) => {
          m.truncateSync(n);
          await null;
          throw new Error("truncate failed later");
        },
      });
      const w = NpyAppendArraySync.open(file);
      assert.throws(() => w.append([3, 4]), /EIO after writing/);
      assert.throws(() => w.append([5]), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(
          e.message,
          /could not be undone; close the writer, then call recover/,
        );
        assert.ok(
          e.message.includes("its truncateSync() returned a Promise"),
          e.message,
        );
        return true;
      });
      w.close();
      return Promise.resolve();
    });
    assert.deepEqual(seen, []);
    recoverSync(m);
    assert.deepEqual([...readNpySync(m).data as Int32Array], [1, 2]);
  });

  for (const method of ["readSync", "sizeSync"]) {
    test(`${method}: refused by writers and readers, no byte changed`, () => {
      const m = holding12();
      const before = m.bytes().slice();
      const file = over(m, {
        [method]: (...a: unknown[]) =>
          Promise.resolve(
            method === "readSync"
              ? m.readSync(a[0] as Uint8Array, a[1] as number)
              : m.sizeSync(),
          ),
      });
      assert.throws(() => NpyAppendArraySync.open(file), toldPromise(method));
      assert.throws(() => NpyReader.openSync(file), toldPromise(method));
      assert.throws(() => recoverSync(file), toldPromise(method));
      assert.deepEqual(m.bytes(), before);
    });
  }

  test("the async writer over such an object: refused the same", async () => {
    const m = holding12();
    const before = m.bytes().slice();
    const file = over(m, { writeSync: () => Promise.resolve() });
    const w = await NpyAppendArray.open(file);
    await assert.rejects(w.append([3]), toldPromise("writeSync"));
    await w.close();
    assert.deepEqual(m.bytes(), before);
  });
});

/** Writes of at most `most` bytes a call, answering the count. */
function shortSync(m: MemoryFile, most: number): FileLikeSync {
  return over(m, {
    writeSync: (b: Uint8Array, p: number) => {
      const n = Math.min(most, b.length);
      m.writeSync(b.subarray(0, n), p);
      return n;
    },
  });
}

describe("a write that answers a count of fewer bytes", () => {
  const rows = [[1.5, -2], [3, 4e10], [5, 6]];
  /** What a plain MemoryFile gets for the same calls. */
  const wanted = (() => {
    const m = new MemoryFile();
    const w = NpyAppendArraySync.open(m, { dtype: "<f8" });
    for (const r of rows) w.append([r]);
    w.close();
    return m.bytes().slice();
  })();

  for (const most of [1, 7, 100]) {
    test(`sync, at most ${most} bytes a call: the rest is written`, () => {
      const m = new MemoryFile();
      const w = NpyAppendArraySync.open(shortSync(m, most), { dtype: "<f8" });
      for (const r of rows) w.append([r]);
      w.updateHeader();
      w.close();
      assert.deepEqual(m.bytes(), wanted);
    });
    test(`async FileLike, at most ${most} bytes a call (a number, and { bytesWritten })`, async () => {
      for (const shape of ["number", "object"]) {
        const m = new MemoryFile();
        const file = overAsync(m, {
          write: (b: Uint8Array, p: number) => {
            const n = Math.min(most, b.length);
            m.writeSync(b.subarray(0, n), p);
            return Promise.resolve(
              shape === "number" ? n : { bytesWritten: n, buffer: b },
            );
          },
        });
        const w = await NpyAppendArray.open(file, { dtype: "<f8" });
        await Promise.all(rows.map((r) => w.append([r])));
        await w.close();
        assert.deepEqual(m.bytes(), wanted);
      }
    });
  }

  test("the bytes load in NumPy", hasNumpyOr(), () => {
    const m = new MemoryFile();
    const w = NpyAppendArraySync.open(shortSync(m, 3), { dtype: "<f8" });
    for (const r of rows) w.append([r]);
    w.close();
    const dir = mkdtempSync(join(tmpdir(), "npy-h7-short-"));
    try {
      const path = join(dir, "a.npy");
      writeFileSync(path, m.bytes());
      const out = runPython(
        `import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype.str, a.shape, a.tolist())`,
        [path],
      );
      assert.equal(
        out.trim(),
        "<f8 (3, 2) [[1.5, -2.0], [3.0, 40000000000.0], [5.0, 6.0]]",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a count of 0: EIO naming the file object, no loop, the append undone", async () => {
    const m = holding12();
    const before = m.bytes().slice();
    const told = (e: unknown) => {
      assert.ok(e instanceof Error, String(e));
      assert.equal((e as { code?: unknown }).code, "EIO");
      assert.match(
        e.message,
        /^Cannot write the file object: EIO: its write\(\) wrote none of the \d+ bytes at byte \d+ \(it returned 0\); check its storage/,
      );
      return true;
    };
    const w = NpyAppendArraySync.open(over(m, { writeSync: () => 0 }));
    assert.throws(() => w.append([3]), told);
    w.close();
    assert.deepEqual(m.bytes(), before);
    const a = await NpyAppendArray.open(
      overAsync(m, { write: () => Promise.resolve(0) }),
    );
    await assert.rejects(a.append([3]), told);
    await a.close();
    assert.deepEqual(m.bytes(), before);
  });

  for (const answer of [-1, 1.5, NaN, 10_000, "4", true, null, 4n]) {
    const name = typeof answer === "bigint"
      ? "4n"
      : typeof answer === "string"
      ? JSON.stringify(answer)
      : String(answer);
    test(`an answer that is no count (${name}): TypeError, the append undone`, async () => {
      const m = holding12();
      const before = m.bytes().slice();
      const told = (e: unknown) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match(
          e.message,
          /^Cannot use the file object: its write\(\) returned .* for \d+ bytes given; write all the bytes and return nothing/,
        );
        return true;
      };
      const file = over(m, {
        writeSync: (b: Uint8Array, p: number) => {
          m.writeSync(b, p);
          return answer;
        },
      });
      const w = NpyAppendArraySync.open(file);
      assert.throws(() => w.append([3]), told);
      w.close();
      assert.deepEqual(m.bytes(), before);
      const a = await NpyAppendArray.open(
        overAsync(m, {
          write: (b: Uint8Array, p: number) => {
            m.writeSync(b, p);
            return Promise.resolve(answer);
          },
        }),
      );
      await assert.rejects(a.append([3]), told);
      await a.close();
      assert.deepEqual(m.bytes(), before);
    });
  }
});

function hasNumpyOr(): { skip?: string } {
  return hasNumpy() ? {} : { skip: "no NumPy at /usr/bin/python3" };
}

const toldHeld = (verb: string) => (e: unknown) => {
  assert.ok(e instanceof NpyLockedError, String(e));
  assert.equal(
    e.message,
    `Cannot ${verb} the file object: this process holds it (another writer or maintenance call on this same object: two writers on one object overwrite each other's rows); close that first, or append through it`,
  );
  return true;
};

describe("one file object, two writers of one process", () => {
  test("sync: the second refused, the first's rows all kept; free after close", () => {
    const m = new MemoryFile();
    const a = NpyAppendArraySync.open(m, { dtype: "<i4" });
    a.append([1]);
    assert.throws(() => NpyAppendArraySync.open(m), toldHeld("open"));
    assert.throws(() => recoverSync(m), toldHeld("recover"));
    // Readers share it.
    assert.deepEqual([...readNpySync(m).data as Int32Array], [1]);
    a.append([3]);
    a.close();
    const b = NpyAppendArraySync.open(m);
    b.append([4]);
    b.close();
    assert.deepEqual([...readNpySync(m).data as Int32Array], [1, 3, 4]);
  });

  test("async FileLike: the same; free after close and after a failed open", async () => {
    const m = new MemoryFile();
    const file = overAsync(m, {});
    const a = await NpyAppendArray.open(file, { dtype: "<i4" });
    await a.append([1]);
    await assert.rejects(NpyAppendArray.open(file), toldHeld("open"));
    await assert.rejects(recover(file), toldHeld("recover"));
    await a.close();
    // An open that fails (a dtype that is not the file's) holds nothing.
    await assert.rejects(NpyAppendArray.open(file, { dtype: "<f8" }));
    await recover(file);
    const b = await NpyAppendArray.open(file);
    await b.append([2]);
    await b.close();
    assert.deepEqual([...readNpySync(m).data as Int32Array], [1, 2]);
  });

  test("a sync writer's failed open and a closed writer hold nothing", () => {
    const m = holding12();
    assert.throws(() => NpyAppendArraySync.open(m, { dtype: "<f8" }));
    const w = NpyAppendArraySync.open(m);
    w.close();
    recoverSync(m);
    NpyAppendArraySync.open(m).close();
  });
});

describe("two adapters over one handle are one file object", () => {
  test("OpfsFile: a second adapter over the held access handle is refused", () => {
    const m = new MemoryFile();
    const handle = {
      read: (b: Uint8Array, o?: { at?: number }) => m.readSync(b, o?.at ?? 0),
      write: (b: Uint8Array, o?: { at?: number }) => {
        m.writeSync(b, o?.at ?? 0);
        return b.length;
      },
      getSize: () => m.sizeSync(),
      truncate: (n: number) => m.truncateSync(n),
      flush: () => {},
      close: () => {},
    };
    const a = NpyAppendArraySync.open(new OpfsFile(handle), { dtype: "<i4" });
    a.append([1]);
    assert.throws(
      () => NpyAppendArraySync.open(new OpfsFile(handle)),
      toldHeld("open"),
    );
    a.append([2]);
    a.close();
    const b = NpyAppendArraySync.open(new OpfsFile(handle));
    b.append([3]);
    b.close();
    assert.deepEqual([...readNpySync(m).data as Int32Array], [1, 2, 3]);
  });

  test("NodeFile: a second adapter over the held descriptor is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "npy-h7-fd-"));
    const fd = openSync(join(dir, "a.npy"), "w+");
    try {
      const a = NpyAppendArraySync.open(new NodeFile(fd), { dtype: "<i4" });
      a.append([1]);
      assert.throws(
        () => NpyAppendArraySync.open(new NodeFile(fd)),
        toldHeld("open"),
      );
      a.close();
      const b = NpyAppendArraySync.open(new NodeFile(fd));
      b.append([2]);
      b.close();
      assert.deepEqual(
        [...readNpySync(new NodeFile(fd)).data as Int32Array],
        [1, 2],
      );
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
