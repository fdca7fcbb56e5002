import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { decodeItems } from "../src/decode.ts";
import {
  type FileLike,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  readNpy,
  readNpySync,
} from "../mod.ts";
import {
  fixtureBytes,
  fixturePath,
  listFixtures,
  npLoadJsonMany,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";
import { toFixtureValues } from "./_js_json.ts";

const BIG_HEADER = { maxHeaderSize: 1_000_000 };

/** An async-only view of bytes (no `readSync`), to drive the async path. */
function asyncOnly(bytes: Uint8Array): FileLike {
  const file = new MemoryFile(bytes);
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
  };
}

describe("readNpy on every fixture", () => {
  for (const fx of listFixtures()) {
    if (fx.object) continue;
    test(fx.name, async () => {
      const path = fixturePath(fx.name);
      for (
        const array of [
          readNpySync(path, BIG_HEADER),
          await readNpy(path, BIG_HEADER),
          await readNpy(asyncOnly(fixtureBytes(fx.name)), BIG_HEADER),
          await readNpy(new URL(`file://${path}`), BIG_HEADER),
        ]
      ) {
        assert.equal(array.dtype, fx.dtype);
        assert.deepEqual([...array.shape], fx.shape);
        assert.equal(array.fortranOrder, fx.fortran_order);
        assert.deepEqual(toFixtureValues(array), fx.values);
      }
    });
  }
});

describe("readNpy", () => {
  test("big-endian data comes back in native order", () => {
    const a = readNpySync(fixturePath("i2_be_c_2d"));
    assert.ok(a.data instanceof Int16Array);
    const b = readNpySync(fixturePath("i2_le_c_2d"));
    assert.equal(a.dtype, ">i2");
    assert.equal(b.dtype, "<i2");
  });

  test("a 2.0 header needs a raised maxHeaderSize", async () => {
    const path = fixturePath("header_v2_many_fields");
    await assert.rejects(readNpy(path), (e: unknown) => {
      assert.ok(e instanceof NpyFormatError);
      assert.match(e.message, /maxHeaderSize/);
      return true;
    });
    assert.throws(() => readNpySync(path), NpyFormatError);
    assert.equal(readNpySync(path, BIG_HEADER).shape.length, 1);
  });

  test("object arrays are refused", async () => {
    await assert.rejects(
      readNpy(fixturePath("object_c_1d")),
      /Python objects/,
    );
  });

  test("0-d and empty arrays", () => {
    const scalar = readNpySync(fixturePath("f8_le_c_0d"));
    assert.deepEqual(scalar.shape, []);
    assert.equal(scalar.data.length, 1);
    const empty = readNpySync(fixturePath("u2_be_c_3d_empty_middle"));
    assert.deepEqual(empty.shape, [2, 0, 3]);
    assert.equal(empty.data.length, 0);
  });

  test("a cut-off file is refused unless allowIncomplete", async () => {
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file);
    npy.append({ data: new Float32Array(12).map((_, i) => i), shape: [4, 3] });
    npy.close();
    const bytes = file.bytes();
    const cut = new MemoryFile(bytes.subarray(0, bytes.length - 5));
    await assert.rejects(readNpy(cut), (e: unknown) => {
      assert.ok(e instanceof NpyFormatError);
      assert.match(e.message, /call recover, or pass allowIncomplete: true/);
      return true;
    });
    const a = await readNpy(cut, { allowIncomplete: true });
    assert.deepEqual(a.shape, [3, 3]);
    assert.deepEqual([...a.data as Float32Array], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("decodeItems copies unless copy: false", () => {
    const bytes = new Uint8Array([0, 1, 0, 2]);
    const copied = decodeItems(bytes, parseDType(">i2"), 2) as Int16Array;
    assert.deepEqual([...copied], [1, 2]);
    assert.deepEqual([...bytes], [0, 1, 0, 2], "input untouched");
    const view = decodeItems(bytes, parseDType(">i2"), 2, { copy: false });
    assert.deepEqual([...view as Int16Array], [1, 2]);
    assert.equal((view as Int16Array).buffer, bytes.buffer, "no copy");
    // an offset that does not suit the alignment falls back to a copy
    const odd = new Uint8Array(5).subarray(1);
    odd.set([1, 0, 2, 0]);
    const c = decodeItems(odd, parseDType("<i2"), 2, { copy: false });
    assert.deepEqual([...c as Int16Array], [1, 2]);
    assert.notEqual((c as Int16Array).buffer, odd.buffer);
  });

  test("data is a fresh buffer, not shared between reads", () => {
    const file = new MemoryFile();
    NpyAppendArraySync.open(file).append(new Float64Array([1, 2, 3]));
    const a = readNpySync(file);
    (a.data as Float64Array)[0] = 99;
    assert.deepEqual([...readNpySync(file).data as Float64Array], [1, 2, 3]);
  });

  test(
    "files np.save writes, compared with np.load",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const exprs = [
        "np.arange(24, dtype='>f8').reshape(2, 3, 4)",
        "np.asfortranarray(np.arange(24, dtype='<u4').reshape(2, 3, 4))",
        "np.array([[1+2j, -3.5j]], dtype='>c16')",
        "np.array(['ab', 'é名😀', ''], dtype='>U3')",
        "np.array([(1, [2.5, 3.5])], dtype=[('a', '>i2'), ('b', '<f4', (2,))])",
        "np.zeros((0, 5), dtype='<M8[ms]')",
      ];
      // one Python process saves them all, one loads them all
      const paths = exprs.map((_, i) => join(dir, `a${i}.npy`));
      runPython(
        `import sys, json, numpy as np
for expr, path in zip(json.loads(sys.argv[1]), sys.argv[2:]):
    np.save(path, eval(expr))`,
        [JSON.stringify(exprs), ...paths],
      );
      const loaded = npLoadJsonMany(paths);
      for (const [i, expr] of exprs.entries()) {
        const expected = loaded[i]!;
        const got = readNpySync(paths[i]!);
        assert.equal(got.dtype, expected.dtype, expr);
        assert.deepEqual([...got.shape], expected.shape, expr);
        assert.deepEqual(toFixtureValues(got), expected.values, expr);
      }
      rmSync(dir, { recursive: true });
    },
  );
});
