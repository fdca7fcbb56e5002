// DenoFile's reads (issue 17.3): the first call reads into the caller's
// buffer itself (a random row fills it at once), and short reads go on
// where the first stopped. Over a stand-in Deno.FsFile that returns at most
// a few bytes per call, so it runs the same on Deno, Bun and Node.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DenoFile, type DenoFsFileLike } from "../adapters.ts";

/** A stand-in `Deno.FsFile` over `bytes`, reading at most `step` bytes a call. */
function fakeFsFile(bytes: Uint8Array, step: number) {
  let pos = 0;
  const calls: number[] = [];
  const file: DenoFsFileLike = {
    readSync(p) {
      calls.push(p.length);
      if (pos >= bytes.length) return null;
      const n = Math.min(step, p.length, bytes.length - pos);
      p.set(bytes.subarray(pos, pos + n));
      pos += n;
      return n;
    },
    writeSync: () => {
      throw new Error("not written here");
    },
    seekSync(offset) {
      pos = offset;
      return pos;
    },
    statSync: () => ({ size: bytes.length }),
    truncateSync: () => {},
    syncSync: () => {},
    close: () => {},
  };
  return { file, calls };
}

const BYTES = Uint8Array.from({ length: 100 }, (_, i) => i);

describe("DenoFile reads", () => {
  test("a buffer one call fills: one call on the buffer itself", () => {
    const { file, calls } = fakeFsFile(BYTES, 64);
    const f = new DenoFile(file);
    const buf = new Uint8Array(24);
    assert.equal(f.readSync(buf, 40), 24);
    assert.deepEqual([...buf], [...BYTES.subarray(40, 64)]);
    assert.deepEqual(calls, [24]);
  });

  test("short reads go on where the first stopped, in order", () => {
    const { file, calls } = fakeFsFile(BYTES, 5);
    const f = new DenoFile(file);
    const buf = new Uint8Array(24);
    assert.equal(f.readSync(buf, 10), 24);
    assert.deepEqual([...buf], [...BYTES.subarray(10, 34)]);
    assert.deepEqual(calls, [24, 19, 14, 9, 4]);
    // The next read at the position the last one ended needs no seek, and
    // reads what follows.
    assert.equal(f.readSync(buf.subarray(0, 3), 34), 3);
    assert.deepEqual([...buf.subarray(0, 3)], [34, 35, 36]);
  });

  test("the end of the file part-way, past the end, and an empty buffer", () => {
    const { file, calls } = fakeFsFile(BYTES, 7);
    const f = new DenoFile(file);
    const buf = new Uint8Array(24).fill(255);
    assert.equal(f.readSync(buf, 90), 10);
    assert.deepEqual([...buf.subarray(0, 10)], [...BYTES.subarray(90)]);
    assert.equal(buf[10], 255);
    assert.equal(f.readSync(buf, 100), 0);
    assert.equal(f.readSync(buf, 500), 0);
    calls.length = 0;
    assert.equal(f.readSync(new Uint8Array(0), 3), 0);
    assert.deepEqual(calls, []);
  });
});
