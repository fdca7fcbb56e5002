import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  type FileLike,
  MemoryFile,
  NpyAppendArraySync,
  type NpyArray,
  NpyFormatError,
  NpyReader,
} from "../mod.ts";
import {
  fixtureBytes,
  fixturePath,
  type FixtureValue,
  listFixtures,
  npSaveBytes,
  npSliceHashes,
  numpyTestOptions,
  tempDir,
} from "./_numpy.ts";
import { toFixtureValues } from "./_js_json.ts";
import { scriptCommand } from "./_runtime.ts";

const BIG_HEADER = { maxHeaderSize: 1_000_000 };

/** An async-only view of a MemoryFile (no `readSync`). */
function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
  };
}

/** Python's `range(length)[start:end]` bounds. */
function pySlice(
  length: number,
  start: number,
  end: number | undefined,
): [number, number] {
  const fix = (i: number) =>
    i < 0 ? Math.max(0, length + i) : Math.min(i, length);
  const s = fix(start);
  const e = end === undefined ? length : fix(end);
  return [s, Math.max(s, e)];
}

/** Values (C order) of `a[..., s:e, ...]` along `axis`, in C order. */
function sliceValues(
  values: readonly FixtureValue[],
  shape: readonly number[],
  axis: number,
  s: number,
  e: number,
): FixtureValue[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const out: FixtureValue[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = s; i < e; i++) {
      const base = (o * n + i) * inner;
      for (let k = 0; k < inner; k++) out.push(values[base + k]!);
    }
  }
  return out;
}

function concatValues(batches: NpyArray[]): FixtureValue[][] {
  return batches.map(toFixtureValues);
}

function bytesOf(data: NpyArray["data"]): Uint8Array {
  const d = data as unknown as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

describe("NpyReader on every fixture", () => {
  for (const fx of listFixtures()) {
    if (fx.object || fx.shape.length === 0) continue;
    test(fx.name, async () => {
      const axis = fx.fortran_order ? fx.shape.length - 1 : 0;
      const n = fx.shape[axis]!;
      const values = fx.values!;
      const sync = NpyReader.openSync(fixturePath(fx.name), BIG_HEADER);
      await using async = await NpyReader.open(
        asyncOnly(new MemoryFile(fixtureBytes(fx.name))),
        BIG_HEADER,
      );
      try {
        for (const reader of [sync, async]) {
          assert.equal(reader.length, n);
          assert.deepEqual(reader.shape, fx.shape);
          assert.equal(reader.dtype, fx.dtype);
          assert.equal(reader.fortranOrder, fx.fortran_order);
          const ranges: [number, number | undefined][] = [
            [0, undefined],
            [0, 1],
            [1, -1],
            [-2, undefined],
            [n, n + 5],
            [3, 1],
            [-100, 100],
          ];
          for (const [s, e] of ranges) {
            const [ps, pe] = pySlice(n, s, e);
            const got = await reader.read(s, e);
            const shape = [...fx.shape];
            shape[axis] = pe - ps;
            assert.deepEqual(got.shape, shape, `[${s}, ${e})`);
            assert.equal(got.fortranOrder, fx.fortran_order);
            assert.deepEqual(
              toFixtureValues(got),
              sliceValues(values, fx.shape, axis, ps, pe),
              `[${s}, ${e})`,
            );
          }
          // batches of one item put back together give the whole array
          const batches: NpyArray[] = [];
          for await (const b of reader.batches({ batchItems: 1 })) {
            batches.push(b);
          }
          assert.equal(batches.length, n);
          assert.deepEqual(
            concatValues(batches),
            batches.map((_, i) =>
              sliceValues(values, fx.shape, axis, i, i + 1)
            ),
          );
        }
        assert.deepEqual(
          toFixtureValues(sync.readSync(-1)),
          sliceValues(values, fx.shape, axis, Math.max(0, n - 1), n),
        );
      } finally {
        sync.closeSync();
      }
    });
  }
});

describe("NpyReader", () => {
  test("0-d files open (shape and dtype shown); only row reads refuse", async () => {
    for (const name of ["f8_le_c_0d", "i8_be_c_0d", "U5_le_c_0d"]) {
      const reader = await NpyReader.open(fixturePath(name));
      assert.deepEqual(reader.shape, []);
      assert.equal(reader.length, 0);
      await assert.rejects(reader.read(), (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /0-d array.*use readNpy/);
        return true;
      });
      await assert.rejects(reader.batches().next(), RangeError);
      await reader.close();
      using sync = NpyReader.openSync(fixturePath(name));
      assert.deepEqual(sync.shape, []);
      assert.throws(() => sync.readSync(), /0-d array.*use readNpy/);
    }
    {
      await using reader = await NpyReader.open(fixturePath("f8_le_c_0d"));
      assert.equal(reader.dtype, "<f8");
    }
    assert.throws(
      () => NpyReader.openSync(fixturePath("object_c_1d")),
      NpyFormatError,
    );
  });

  test("errors about the contents name the file", async () => {
    const dir = tempDir();
    const path = join(dir, "not.npy");
    writeFileSync(path, new TextEncoder().encode("hello, not a .npy file"));
    await assert.rejects(NpyReader.open(path), (e: unknown) => {
      assert.ok(e instanceof NpyFormatError);
      assert.match(e.message, /^Cannot read ".*not\.npy": not a \.npy file/);
      return true;
    });
    assert.throws(
      () => NpyReader.openSync(path),
      /^NpyFormatError: Cannot read .*not\.npy/,
    );
    // a file that got shorter after open
    const file = new MemoryFile();
    NpyAppendArraySync.open(file).append([1, 2, 3]);
    const reader = await NpyReader.open(file);
    file.truncateSync(file.sizeSync() - 8);
    await assert.rejects(
      reader.read(),
      /^NpyFormatError: Cannot read the file object: truncated \.npy file: expected 24 bytes of items \[0, 3\), read 16$/,
    );
    rmSync(dir, { recursive: true });
  });

  test("bounds must be integers", async () => {
    const file = new MemoryFile();
    NpyAppendArraySync.open(file).append([1, 2, 3]);
    const reader = await NpyReader.open(file);
    await assert.rejects(reader.read(0.5), TypeError);
    assert.throws(() => reader.readSync(0, NaN), TypeError);
    assert.throws(
      () => reader.batchesSync({ batchItems: 0 }).next(),
      RangeError,
    );
    await assert.rejects(NpyReader.open(file, { batchItems: -1 }), RangeError);
  });

  test("bound and batch errors name the file", async () => {
    const dir = tempDir();
    const path = join(dir, "rows.npy");
    NpyAppendArraySync.open(path).append([1, 2, 3]);
    const reader = await NpyReader.open(path);
    const named =
      (kind: typeof TypeError | typeof RangeError) => (e: unknown) => {
        assert.ok(e instanceof kind, String(e));
        assert.match((e as Error).message, /rows\.npy/);
        return true;
      };
    await assert.rejects(reader.read(0.5), named(TypeError));
    assert.throws(() => reader.readSync(0, NaN), named(TypeError));
    assert.throws(
      () => reader.readIntoSync(new Uint8Array(8), "1" as never),
      named(TypeError),
    );
    assert.throws(
      () => reader.batchesSync({ batchItems: 0 }).next(),
      named(RangeError),
    );
    await assert.rejects(
      NpyReader.open(path, { batchItems: -1 }),
      named(RangeError),
    );
    await reader.close();
    rmSync(dir, { recursive: true });
  });

  test("sync calls on an async-only file are refused", async () => {
    const file = new MemoryFile();
    NpyAppendArraySync.open(file).append([1, 2, 3]);
    assert.throws(() => NpyReader.openSync(asyncOnly(file)), TypeError);
    const reader = await NpyReader.open(asyncOnly(file));
    assert.throws(() => reader.readSync(), TypeError);
    assert.deepEqual([...(await reader.read()).data as Float64Array], [
      1,
      2,
      3,
    ]);
  });

  test("batches, for await and readable give the same items", async () => {
    const file = new MemoryFile();
    const data = new Int32Array(3 * 1000).map((_, i) => i);
    NpyAppendArraySync.open(file).append({ data, shape: [1000, 3] });
    const reader = await NpyReader.open(file, { batchItems: 64 });
    const collect = async (it: AsyncIterable<NpyArray>) => {
      const out: number[] = [];
      const sizes: number[] = [];
      for await (const b of it) {
        out.push(...b.data as Int32Array);
        sizes.push(b.shape[0]!);
      }
      return { out, sizes };
    };
    const a = await collect(reader);
    const b = await collect(reader.readable());
    const c = await collect(
      reader.batches({ batchItems: 300, start: 100, end: -100 }),
    );
    assert.deepEqual(a.out, [...data]);
    assert.deepEqual(b, a);
    assert.equal(a.sizes.length, Math.ceil(1000 / 64));
    assert.deepEqual(c.sizes, [300, 300, 200]);
    assert.deepEqual(c.out, [...data.subarray(300, 2700)]);
    const sync = [...reader.batchesSync({ batchItems: 999 })];
    assert.deepEqual(sync.map((x) => x.shape[0]), [999, 1]);
    // the default batch is about 1 MiB
    const big = new MemoryFile();
    NpyAppendArraySync.open(big).append({
      data: new Float64Array(4),
      shape: [1, 4],
    });
    assert.equal((await NpyReader.open(big)).batchItems, (1 << 20) / 32);
  });

  test("a cancelled readable stops reading", async () => {
    const file = new MemoryFile();
    NpyAppendArraySync.open(file).append(new Uint8Array(100));
    const reader = await NpyReader.open(file);
    const stream = reader.readable({ batchItems: 10 });
    const it = stream.getReader();
    assert.equal((await it.read()).value?.shape[0], 10);
    await it.cancel();
    assert.equal((await it.read()).done, true);
  });

  test("a cut-off file is refused unless allowIncomplete", async () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file);
    npy.append({ data: new Int16Array(20).map((_, i) => i), shape: [5, 4] });
    npy.close();
    const bytes = file.bytes();
    const cut = new MemoryFile(bytes.subarray(0, bytes.length - 3));
    await assert.rejects(NpyReader.open(cut), (e: unknown) => {
      assert.ok(e instanceof NpyFormatError);
      assert.match(e.message, /call recover, or pass allowIncomplete: true/);
      return true;
    });
    const reader = await NpyReader.open(cut, { allowIncomplete: true });
    assert.equal(reader.length, 4);
    assert.deepEqual(reader.shape, [4, 4]);
    assert.deepEqual(
      [...(await reader.read(3)).data as Int16Array],
      [12, 13, 14, 15],
    );
    // Fortran order: whole items along the last axis
    const f = new MemoryFile();
    const fw = NpyAppendArraySync.open(f, { fortranOrder: true, dtype: "<i2" });
    fw.append({
      data: new Int16Array(6).map((_, i) => i),
      shape: [2, 3],
      fortranOrder: true,
    });
    fw.close();
    const fb = f.bytes();
    const fr = NpyReader.openSync(
      new MemoryFile(fb.subarray(0, fb.length - 1)),
      {
        allowIncomplete: true,
      },
    );
    assert.deepEqual(fr.shape, [2, 2]);
    assert.deepEqual([...fr.readSync().data as Int16Array], [0, 1, 2, 3]);
  });

  test("extra bytes after the data: open refuses, refresh keeps to the header", async () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file);
    npy.append({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
    npy.close();
    const reader = await NpyReader.open(file);
    // an append in progress: data written, header not yet
    await file.write(new Uint8Array(16 + 5), file.bytes().length);
    assert.equal(await reader.refresh(), 2);
    await assert.rejects(NpyReader.open(file), NpyFormatError);
    const r = await NpyReader.open(file, { allowIncomplete: true });
    assert.equal(r.length, 3);
  });

  test("refresh follows a writer", async () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, { rewriteHeaderOnAppend: false });
    npy.append([[1, 2]]);
    npy.updateHeader();
    const reader = await NpyReader.open(file);
    npy.append([[3, 4], [5, 6]]);
    assert.equal(await reader.refresh(), 1, "header not rewritten yet");
    npy.updateHeader();
    assert.equal(await reader.refresh(), 3);
    assert.deepEqual(reader.shape, [3, 2]);
    assert.deepEqual([...(await reader.read(1)).data as Float64Array], [
      3,
      4,
      5,
      6,
    ]);
    npy.close();
    // a file replaced by one with another row shape is refused
    const other = new MemoryFile();
    const w1 = NpyAppendArraySync.open(other);
    w1.append([[1, 2, 3]]);
    w1.close();
    const r2 = await NpyReader.open(other);
    other.truncateSync(0);
    NpyAppendArraySync.open(other).append([[1, 2]]);
    await assert.rejects(r2.refresh(), /changed; open it again/);
  });

  test("open and refresh take the file size after the header", async () => {
    // A writer may append and rewrite the header between the reader's size
    // query and its header read: a size from before the header must not
    // make the header look larger than the data.
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file);
    npy.append([[1, 2]]);
    const reader = await NpyReader.open(file);
    const staleSize = file.sizeSync();
    npy.append([[3, 4], [5, 6]]);
    let calls = 0;
    const racing = {
      readSync: (b: Uint8Array, p: number) => file.readSync(b, p),
      writeSync: (b: Uint8Array, p: number) => file.writeSync(b, p),
      sizeSync: () => calls++ < 2 ? staleSize : file.sizeSync(),
    };
    const r2 = NpyReader.openSync(racing);
    assert.equal(r2.length, 3);
    calls = 0;
    assert.equal(r2.refreshSync(), 3);
    assert.equal(await reader.refresh(), 3);
  });

  test("close closes a file it opened, and only once", async () => {
    const dir = tempDir();
    const path = join(dir, "a.npy");
    NpyAppendArraySync.open(path).append([1, 2]);
    const fds = () =>
      existsSync("/proc/self/fd") ? readdirSync("/proc/self/fd").length : 0;
    const before = fds();
    const reader = await NpyReader.open(path);
    assert.equal(reader.length, 2);
    await reader.close();
    await reader.close();
    assert.equal(fds(), before);
    await assert.rejects(reader.read(), /the reader is closed/);
    await assert.rejects(reader.refresh(), TypeError);
    {
      using r = NpyReader.openSync(new URL(`file://${path}`));
      assert.equal(r.readSync().data.length, 2);
    }
    assert.equal(fds(), before);
    // a file object passed in is left open
    const mem = new MemoryFile();
    NpyAppendArraySync.open(mem).append([1]);
    (await NpyReader.open(mem)).closeSync();
    assert.equal(mem.sizeSync() > 0, true);
  });

  test("round trip: writer -> file -> reader -> writer gives the same bytes", async () => {
    const cases: {
      dtype: string;
      fortranOrder?: boolean;
      chunks: unknown[];
    }[] = [
      { dtype: "<f8", chunks: [[[1, 2, 3]], [[4, 5, 6], [7, 8, 9]]] },
      {
        dtype: ">i4",
        fortranOrder: true,
        chunks: [
          { data: [1, 2, 3, 4, 5, 6], shape: [2, 3], fortranOrder: true },
          { data: [7, 8], shape: [2, 1] },
        ],
      },
      { dtype: "<U3", chunks: [["a", "bé"], ["名😀", ""]] },
      { dtype: "|S3", chunks: [["ab", "c"], ["xyz"]] },
      { dtype: "|b1", chunks: [[true, false, true]] },
      { dtype: "<f2", chunks: [[0.5, -2, 65504]] },
      { dtype: ">c8", chunks: [{ data: [1, 2, 3, 4], shape: [2] }] },
      { dtype: "<M8[ms]", chunks: [[1n, -5n]] },
      {
        dtype: "[('a', '<f4'), ('b', '>i8', (2,)), ('c', 'S2')]",
        chunks: [[{ a: 1.5, b: [1n, 2n], c: "x" }, {
          a: 2,
          b: [3n, 4n],
          c: "yz",
        }]],
      },
    ];
    for (const c of cases) {
      const a = new MemoryFile();
      const wa = NpyAppendArraySync.open(a, {
        dtype: c.dtype,
        fortranOrder: c.fortranOrder ?? false,
      });
      for (const chunk of c.chunks) wa.append(chunk as never);
      wa.close();
      const b = new MemoryFile();
      const wb = NpyAppendArraySync.open(b, {
        dtype: c.dtype,
        fortranOrder: c.fortranOrder ?? false,
      });
      for await (const batch of await NpyReader.open(a, { batchItems: 1 })) {
        wb.append(batch);
      }
      wb.close();
      assert.deepEqual(b.bytes(), a.bytes(), c.dtype);
    }
  });

  test("round trip of every np.save fixture gives its bytes", async () => {
    for (const fx of listFixtures()) {
      if (fx.made_by !== "np.save" || fx.object || fx.shape.length === 0) {
        continue;
      }
      if (fx.version[0] !== 1) continue;
      const axis = fx.fortran_order ? fx.shape.length - 1 : 0;
      if (fx.shape[axis] === 0) continue; // nothing to append
      const b = new MemoryFile();
      const wb = NpyAppendArraySync.open(b, {
        dtype: fx.dtype,
        fortranOrder: fx.fortran_order,
      });
      const reader = await NpyReader.open(fixturePath(fx.name), BIG_HEADER);
      for await (const batch of reader.batches({ batchItems: 2 })) {
        wb.append(batch);
      }
      wb.close();
      await reader.close();
      assert.deepEqual(b.bytes(), fixtureBytes(fx.name), fx.name);
    }
  });
});

describe("NpyReader on large files, compared with NumPy slicing", () => {
  function ranges(n: number): [number, number | null][] {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * k);
    };
    const out: [number, number | null][] = [
      [0, 1],
      [n - 1, n],
      [-3, null],
      [n - 10, n + 10],
      [-n - 5, 3],
      [5, 2],
      [n, n + 1],
    ];
    for (let i = 0; i < 30; i++) {
      const s = rnd(n);
      out.push([s, s + rnd(4000)]);
    }
    for (let i = 0; i < 5; i++) out.push([-rnd(n), -rnd(100)]);
    return out;
  }

  async function check(path: string) {
    const reader = await NpyReader.open(path);
    const rs = ranges(reader.length);
    const expected = npSliceHashes(path, rs);
    for (const [i, [s, e]] of rs.entries()) {
      const got = await reader.read(s, e ?? undefined);
      const hash = createHash("sha256").update(bytesOf(got.data)).digest("hex");
      assert.deepEqual([got.shape, hash], expected[i], `[${s}, ${e})`);
    }
    await reader.close();
  }

  test(
    "a 100 MiB float32 file made by our writer",
    numpyTestOptions(),
    async () => {
      const path = join(tempDir(), "big.npy");
      const rows = 409600; // x 64 x 4 bytes = 100 MiB
      const npy = NpyAppendArraySync.open(path, { dtype: "<f4" });
      const chunk = 8192;
      const data = new Float32Array(chunk * 64);
      for (let r = 0; r < rows; r += chunk) {
        for (let i = 0; i < data.length; i++) data[i] = (r * 64 + i) * 0.5;
        npy.append({ data, shape: [chunk, 64] });
      }
      npy.close();
      try {
        await check(path);
      } finally {
        rmSync(path);
      }
    },
  );

  test(
    "a big-endian Fortran-order file made by NumPy",
    numpyTestOptions(),
    async () => {
      const path = join(tempDir(), "bigf.npy");
      writeFileSync(
        path,
        npSaveBytes(
          "np.asfortranarray(np.arange(3 * 5 * 200000, dtype='>f8').reshape(3, 5, 200000))",
        ),
      );
      try {
        await check(path);
      } finally {
        rmSync(path);
      }
    },
  );
});

describe("following a file another process appends to", () => {
  test("refresh sees every row, in order, never a partial one", async () => {
    const dir = tempDir();
    const path = join(dir, "live.npy");
    const width = 64;
    const rows = 60000;
    const w = NpyAppendArraySync.open(path, { dtype: "<f8" });
    w.append({ data: new Float64Array(0), shape: [0, width] });
    w.close();
    const reader = await NpyReader.open(path);
    assert.equal(reader.length, 0);

    const [cmd, args] = scriptCommand(
      new URL("./_live_writer.ts", import.meta.url),
    );
    const child = spawn(cmd, [...args, path, String(rows), String(width)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    let exited = false;
    const exit = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        exited = true;
        resolve(code);
      })
    );

    let seen = 0;
    let refreshes = 0;
    let growths = 0;
    const check = async () => {
      const length = await reader.refresh();
      refreshes++;
      assert.ok(length >= seen, "length never shrinks");
      if (length > seen) {
        growths++;
        const got = await reader.read(seen, length);
        const data = got.data as Float64Array;
        assert.equal(data.length, (length - seen) * width);
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== seen * width + i) {
            assert.fail(
              `row ${seen + Math.floor(i / width)} is wrong: ${data[i]}`,
            );
          }
        }
        seen = length;
      }
    };
    while (!exited) {
      await check();
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(await exit, 0, stderr);
    await check();
    await reader.close();
    assert.equal(seen, rows);
    assert.ok(refreshes > 1);
    // the appended file is what NumPy would make
    const bytes = readFileSync(path);
    assert.equal(bytes.length, 128 + rows * width * 8);
    rmSync(dir, { recursive: true });
    console.log(`live follow: ${refreshes} refreshes, ${growths} saw new rows`);
  });
});
