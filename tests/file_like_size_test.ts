/**
 * A caller's file object whose size is not a byte count (a bigint, a
 * negative number, NaN, a string) is refused with a `TypeError` that says
 * what `size()` returned, by writers, readers and maintenance, sync and
 * async, and no byte of it changes (found by adversary round 9: a bigint
 * gave the engine's own "Cannot mix BigInt and other types").
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type FileLike,
  inspectNpySync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  readNpy,
  recoverSync,
} from "../mod.ts";

/** Sizes that are not byte counts. */
const LIES: unknown[] = [24n, -1, NaN, "24", 2 ** 53, 1.5];

/** A MemoryFile holding a (3,) f8 array, whose size answers `lie`. */
function lying(lie: unknown): { file: MemoryFile; bytes: Uint8Array } {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file);
  w.append([1, 2, 3]);
  w.close();
  file.sizeSync = () => lie as number;
  file.size = () => Promise.resolve(lie as number);
  return { file, bytes: file.bytes().slice() };
}

const said = (lie: unknown) => (e: unknown) => {
  assert.ok(e instanceof TypeError, String(e));
  assert.match(
    e.message,
    /file object: its size\(\) returned .*; return its size in bytes as a number/,
  );
  assert.ok(e.message.includes(typeof lie), e.message);
  return true;
};

describe("a file object's size that is not a byte count", () => {
  for (const lie of LIES) {
    const name = typeof lie === "bigint"
      ? `${lie}n`
      : JSON.stringify(lie) ?? String(lie);
    test(`sync calls refuse size() = ${name}, no byte changed`, () => {
      const { file, bytes } = lying(lie);
      assert.throws(() => NpyAppendArraySync.open(file).append([4]), said(lie));
      assert.throws(
        () => NpyAppendArraySync.open(file, { deleteIfExists: true }),
        said(lie),
      );
      assert.throws(() => NpyReader.openSync(file), said(lie));
      assert.throws(() => inspectNpySync(file), said(lie));
      assert.throws(() => recoverSync(file), said(lie));
      assert.deepEqual(file.bytes(), bytes);
    });

    test(`async calls refuse size() = ${name}, no byte changed`, async () => {
      const { file, bytes } = lying(lie);
      const asyncOnly: FileLike = {
        read: (b, p) => file.read(b, p),
        write: (b, p) => file.write(b, p),
        size: () => file.size(),
        truncate: (n) => file.truncate(n),
      };
      await assert.rejects(
        (async () => {
          const w = await NpyAppendArray.open(asyncOnly);
          await w.append([4]);
        })(),
        said(lie),
      );
      await assert.rejects(readNpy(asyncOnly), said(lie));
      await assert.rejects(
        NpyAppendArray.open(asyncOnly, { deleteIfExists: true }),
        said(lie),
      );
      assert.deepEqual(file.bytes(), bytes);
    });
  }
});
