/**
 * Tests of isAppendable, needsRecovery, ensureAppendable and recover
 * (SPEC sections 6 and 10), the refusals of `open` that name them, the
 * `fsync` order of operations, and the Deno lock.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  encodeHeader,
  ensureAppendable,
  ensureAppendableSync,
  type FileLike,
  type FileLikeSync,
  isAppendable,
  isAppendableSync,
  MemoryFile,
  needsRecovery,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { wrapHeaderText } from "../src/header.ts";
import {
  ensureAppendableInPlaceSteps,
  recoverSteps,
} from "../src/_maintenance.ts";
import { runSync } from "../src/_io.ts";
import {
  fixtureBytes,
  listFixtures,
  npLoadJson,
  npLoadJsonMany,
  numpyTestOptions,
  tempDir,
} from "./_numpy.ts";

/** Only the async interface of a MemoryFile. */
function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
    truncate: (n) => file.truncate(n),
  };
}

function toBytes(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function readBytes(path: string): Uint8Array {
  return toBytes(readFileSync(path));
}

const OLD_TEXT =
  "{'descr': [('timestamp', '<f8'), ('temperature', '<f4')], 'fortran_order': False, 'shape': (3,), }";

/** A file as NumPy < 1.23 wrote it, without room to grow: (3,) records. */
function legacyFile(): Uint8Array {
  const header = wrapHeaderText(OLD_TEXT);
  assert.equal(header.length, 128);
  const data = new Uint8Array(36);
  const view = new DataView(data.buffer);
  for (let i = 0; i < 3; i++) {
    view.setFloat64(i * 12, 1000 + i, true);
    view.setFloat32(i * 12 + 8, 20 + i, true);
  }
  return new Uint8Array([...header, ...data]);
}

/** An appendable file of shape (rows, 3) float64 holding 0, 1, 2, ... */
function f8File(rows: number, cols = 3): MemoryFile {
  const file = new MemoryFile();
  const npy = NpyAppendArraySync.open(file);
  npy.append({
    data: Float64Array.from({ length: rows * cols }, (_, i) => i),
    shape: [rows, cols],
  });
  npy.close();
  return file;
}

describe("isAppendable and needsRecovery", () => {
  test("agree with the Python rule on every fixture", async () => {
    for (const fx of listFixtures()) {
      const bytes = fixtureBytes(fx.name);
      const options = { maxHeaderSize: 100000 };
      const mem = new MemoryFile(bytes);
      // The Python rule (header room), and what open needs besides: an
      // axis to grow and no Python objects (as the CLI's info says).
      const want = fx.appendable && fx.shape.length > 0 && !fx.object;
      assert.equal(isAppendableSync(mem, options), want, fx.name);
      assert.equal(await isAppendable(mem, options), want, fx.name);
      assert.equal(
        await isAppendable(asyncOnly(mem), options),
        want,
        fx.name,
      );
      assert.equal(needsRecoverySync(mem, options), false, fx.name);
      assert.equal(await needsRecovery(asyncOnly(mem), options), false);
    }
  });

  test("work on paths and file URLs", async () => {
    const dir = tempDir();
    const path = join(dir, "old.npy");
    writeFileSync(path, legacyFile());
    assert.equal(isAppendableSync(path), false);
    assert.equal(await isAppendable(pathToFileURL(path)), false);
    assert.equal(needsRecoverySync(pathToFileURL(path)), false);
    writeFileSync(path, legacyFile().subarray(0, 128 + 30));
    assert.equal(await needsRecovery(path), true);
  });

  test("needsRecovery sees missing and stray bytes", () => {
    const file = f8File(2);
    assert.equal(needsRecoverySync(file), false);
    file.writeSync(new Uint8Array(1), file.sizeSync());
    assert.equal(needsRecoverySync(file), true);
    file.truncateSync(file.sizeSync() - 2);
    assert.equal(needsRecoverySync(file), true);
  });

  test("needsRecovery is false for object dtypes", () => {
    const bytes = fixtureBytes("object_c_1d");
    const file = new MemoryFile(bytes);
    file.writeSync(new Uint8Array(5), file.sizeSync());
    assert.equal(needsRecoverySync(file), false);
  });

  test("honour maxHeaderSize", async () => {
    const bytes = fixtureBytes("header_v2_many_fields");
    assert.throws(
      () => isAppendableSync(new MemoryFile(bytes), { maxHeaderSize: 100 }),
      NpyFormatError,
    );
    await assert.rejects(
      needsRecovery(new MemoryFile(bytes), { maxHeaderSize: 100 }),
      NpyFormatError,
    );
    assert.equal(
      needsRecoverySync(new MemoryFile(bytes), { maxHeaderSize: 1000000 }),
      false,
    );
  });

  test("name the file in errors about its contents", async () => {
    const dir = tempDir();
    const path = join(dir, "junk.npy");
    writeFileSync(path, new TextEncoder().encode("not a npy file at all"));
    const named = (verb: string) => (e: Error) =>
      e instanceof NpyFormatError &&
      e.message.startsWith(
        `Cannot ${verb} ${JSON.stringify(path)}: not a .npy file`,
      );
    assert.throws(() => isAppendableSync(path), named("inspect"));
    await assert.rejects(needsRecovery(path), named("inspect"));
    await assert.rejects(recover(path), named("recover"));
    await assert.rejects(ensureAppendable(path), named("rewrite"));
    assert.throws(
      () => ensureAppendableSync(path, { inplace: true }),
      named("rewrite"),
    );
    assert.throws(
      () => recoverSync(new MemoryFile(new Uint8Array(3))),
      /^NpyFormatError: Cannot recover the file object: not a .npy file/,
    );
  });

  test("refuse bad targets with a TypeError", async () => {
    assert.throws(() => isAppendableSync(42 as never), TypeError);
    assert.throws(() => needsRecoverySync(asyncOnly(f8File(1))), TypeError);
    await assert.rejects(isAppendable({} as never), TypeError);
    await assert.rejects(recover(null as never), TypeError);
    await assert.rejects(ensureAppendable(7 as never), TypeError);
  });
});

describe("open after a crash", () => {
  test("an empty file on a path (killed right after creating it) starts afresh", () => {
    const dir = tempDir();
    const path = join(dir, "empty.npy");
    writeFileSync(path, new Uint8Array(0));
    const npy = NpyAppendArraySync.open(path);
    npy.append([[1, 2]]);
    npy.close();
    assert.deepEqual(readNpySync(path).shape, [1, 2]);
  });
});

describe("ensureAppendable", () => {
  test("leaves an appendable file untouched", async () => {
    const file = f8File(3);
    const before = file.bytes();
    assert.equal(ensureAppendableSync(file), true);
    assert.equal(await ensureAppendable(file, { inplace: true }), true);
    assert.deepEqual(file.bytes(), before);
    const dir = tempDir();
    const path = join(dir, "a.npy");
    writeFileSync(path, before);
    const ino = statSync(path).ino;
    assert.equal(await ensureAppendable(path), true);
    assert.equal(statSync(path).ino, ino);
    assert.deepEqual(readBytes(path), before);
  });

  for (const inplace of [false, true]) {
    test(
      `rewrites a legacy file on a path (inplace: ${inplace})`,
      numpyTestOptions(),
      async () => {
        const dir = tempDir();
        const names = [
          "old_header_not_appendable",
          "old_header_growth_no_pad",
          "py2_header_long_ints",
        ];
        const paths: string[] = [];
        for (const name of names) {
          const path = join(dir, `${name}.npy`);
          writeFileSync(path, fixtureBytes(name));
          assert.equal(isAppendableSync(path), false);
          if (inplace) ensureAppendableSync(path, { inplace });
          else await ensureAppendable(path, { inplace });
          assert.equal(isAppendableSync(path), true, name);
          paths.push(path);
        }
        // No temporary file is left behind.
        assert.deepEqual(
          readdirSync(dir).sort(),
          names.map((n) => `${n}.npy`).sort(),
        );
        const loaded = npLoadJsonMany(paths);
        const fixtures = listFixtures();
        names.forEach((name, i) => {
          const fx = fixtures.find((f) => f.name === name)!;
          assert.deepEqual(loaded[i]!.shape, fx.shape, name);
          assert.deepEqual(loaded[i]!.values, fx.values, name);
          assert.equal(loaded[i]!.descr, fx.descr, name);
        });
        // The Python package's header length: NumPy >= 1.23's.
        const grown = readBytes(paths[0]!);
        assert.equal(grown.length, 192 + 12);
      },
    );
  }

  test(
    "then the writer appends, and NumPy loads the result",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const path = join(dir, "log.npy");
      writeFileSync(path, legacyFile());
      assert.throws(
        () => NpyAppendArraySync.open(path),
        (e: Error) =>
          e instanceof RangeError &&
          /call ensureAppendable first/.test(e.message) &&
          e.message.includes(path),
      );
      ensureAppendableSync(path);
      const npy = NpyAppendArraySync.open(path);
      npy.append([{ timestamp: 2000, temperature: 30 }]);
      npy.close();
      const loaded = npLoadJson(path);
      assert.deepEqual(loaded.shape, [4]);
      assert.deepEqual(loaded.values, [
        { timestamp: 1000, temperature: 20 },
        { timestamp: 1001, temperature: 21 },
        { timestamp: 1002, temperature: 22 },
        { timestamp: 2000, temperature: 30 },
      ]);
    },
  );

  test("in place on file objects, sync and async, gives the copy's bytes", async () => {
    const dir = tempDir();
    const path = join(dir, "x.npy");
    writeFileSync(path, legacyFile());
    ensureAppendableSync(path);
    const want = readBytes(path);
    const a = new MemoryFile(legacyFile());
    ensureAppendableSync(a);
    assert.deepEqual(a.bytes(), want);
    const b = new MemoryFile(legacyFile());
    await ensureAppendable(asyncOnly(b));
    assert.deepEqual(b.bytes(), want);
    const c = new MemoryFile(legacyFile());
    await ensureAppendable(c, { inplace: true });
    assert.deepEqual(c.bytes(), want);
  });

  test("moves data in small chunks from the end without losing any", () => {
    // 1000 rows of 3 float64 behind a legacy header, moved 7 bytes at a time.
    const text =
      "{'descr': [('timestamp', '<f8'), ('temperature', '<f4')], 'fortran_order': False, 'shape': (2000,), }";
    const header = wrapHeaderText(text);
    const data = Uint8Array.from({ length: 24000 }, (_, i) => (i * 7) % 251);
    const file = new MemoryFile(new Uint8Array([...header, ...data]));
    for (const chunk of [7, 64, 1000]) {
      const f = new MemoryFile(file.bytes());
      runSync(ensureAppendableInPlaceSteps("x", undefined, chunk), f);
      const out = f.bytes();
      const newLength = out.length - data.length;
      assert.ok(newLength > header.length);
      assert.deepEqual(out.subarray(newLength), data);
      assert.equal(isAppendableSync(f), true);
      assert.deepEqual(readNpySync(f).shape, [2000]);
    }
  });

  test("keeps stray bytes of a file that needs recovery, for recover", () => {
    const bytes = legacyFile().subarray(0, 128 + 30);
    const file = new MemoryFile(bytes);
    ensureAppendableSync(file);
    assert.equal(needsRecoverySync(file), true);
    recoverSync(file);
    assert.deepEqual(readNpySync(file).shape, [2]);
  });

  test("refuses a non-boolean inplace", () => {
    assert.throws(
      () => ensureAppendableSync(f8File(1), { inplace: "yes" as never }),
      TypeError,
    );
  });
});

describe("recover", () => {
  test("returns true and leaves a sound file untouched", async () => {
    const file = f8File(4);
    const before = file.bytes();
    assert.equal(recoverSync(file), true);
    assert.equal(await recover(asyncOnly(file)), true);
    assert.deepEqual(file.bytes(), before);
  });

  for (const zerofill of [false, true]) {
    test(`sets the row count from the data (zerofillIncomplete: ${zerofill})`, async () => {
      for (const target of ["sync", "async", "asyncOnly"] as const) {
        const file = f8File(5);
        const headerLength = 128;
        file.truncateSync(headerLength + 3 * 24 + 10);
        const options = { zerofillIncomplete: zerofill };
        if (target === "sync") assert.equal(recoverSync(file, options), true);
        else if (target === "async") await recover(file, options);
        else await recover(asyncOnly(file), options);
        const rows = zerofill ? 4 : 3;
        assert.equal(file.sizeSync(), headerLength + rows * 24);
        const got = readNpySync(file);
        assert.deepEqual(got.shape, [rows, 3]);
        const want = Array.from({ length: 9 }, (_, i) => i);
        if (zerofill) want.push(9, 0, 0); // 10 bytes of row 3 survive: one value
        assert.deepEqual([...got.data as Float64Array], want);
        // The header keeps its length and its growth space.
        assert.equal(isAppendableSync(file), true);
      }
    });
  }

  test("makes the writer accept the file again", async () => {
    const file = f8File(2);
    file.writeSync(new Uint8Array(12), file.sizeSync());
    await assert.rejects(
      NpyAppendArray.open(file),
      (e: Error) =>
        e instanceof NpyFormatError && /call recover first/.test(e.message),
    );
    assert.throws(() => NpyAppendArraySync.open(file), /call recover first/);
    await recover(file);
    const npy = await NpyAppendArray.open(file);
    await npy.append([[6, 7, 8]]);
    await npy.close();
    assert.deepEqual([...readNpySync(file).data as Float64Array], [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
  });

  test("repairs the header of a file the header overstates", () => {
    // As after a power loss: the header reached the disk, the data did not.
    const file = f8File(4);
    file.truncateSync(128 + 24);
    recoverSync(file);
    assert.deepEqual(readNpySync(file).shape, [1, 3]);
  });

  test("counts along the last axis in Fortran order", () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, { fortranOrder: true });
    npy.append({ data: new Int16Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    npy.close();
    file.truncateSync(file.sizeSync() - 3);
    recoverSync(file);
    // Columns of 2 int16 = 4 bytes; 9 bytes are left: 2 whole columns.
    assert.deepEqual(readNpySync(file).shape, [2, 2]);
    const z = new MemoryFile();
    const n2 = NpyAppendArraySync.open(z, { fortranOrder: true });
    n2.append({ data: new Int16Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    n2.close();
    z.truncateSync(z.sizeSync() - 3);
    recoverSync(z, { zerofillIncomplete: true });
    const got = readNpySync(z);
    assert.deepEqual(got.shape, [2, 3]);
    // Stored column by column; the low byte of 3 survived, 6 did not.
    assert.deepEqual([...got.data as Int16Array], [1, 4, 2, 5, 3, 0]);
  });

  test("cuts stray bytes when items have no bytes, keeping the count", () => {
    const header = encodeHeader({
      dtype: "<f4",
      fortranOrder: false,
      shape: [5, 0],
    });
    const file = new MemoryFile(new Uint8Array([...header, 1, 2, 3]));
    assert.equal(needsRecoverySync(file), true);
    recoverSync(file, { zerofillIncomplete: true });
    assert.equal(file.sizeSync(), header.length);
    assert.deepEqual(readNpySync(file).shape, [5, 0]);
  });

  test("refuses a 0-d file that needs recovery", () => {
    const file = new MemoryFile(fixtureBytes("f8_le_c_0d"));
    assert.equal(recoverSync(file), true); // sound: nothing to do
    file.truncateSync(file.sizeSync() - 1);
    assert.throws(
      () => recoverSync(file),
      (e: Error) => e instanceof RangeError && /0-d array/.test(e.message),
    );
  });

  test(
    "recovers a header without room in place when the new shape fits",
    numpyTestOptions(),
    async () => {
      // NumPy < 1.23 left no room to grow, but a file cut off holds fewer
      // rows: the shape's text fits the header's padding. The header keeps
      // its length (the data does not move) and stays without room.
      const dir = tempDir();
      const path = join(dir, "cut.npy");
      writeFileSync(path, legacyFile().subarray(0, 128 + 20));
      assert.equal(await recover(path), true);
      assert.equal(statSync(path).size, 128 + 12);
      assert.deepEqual(readNpySync(path).shape, [1]);
      assert.equal(isAppendableSync(path), false);
      assert.deepEqual(npLoadJson(path).shape, [1]);
    },
  );

  test("refuses a header without room that the new shape does not fit, naming ensureAppendable and the file", async () => {
    // A header as NumPy < 1.22 wrote it (padded to 16 bytes), with a
    // field name of the length that leaves no space to spare, and data
    // for 50 rows where it says 5: the count needs one more digit.
    const text = (name: string, rows: number) =>
      `{'descr': [('${name}', '<i4')], 'fortran_order': False, 'shape': (${rows},), }`;
    let name = "a";
    while ((10 + text(name, 5).length + 1) % 16 !== 0) name += "a";
    const header = new Uint8Array(10 + text(name, 5).length + 1);
    header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(header.buffer).setUint16(8, header.length - 10, true);
    header.set(new TextEncoder().encode(text(name, 5) + "\n"), 10);
    const path = join(tempDir(), "more.npy");
    writeFileSync(path, new Uint8Array([...header, ...new Uint8Array(50 * 4)]));
    const before = readFileSync(path);
    assert.equal(needsRecoverySync(path), true);
    await assert.rejects(
      recover(path),
      (e: Error) =>
        e instanceof RangeError &&
        e.message ===
          `Cannot recover ${
            JSON.stringify(path)
          }: its header has no room to grow; call ensureAppendable first`,
    );
    assert.deepEqual(readFileSync(path), before, "no byte changed");
    await ensureAppendable(path);
    await recover(path);
    assert.deepEqual(readNpySync(path).shape, [50]);
  });

  test(
    "works on paths and file URLs, and NumPy loads the result",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const a = join(dir, "a.npy");
      const b = join(dir, "b.npy");
      const file = f8File(6);
      const cut = file.bytes().subarray(0, 128 + 4 * 24 + 5);
      writeFileSync(a, cut);
      writeFileSync(b, cut);
      recoverSync(a);
      await recover(pathToFileURL(b), { zerofillIncomplete: true });
      const [la, lb] = npLoadJsonMany([a, b]);
      assert.deepEqual(la!.shape, [4, 3]);
      assert.deepEqual(lb!.shape, [5, 3]);
      assert.deepEqual(lb!.values!.slice(12), [0, 0, 0]);
    },
  );

  test("writes zeros in bounded chunks", () => {
    const file = f8File(3, 1000); // rows of 8000 bytes
    file.truncateSync(128 + 8000 + 1);
    runSync(recoverSteps("x", true, undefined, 100), file);
    assert.equal(file.sizeSync(), 128 + 16000);
    const data = readNpySync(file).data as Float64Array;
    assert.equal(data[999], 999);
    // The one byte left of 1000.0 is its low byte, 0: the row is all zeros.
    assert.ok(data.subarray(1000).every((v) => v === 0));
  });

  test("refuses a non-boolean zerofillIncomplete", async () => {
    assert.throws(
      () => recoverSync(f8File(1), { zerofillIncomplete: 1 as never }),
      TypeError,
    );
    await assert.rejects(
      recover(f8File(1), { zerofillIncomplete: 1 as never }),
      TypeError,
    );
  });
});

type Op = string;

/** A MemoryFile that records the order of writes and syncs. */
function recording(file: MemoryFile, ops: Op[]): FileLike & FileLikeSync {
  const kind = (b: Uint8Array, p: number) =>
    p === 0 && b[0] === 0x93 ? "header" : "data";
  return {
    readSync: (b, p) => file.readSync(b, p),
    writeSync: (b, p) => {
      ops.push(`write ${kind(b, p)}`);
      file.writeSync(b, p);
    },
    sizeSync: () => file.sizeSync(),
    truncateSync: (n) => {
      ops.push("truncate");
      file.truncateSync(n);
    },
    syncSync: () => {
      ops.push("sync");
    },
    read: (b, p) => file.read(b, p),
    write: (b, p) => {
      ops.push(`write ${kind(b, p)}`);
      return file.write(b, p);
    },
    size: () => file.size(),
    truncate: (n) => {
      ops.push("truncate");
      return file.truncate(n);
    },
    sync: () => {
      ops.push("sync");
      return Promise.resolve();
    },
  };
}

describe("fsync", () => {
  const appendOps = [
    "write data",
    "sync",
    "write header",
    "sync",
  ];

  test("syncs data before the header that covers it (sync writer)", () => {
    const ops: Op[] = [];
    const file = recording(new MemoryFile(), ops);
    const npy = NpyAppendArraySync.open(file, { fsync: true });
    npy.append([[1, 2]]);
    // Creation: an empty header, the data, sync, the real header, sync.
    assert.deepEqual(ops, [
      "write header",
      "write data",
      "sync",
      "write header",
      "sync",
    ]);
    ops.length = 0;
    npy.append([[3, 4]]);
    npy.append([[5, 6]]);
    assert.deepEqual(ops, [...appendOps, ...appendOps]);
    ops.length = 0;
    npy.close();
    assert.deepEqual(ops, []);
  });

  test("syncs in the same order through the async interface", async () => {
    const ops: Op[] = [];
    const mem = new MemoryFile();
    const rec = recording(mem, ops);
    const file: FileLike = {
      read: rec.read,
      write: rec.write,
      size: rec.size,
      truncate: rec.truncate!,
      sync: rec.sync!,
    };
    const npy = await NpyAppendArray.open(file, { fsync: true });
    await npy.append([[1, 2]]);
    ops.length = 0;
    await npy.append([[3, 4]]);
    assert.deepEqual(ops, appendOps);
    await npy.close();
    assert.deepEqual(readNpySync(mem).shape, [2, 2]);
  });

  test("with rewriteHeaderOnAppend false, syncs data, then header at close", () => {
    const ops: Op[] = [];
    const file = recording(new MemoryFile(), ops);
    const npy = NpyAppendArraySync.open(file, {
      fsync: true,
      rewriteHeaderOnAppend: false,
    });
    npy.append([[1, 2]]);
    ops.length = 0;
    npy.append([[3, 4]]);
    assert.deepEqual(ops, ["write data", "sync"]);
    ops.length = 0;
    npy.close();
    assert.deepEqual(ops, ["sync", "write header", "sync"]);
  });

  test("without fsync, never syncs", () => {
    const ops: Op[] = [];
    const file = recording(new MemoryFile(), ops);
    const npy = NpyAppendArraySync.open(file);
    npy.append([[1, 2]]);
    npy.append([[3, 4]]);
    npy.close();
    assert.ok(!ops.includes("sync"));
    assert.deepEqual(ops.slice(1), ["write data", "write header"]);
  });
});
