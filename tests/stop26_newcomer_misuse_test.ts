/**
 * Stop 26 (h7), a newcomer on every runtime: misuses the README makes
 * plausible, each a typed error naming the fix, with no row lost.
 *
 * - `using` (not `await using`) on an async writer (`NpyAppendArray`,
 *   `NpyStackWriter`, `NpyGroupWriter`: they close with a promise) failed
 *   with the runtime's `Symbol(Symbol.dispose) is not a function` and left
 *   the writer open: its path held by this process until it ended, with no
 *   name left to close it by (a reopen said "this process holds it").
 * - `dtype: Float32Array` (the class, as NumPy takes `np.float32`) was
 *   refused showing the class's source (`function Float32Array() {
 *   [native code] }`) and "not a dtype", no fix; a number likewise.
 * - `{ data: [[1, 2], [3, 4]], shape: [2, 2] }` (nested data; the README
 *   says flat) said "Cannot infer a dtype ...: found an array of 2; pass
 *   the dtype option" (which does not help) or, with a dtype, "data has 2
 *   elements, shape (2, 2) needs 4".
 * - `new NpyAppendArray("x.npy")`, as the Python package spells it
 *   (`NpyAppendArray(filename)`): the constructors are private to
 *   TypeScript only, and JavaScript made an object holding the path where
 *   the writer's state goes; its calls failed with the runtime's words
 *   (`this[#sync].close is not a function`). Every class with an `open`.
 * - A `file:` URL given as text (`import.meta.resolve("./x.npy")` returns
 *   text) was taken as a relative path: "its folder
 *   \"/cwd/file:///tmp\" does not exist", or a file made under a folder
 *   named `file:` when one existed.
 * - `readNpy(await fetch(url))`: a fetch `Response` was refused with no
 *   fix (a `Blob` already had one).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpy,
  readNpyStack,
  readNpySync,
  recover,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function refusedUsing(asyncName: string, syncName: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.match(
      e.message,
      new RegExp(
        `^Cannot use "using" on a ${asyncName} writer: .*"await using x = await ${asyncName}\\.open\\(\\.\\.\\.\\)", or use ${syncName} with "using"`,
      ),
    );
    return true;
  };
}

test("using on NpyAppendArray: at the block's end closed, then a TypeError naming await using", async () => {
  const path = join(tempDir(), "u.npy");
  await assert.rejects(async () => {
    using w = await NpyAppendArray.open(path, {
      dtype: "<i4",
    }) as unknown as NpyAppendArray & Disposable;
    await w.append([1, 2]);
    await w.append([3]);
  }, refusedUsing("NpyAppendArray", "NpyAppendArraySync"));
  // Closed and released: this process opens it again, every row kept.
  await using again = await NpyAppendArray.open(path);
  await again.append([4]);
  assert.deepEqual([...(await readNpy(path)).data as Int32Array], [1, 2, 3, 4]);
});

test("using on NpyAppendArray over file objects: closed, released, rows kept", async () => {
  const file = new MemoryFile();
  await assert.rejects(async () => {
    using w = await NpyAppendArray.open(file) as unknown as
      & NpyAppendArray
      & Disposable;
    await w.append([5]);
  }, refusedUsing("NpyAppendArray", "NpyAppendArraySync"));
  const again = await NpyAppendArray.open(file);
  await again.append([6]);
  await again.close();
  assert.deepEqual([...(await readNpy(file)).data as Float64Array], [5, 6]);

  // An async-only file object: its close starts at the block's end.
  const mem = new MemoryFile();
  const asyncOnly = {
    read: (b: Uint8Array, p: number) => Promise.resolve(mem.readSync(b, p)),
    write: (b: Uint8Array, p: number) => Promise.resolve(mem.writeSync(b, p)),
    size: () => Promise.resolve(mem.sizeSync()),
  };
  let held: NpyAppendArray | undefined;
  await assert.rejects(async () => {
    using w = await NpyAppendArray.open(asyncOnly) as unknown as
      & NpyAppendArray
      & Disposable;
    held = w;
    await w.append([7, 8]);
  }, refusedUsing("NpyAppendArray", "NpyAppendArraySync"));
  await held!.close(); // the close it started, awaited
  assert.equal(held!.closed, true);
  assert.deepEqual([...(await readNpy(mem)).data as Float64Array], [7, 8]);
});

test("using on NpyStackWriter and NpyGroupWriter: closed, released, rows kept", async () => {
  const dir = tempDir();
  const stack = join(dir, "stack");
  await assert.rejects(async () => {
    using w = await NpyStackWriter.open(stack, {
      dtype: "<i2",
    }) as unknown as NpyStackWriter & Disposable;
    await w.append([1, 2, 3]);
  }, refusedUsing("NpyStackWriter", "NpyStackWriterSync"));
  await (await NpyStackWriter.open(stack)).close();
  assert.deepEqual([...(await readNpyStack(stack)).data as Int16Array], [
    1,
    2,
    3,
  ]);

  const group = join(dir, "group");
  await assert.rejects(async () => {
    using w = await NpyGroupWriter.open(group, {
      members: { a: "<i4" },
    }) as unknown as NpyGroupWriter & Disposable;
    await w.append({ a: [7] });
  }, refusedUsing("NpyGroupWriter", "NpyGroupWriterSync"));
  const g = await NpyGroupWriter.open(group);
  await g.append({ a: [8] });
  await g.close();
  assert.equal(g.length, 2);
});

test("inspecting an async writer does not close it", async () => {
  const { inspect } = await import("node:util");
  const w = await NpyAppendArray.open(new MemoryFile());
  inspect(w, { getters: true, showHidden: true });
  assert.equal(typeof (w as unknown as Disposable)[Symbol.dispose], "function");
  assert.equal(w.closed, false);
  await w.append([1]);
  await w.close();
});

test("await using on the async writers still closes them", async () => {
  const dir = tempDir();
  const path = join(dir, "a.npy");
  {
    await using w = await NpyAppendArray.open(path);
    await w.append([1]);
  }
  {
    await using s = await NpyStackWriter.open(join(dir, "s"));
    await s.append([1]);
  }
  {
    await using g = await NpyGroupWriter.open(join(dir, "g"), {
      members: { a: "<i4" },
    });
    await g.append({ a: [1] });
  }
  await (await NpyAppendArray.open(path)).close();
});

test("dtype: a typed array class or a number names the fix; no file made", async () => {
  const dir = tempDir();
  const path = join(dir, "d.npy");
  await assert.rejects(
    NpyAppendArray.open(path, { dtype: Float32Array as never }),
    (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.ok(e.message.includes(JSON.stringify(path)), e.message);
      assert.match(
        e.message,
        /Cannot use dtype "Float32Array": a typed array class is not a dtype: pass a type string such as "<f4" or "float32" \(Float32Array's items are "<f4"\), or leave dtype out and append a Float32Array/,
      );
      assert.ok(!e.message.includes("native code"), e.message);
      return true;
    },
  );
  await assert.rejects(
    NpyStackWriter.open(join(dir, "s"), { dtype: BigInt64Array as never }),
    /Cannot use dtype "BigInt64Array": a typed array class is not a dtype: .*append a BigInt64Array/,
  );
  await assert.rejects(
    NpyAppendArray.open(path, { dtype: 5 as never }),
    /Cannot use dtype "5": not a dtype: pass a type string such as "<f4" or "float32", or a list of fields/,
  );
  await assert.rejects(
    NpyAppendArray.open(path, { dtype: (() => "<f4") as never }),
    /not a dtype: pass a type string/,
  );
  assert.equal(existsSync(path), false);
});

test("{ data } holding nested arrays names the fix; nothing written", () => {
  const fix =
    /data holds nested arrays: give it flat \(data\.flat\(Infinity\)\), or append the nested array itself/;
  const dir = tempDir();
  const path = join(dir, "n.npy");
  const w = NpyAppendArraySync.open(path);
  assert.throws(
    () => w.append({ data: [[1, 2], [3, 4]], shape: [2, 2] } as never),
    (e: unknown) =>
      e instanceof TypeError && fix.test(e.message) &&
      e.message.includes(JSON.stringify(path)) &&
      !e.message.includes("pass the dtype option"),
  );
  w.append([[1, 2], [3, 4]]); // as the fix says
  w.close();
  const typed = NpyAppendArraySync.open(path);
  assert.throws(
    () => typed.append({ data: [[5, 6]], shape: [1, 2] } as never),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes("data has 1 elements, shape (1, 2) needs 2; ") &&
      fix.test(e.message),
  );
  typed.close();
  assert.deepEqual(readNpySync(path).shape, [2, 2]);
  const g = NpyGroupWriterSync.open(join(dir, "g"), { members: { a: "<f4" } });
  assert.throws(
    () => g.append({ a: { data: [[1, 2]], shape: [1, 2] } } as never),
    fix,
  );
  g.close();
  assert.equal(g.length, 0);
});

test("new instead of open: a TypeError naming the open call; no file made", () => {
  const dir = tempDir();
  const path = join(dir, "x.npy");
  const classes: [unknown, string][] = [
    [NpyAppendArray, "await NpyAppendArray.open(target, options)"],
    [NpyAppendArraySync, "NpyAppendArraySync.open(target, options)"],
    [NpyReader, "await NpyReader.open(target, options)"],
    [NpyStackWriter, "await NpyStackWriter.open(dir, options)"],
    [NpyStackWriterSync, "NpyStackWriterSync.open(dir, options)"],
    [NpyGroupWriter, "await NpyGroupWriter.open(dir, options)"],
    [NpyGroupWriterSync, "NpyGroupWriterSync.open(dir, options)"],
    [NpyStackReader, "await NpyStackReader.open(dir)"],
    [NpyGroupReader, "await NpyGroupReader.open(dir, options)"],
  ];
  for (const [cls, open] of classes) {
    const name = (cls as { name: string }).name;
    const Ctor = cls as new (...args: unknown[]) => unknown;
    for (const args of [[path], [path, { deleteIfExists: true }], []]) {
      assert.throws(
        () => new Ctor(...args),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message ===
            `Cannot make a ${name} with "new": open one with "${open}"`,
        `${name}(${JSON.stringify(args)})`,
      );
    }
  }
  assert.deepEqual(readdirSync(dir), []);
});

test("a file: URL as text names the fix (new URL); a URL object works", async () => {
  const dir = tempDir();
  const path = join(dir, "u.npy");
  const text = new URL(`file://${path}`).href;
  const want = (e: unknown): boolean =>
    e instanceof TypeError &&
    e.message.includes(
      `${
        JSON.stringify(text)
      }: a file: URL given as text would be read as a relative path; pass new URL(${
        JSON.stringify(text)
      }) or the file's path`,
    );
  await assert.rejects(NpyAppendArray.open(text), want);
  assert.throws(() => NpyAppendArraySync.open(text), want);
  await assert.rejects(readNpy(text), want);
  await assert.rejects(NpyReader.open(text), want);
  await assert.rejects(recover(text), want);
  await assert.rejects(NpyStackWriter.open(text), want);
  await assert.rejects(NpyStackReader.open(text), want);
  assert.throws(
    () => NpyGroupWriterSync.open(text, { members: { a: "<i4" } }),
    want,
  );
  await assert.rejects(NpyGroupReader.open(text), want);
  assert.deepEqual(readdirSync(dir), []);
  const w = await NpyAppendArray.open(new URL(text));
  await w.append([1]);
  await w.close();
  assert.deepEqual(readNpySync(path).shape, [1]);
});

test("a fetch Response as a target names the fix (MemoryFile of its bytes)", async () => {
  const fix =
    "; for a fetch Response, pass new MemoryFile(new Uint8Array(await response.arrayBuffer()))";
  await assert.rejects(
    readNpy(new Response(new Uint8Array(8)) as never),
    (e: unknown) => e instanceof TypeError && e.message.endsWith(fix),
  );
  assert.throws(
    () => NpyAppendArraySync.open(new Response(null) as never),
    (e: unknown) => e instanceof TypeError && e.message.endsWith(fix),
  );
  // As the fix says:
  const file = new MemoryFile();
  NpyAppendArraySync.open(file).append([1, 2]);
  const body = new Response(file.bytes().slice());
  const back = await readNpy(
    new MemoryFile(new Uint8Array(await body.arrayBuffer())),
  );
  assert.deepEqual(back.shape, [2]);
});
