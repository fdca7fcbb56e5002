/**
 * The writer options of SPEC section 3, one by one.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  MemoryFile,
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
  NpyFormatError,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function npyFile(values: number[]): MemoryFile {
  const f = new MemoryFile();
  const w0 = NpyAppendArraySync.open(f, { dtype: "<f8" });
  w0.append(values);
  w0.close();
  return f;
}

describe("open", () => {
  test("a missing path creates nothing until the first append", () => {
    const path = join(tempDir(), "new.npy");
    const npy = NpyAppendArraySync.open(path);
    assert.equal(existsSync(path), false);
    assert.deepEqual(npy.shape, []);
    assert.equal(npy.dtype, "");
    npy.append([1, 2]);
    assert.equal(existsSync(path), true);
    npy.close();
  });

  test("bad input on the first append creates no file", () => {
    const path = join(tempDir(), "new.npy");
    const npy = NpyAppendArraySync.open(path, { dtype: "u1" });
    assert.throws(() => npy.append([300]), RangeError);
    assert.equal(existsSync(path), false);
    npy.close();
    assert.equal(existsSync(path), false);
  });

  test("closing a writer that never appended creates no file", async () => {
    const path = join(tempDir(), "new.npy");
    const npy = await NpyAppendArray.open(path);
    await npy.close();
    assert.equal(existsSync(path), false);
  });

  test("an existing file is appended to", () => {
    const f = npyFile([1, 2]);
    const npy = NpyAppendArraySync.open(f);
    assert.deepEqual(npy.shape, [2]);
    assert.equal(npy.dtype, "<f8");
    npy.append([3]);
    assert.deepEqual([...readNpySync(f).data as Float64Array], [1, 2, 3]);
  });

  test("an invalid existing file is an NpyFormatError and stays as it was", () => {
    const path = join(tempDir(), "bad.npy");
    writeFileSync(path, "hello, world");
    assert.throws(() => NpyAppendArraySync.open(path), NpyFormatError);
    assert.equal(readFileSync(path, "latin1"), "hello, world");
  });

  test("a target of the wrong kind is a TypeError", async () => {
    assert.throws(() => NpyAppendArraySync.open(42 as never), TypeError);
    await assert.rejects(NpyAppendArray.open({} as never), TypeError);
  });
});

describe("deleteIfExists", () => {
  test("on a path, starts a new file", () => {
    const path = join(tempDir(), "a.npy");
    writeFileSync(path, "old junk that is not a npy file at all");
    {
      using npy = NpyAppendArraySync.open(path, { deleteIfExists: true });
      npy.append(new Int32Array([7]));
    }
    const { data, dtype } = readNpySync(path);
    assert.equal(dtype, "<i4");
    assert.deepEqual([...data as Int32Array], [7]);
  });

  test("on a file object, replaces its contents and cuts what is left", () => {
    const f = npyFile(Array.from({ length: 100 }, (_, i) => i));
    const npy = NpyAppendArraySync.open(f, { deleteIfExists: true });
    npy.append(new Uint8Array([1, 2]));
    npy.close();
    assert.equal(f.bytes().length, 128 + 2);
    assert.deepEqual([...readNpySync(f).data as Uint8Array], [1, 2]);
  });
});

describe("rewriteHeaderOnAppend", () => {
  test("true: the header on disk matches the data after every append", () => {
    const f = new MemoryFile();
    const npy = NpyAppendArraySync.open(f);
    for (let i = 1; i <= 12; i++) {
      npy.append([[i, i]]);
      assert.deepEqual(parseHeader(f.bytes()).shape, [i, 2]);
    }
  });

  test("false: the header is written by updateHeader and close only", async () => {
    const f = new MemoryFile();
    const npy = await NpyAppendArray.open(f, { rewriteHeaderOnAppend: false });
    await npy.append([[1, 2]]);
    await npy.append([[3, 4]]);
    assert.deepEqual(parseHeader(f.bytes()).shape, [1, 2]);
    await npy.updateHeader();
    assert.deepEqual(parseHeader(f.bytes()).shape, [2, 2]);
    await npy.append([[5, 6]]);
    await npy.close();
    assert.deepEqual(parseHeader(f.bytes()).shape, [3, 2]);
  });
});

describe("dtype", () => {
  test("sets a new file's dtype", () => {
    const f = new MemoryFile();
    NpyAppendArraySync.open(f, { dtype: "float32" }).append([1, 2]);
    assert.equal(readNpySync(f).dtype, "<f4");
  });

  test("must match an existing file", () => {
    const f = npyFile([1]);
    const before = f.bytes();
    assert.throws(
      () => NpyAppendArraySync.open(f, { dtype: "<f4" }),
      (e: Error) =>
        e instanceof TypeError &&
        /dtype "<f4" does not match file dtype "<f8"/.test(e.message),
    );
    assert.deepEqual(f.bytes(), before);
    NpyAppendArraySync.open(f, { dtype: "float64" }).append([2]);
  });
});

describe("fortranOrder", () => {
  test("a new Fortran file grows along its last axis", () => {
    const f = new MemoryFile();
    const npy = NpyAppendArraySync.open(f, { fortranOrder: true, dtype: "u1" });
    npy.append([[1], [2]]);
    npy.append([[3, 4], [5, 6]]);
    assert.deepEqual(npy.shape, [2, 3]);
    assert.equal(npy.fortranOrder, true);
    assert.throws(() => npy.append([[1, 2, 3]]), /axis 1/);
    const r = readNpySync(f);
    assert.equal(r.fortranOrder, true);
    assert.deepEqual([...r.data as Uint8Array], [1, 2, 3, 5, 4, 6]);
  });

  test("must match an existing file whose shape reads differently in the two orders", () => {
    const f = new MemoryFile();
    const w0 = NpyAppendArraySync.open(f, { dtype: "<f8" });
    w0.append([[1, 2], [3, 4]]);
    w0.close();
    const before = f.bytes();
    assert.throws(
      () => NpyAppendArraySync.open(f, { fortranOrder: true }),
      (e: Error) =>
        e instanceof TypeError &&
        /fortranOrder true does not match the file \(false\)/.test(e.message),
    );
    assert.deepEqual(f.bytes(), before);
    // A 1-d file grows along axis 0 in either order (stop 24); a (1, 2)
    // one grows along the axis asked for.
    const g = npyFile([1]);
    const w = NpyAppendArraySync.open(g, { fortranOrder: true });
    w.append([2]);
    assert.deepEqual(readNpySync(g).data, new Float64Array([1, 2]));
    const h = new MemoryFile();
    const w1 = NpyAppendArraySync.open(h, { dtype: "<f8" });
    w1.append([[1, 2]]);
    w1.close();
    const c = NpyAppendArraySync.open(h, { fortranOrder: true });
    c.append([[3]]);
    assert.deepEqual(readNpySync(h).shape, [1, 3]);
  });
});

describe("casting", () => {
  test("same_kind is the default: float64 into float32 works, into uint8 does not", () => {
    const npy = NpyAppendArraySync.open(new MemoryFile(), { dtype: "<f4" });
    npy.append(new Float64Array([1.5]));
    const g = NpyAppendArraySync.open(new MemoryFile(), { dtype: "u1" });
    assert.throws(
      () => g.append(new Float64Array([1])),
      /cannot cast array data from "<f8" to "\|u1" according to the rule "same_kind"/,
    );
  });

  test("no and equiv refuse other types; equiv allows another byte order", () => {
    const a = NpyAppendArraySync.open(new MemoryFile(), {
      dtype: ">i4",
      casting: "no",
    });
    assert.throws(() => a.append(new Int32Array([1])), TypeError);
    const b = NpyAppendArraySync.open(new MemoryFile(), {
      dtype: ">i4",
      casting: "equiv",
    });
    b.append(new Int32Array([1]));
    assert.throws(() => b.append(new Int16Array([1])), TypeError);
  });

  test("safe refuses float64 into float32", () => {
    const npy = NpyAppendArraySync.open(new MemoryFile(), {
      dtype: "<f4",
      casting: "safe",
    });
    assert.throws(() => npy.append(new Float64Array([1])), TypeError);
    npy.append(new Int16Array([1]));
  });

  test("unsafe converts what the others refuse", () => {
    const f = new MemoryFile();
    const npy = NpyAppendArraySync.open(f, { dtype: "u1", casting: "unsafe" });
    npy.append([3.7, -1, 256, NaN]);
    assert.deepEqual([...readNpySync(f).data as Uint8Array], [3, 255, 0, 0]);
  });

  test("an unknown mode is a TypeError listing the modes", () => {
    assert.throws(
      () =>
        NpyAppendArraySync.open(new MemoryFile(), {
          casting: "sometimes" as never,
        }),
      /Invalid casting "sometimes": use one of "no", "equiv", "safe", "same_kind", "unsafe"/,
    );
  });
});

describe("fsync", () => {
  test("syncs data before the header that covers it, and the header after", () => {
    const ops: string[] = [];
    const mem = new MemoryFile();
    const file = {
      readSync: (b: Uint8Array, p: number) => mem.readSync(b, p),
      writeSync: (b: Uint8Array, p: number) => {
        ops.push(p === 0 ? "header" : "data");
        mem.writeSync(b, p);
      },
      sizeSync: () => mem.sizeSync(),
      truncateSync: (n: number) => mem.truncateSync(n),
      syncSync: () => {
        ops.push("sync");
      },
    };
    const npy = NpyAppendArraySync.open(file, { fsync: true });
    npy.append([1]);
    ops.length = 0;
    npy.append([2]);
    assert.deepEqual(ops, ["data", "sync", "header", "sync"]);
  });
});

describe("maxHeaderSize", () => {
  test("caps the header an existing file may have", () => {
    const names = Array.from(
      { length: 600 },
      (_, i) => `('field_${i}', '<u1')`,
    );
    const dtype = `[${names.join(", ")}]`;
    const f = new MemoryFile(
      encodeHeader({ dtype, fortranOrder: false, shape: [0] }),
    );
    assert.throws(() => NpyAppendArraySync.open(f), /maxHeaderSize/);
    const npy = NpyAppendArraySync.open(f, { maxHeaderSize: 100_000 });
    assert.deepEqual(npy.shape, [0]);
  });
});

describe("option types", () => {
  const BOOLEANS = [
    "deleteIfExists",
    "rewriteHeaderOnAppend",
    "fortranOrder",
    "fsync",
  ] as const;
  for (const name of BOOLEANS) {
    for (const [bad, shown] of [["yes", '"yes"'], [1, "1"], [null, "null"]]) {
      test(`${name}: ${shown} is a TypeError naming the option and file`, async () => {
        const options = { [name]: bad } as NpyAppendArrayOptions;
        const message =
          `Cannot open the file object: ${name} must be a boolean, not ${shown}`;
        const file = npyFile([1, 2]);
        const before = file.bytes();
        assert.throws(() => NpyAppendArraySync.open(file, options), {
          name: "TypeError",
          message,
        });
        await assert.rejects(NpyAppendArray.open(file, options), {
          name: "TypeError",
          message,
        });
        assert.deepEqual(file.bytes(), before);
      });
    }
  }

  test("on a path the message names the path, and nothing is deleted", () => {
    const dir = tempDir();
    const p = join(dir, "kept.npy");
    const first = NpyAppendArraySync.open(p);
    first.append([1, 2]);
    first.close();
    const before = readFileSync(p);
    assert.throws(
      () =>
        NpyAppendArraySync.open(p, {
          deleteIfExists: "true" as unknown as boolean,
        }),
      {
        name: "TypeError",
        message: `Cannot open ${
          JSON.stringify(p)
        }: deleteIfExists must be a boolean, not "true"`,
      },
    );
    assert.deepEqual(readFileSync(p), before);
  });

  for (const bad of [0, -5, 1.5, NaN, "100"]) {
    test(`maxHeaderSize ${String(bad)} is a RangeError`, () => {
      assert.throws(
        () =>
          NpyAppendArraySync.open(new MemoryFile(), {
            maxHeaderSize: bad as number,
          }),
        {
          name: "RangeError",
          message:
            `Cannot open the file object: maxHeaderSize must be a positive integer, not ${
              typeof bad === "string" ? `"${bad}"` : String(bad)
            }`,
        },
      );
    });
  }
});

describe("close", () => {
  test("twice is harmless; append after close throws", async () => {
    const npy = await NpyAppendArray.open(new MemoryFile());
    await npy.append([1]);
    await npy.close();
    await npy.close();
    await assert.rejects(npy.append([1]), /closed/);
  });

  test("waits for pending appends on an async-only file", async () => {
    const mem = new MemoryFile();
    const slow = {
      read: (b: Uint8Array, p: number) => mem.read(b, p),
      write: async (b: Uint8Array, p: number) => {
        await new Promise((r) => setTimeout(r, 1));
        await mem.write(b, p);
      },
      size: () => mem.size(),
      truncate: (n: number) => mem.truncate(n),
    };
    const npy = await NpyAppendArray.open(slow, {
      rewriteHeaderOnAppend: false,
    });
    for (let i = 0; i < 20; i++) void npy.append([i]);
    await npy.close();
    assert.deepEqual(
      [...readNpySync(mem).data as Float64Array],
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});
