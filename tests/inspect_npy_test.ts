/**
 * `inspectNpy` and `inspectNpySync`: the header and layout facts of every
 * NumPy-made fixture, without reading data.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  inspectNpy,
  inspectNpySync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
} from "../mod.ts";
import { fixturePath, listFixtures, tempDir } from "./_numpy.ts";

describe("inspectNpy", () => {
  test("every fixture: what NumPy wrote", async () => {
    for (const f of listFixtures()) {
      const path = fixturePath(f.name);
      const info = inspectNpySync(path, { maxHeaderSize: 1 << 20 });
      assert.deepEqual(info.version, f.version, f.name);
      assert.equal(info.headerLength, f.header_len, f.name);
      // Records: NumPy's dtype.str is "|V<n>", the descr is the field list.
      if (!info.dtype.startsWith("[")) {
        assert.equal(info.dtype, f.dtype_str, f.name);
      }
      assert.equal(info.itemsize, f.itemsize, f.name);
      assert.deepEqual(info.shape, f.shape, f.name);
      assert.equal(info.fortranOrder, f.fortran_order, f.name);
      assert.equal(
        info.headerLength + info.dataLength,
        statSync(path).size,
        f.name,
      );
      if (!info.hasObject) {
        assert.equal(info.dataLength, info.expectedDataLength, f.name);
      }
      assert.equal(info.needsRecovery, false, f.name);
      if (f.shape.length > 0 && !info.hasObject) {
        assert.equal(info.appendable, f.appendable, f.name);
      } else {
        assert.equal(info.appendable, false, f.name);
      }
      assert.deepEqual(
        await inspectNpy(new URL(`file://${path}`), { maxHeaderSize: 1 << 20 }),
        info,
        f.name,
      );
    }
  });

  test("growth axis and row bytes for C, Fortran and 0-d", () => {
    const c = new MemoryFile();
    NpyAppendArraySync.open(c).append({
      data: new Int16Array(24),
      shape: [2, 3, 4],
    });
    assert.deepEqual(
      [inspectNpySync(c).growthAxis, inspectNpySync(c).rowBytes],
      [0, 24],
    );
    const f = new MemoryFile();
    NpyAppendArraySync.open(f, { fortranOrder: true }).append({
      data: new Int16Array(24),
      shape: [2, 3, 4],
      fortranOrder: true,
    });
    assert.deepEqual(
      [inspectNpySync(f).growthAxis, inspectNpySync(f).rowBytes],
      [2, 12],
    );
    const z = inspectNpySync(fixturePath("f8_le_c_0d"));
    assert.deepEqual([z.growthAxis, z.rowBytes, z.appendable], [-1, 8, false]);
  });

  test("a cut file is reported, not refused", async () => {
    const dir = tempDir();
    const p = join(dir, "cut.npy");
    const bytes = readFileSync(fixturePath("f8_le_c_2d"));
    writeFileSync(p, bytes.subarray(0, bytes.length - 12));
    for (const info of [inspectNpySync(p), await inspectNpy(p)]) {
      assert.equal(info.needsRecovery, true);
      assert.equal(info.dataLength, info.expectedDataLength - 12);
    }
  });

  test("an async-only FileLike", async () => {
    const mem = new MemoryFile();
    const file = {
      read: (b: Uint8Array, p: number) => mem.read(b, p),
      write: (b: Uint8Array, p: number) => mem.write(b, p),
      size: () => mem.size(),
    };
    const npy = await NpyAppendArray.open(file);
    await npy.append([["a", "bc"]]);
    assert.equal(npy.closed, false);
    await npy.close();
    assert.equal(npy.closed, true);
    const info = await inspectNpy(file);
    assert.deepEqual([info.dtype, info.shape], ["<U2", [1, 2]]);
    assert.throws(() => inspectNpySync(file as never), TypeError);
  });

  test("not a .npy file: NpyFormatError naming it", async () => {
    const dir = tempDir();
    const p = join(dir, "text.npy");
    writeFileSync(p, "hello, this is not numpy\n");
    assert.throws(
      () => inspectNpySync(p),
      (e: Error) => e instanceof NpyFormatError && e.message.includes(p),
    );
    await assert.rejects(
      inspectNpy(p),
      (e: Error) => e instanceof NpyFormatError && e.message.includes(p),
    );
  });

  test("the header cap applies", () => {
    assert.throws(
      () => inspectNpySync(fixturePath("f8_le_c_2d"), { maxHeaderSize: 10 }),
      /maxHeaderSize \(10\)/,
    );
  });
});
