/**
 * What the stack and group readers tell of their files (the public members
 * the command line's `info`, `concat` and `to-csv` stand on):
 * `NpyStackReader.files`, `chunks` and `growthAxis`, and
 * `NpyGroupReader.layout`. Checked against the files themselves.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** The values of the shard files in order, joined along axis 0. */
function joined(paths: readonly string[]): number[] {
  return paths.flatMap((p) => [...readNpySync(p).data as Float64Array]);
}

test("NpyStackReader.files: the sealed shards, then the live one; they hold the stack's rows in order", () => {
  const dir = join(tempDir(), "s");
  const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
  w.append([0, 1, 2, 3, 4]);
  const r = NpyStackReader.openSync(dir);
  assert.deepEqual(r.files, [
    join(dir, "0.npy"),
    join(dir, "1.npy"),
    join(dir, "2.npy.part"),
  ]);
  assert.deepEqual(r.chunks, [2, 2]);
  assert.equal(r.growthAxis, 0);
  assert.deepEqual(joined(r.files), [0, 1, 2, 3, 4]);
  // Followed by refresh: the live shard sealed, a new one begun.
  w.append([5, 6]);
  r.refreshSync();
  assert.deepEqual(r.chunks, [2, 2, 2]);
  assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), [
    "0.npy",
    "1.npy",
    "2.npy",
    "3.npy.part",
  ]);
  assert.deepEqual(joined(r.files), [0, 1, 2, 3, 4, 5, 6]);
  w.close();
  r.refreshSync();
  assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), [
    "0.npy",
    "1.npy",
    "2.npy",
    "3.npy",
  ]);
  assert.deepEqual(r.chunks, [2, 2, 2, 1]);
  r.closeSync();
  // The getters keep what was seen, after close too.
  assert.deepEqual(r.chunks, [2, 2, 2, 1]);
});

test("NpyStackReader.files leaves out a live shard whose header is not written yet (a kill's window)", () => {
  const dir = join(tempDir(), "s");
  const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
  w.append([0, 1, 2, 3]);
  w.close();
  // A writer killed right after it created the next live shard.
  writeFileSync(join(dir, "2.npy.part"), new Uint8Array([0x93, 0x4e]));
  const r = NpyStackReader.openSync(dir);
  r.closeSync();
  assert.ok(existsSync(join(dir, "2.npy.part")));
  assert.deepEqual(r.files, [join(dir, "0.npy"), join(dir, "1.npy")]);
  assert.equal(r.length, 4);
  assert.deepEqual(joined(r.files), [0, 1, 2, 3]);
});

test("NpyStackReader.growthAxis and chunks of a Fortran-order stack count along the last axis", () => {
  const dir = join(tempDir(), "s");
  const w = NpyStackWriterSync.open(dir, { shardRows: 3, fortranOrder: true });
  w.append({
    data: new Float64Array(2 * 2 * 7).map((_, i) => i),
    shape: [2, 2, 7],
    fortranOrder: true,
  });
  w.close();
  const r = NpyStackReader.openSync(dir);
  r.closeSync();
  assert.equal(r.growthAxis, 2);
  assert.deepEqual(r.chunks, [3, 3, 1]);
  assert.deepEqual(r.shape, [2, 2, 7]);
  assert.deepEqual(r.files.map((f) => readNpySync(f).shape), [
    [2, 2, 3],
    [2, 2, 3],
    [2, 2, 1],
  ]);
});

test("NpyGroupReader.layout: each member's file, axis and covered shape; null before the first append", () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { x: "<f4", f: { dtype: "<f8", fortranOrder: true } },
  });
  const r = NpyGroupReader.openSync(dir);
  assert.deepEqual(r.layout, {
    x: { path: join(dir, "x.npy"), axis: 0, stack: null, shape: null },
    f: { path: join(dir, "f.npy"), axis: -1, stack: null, shape: null },
  });
  w.append({
    x: [[1, 2], [3, 4], [5, 6]],
    f: { data: new Float64Array(6), shape: [2, 3], fortranOrder: true },
  });
  r.refreshSync();
  const { x, f } = r.layout;
  assert.deepEqual(x!.shape, [3, 2]);
  assert.deepEqual(f!.shape, [2, 3]);
  for (const m of [x!, f!]) {
    assert.deepEqual(readNpySync(m.path).shape, m.shape);
  }
  w.close();
  r.closeSync();
});

test("NpyGroupReader.layout of a group of stacks: the stack folders and their rotation", () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    shardRows: 4,
    members: { a: "<i4", b: "<f8" },
  });
  w.append({
    a: [1, 2, 3, 4, 5, 6],
    b: [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6]],
  });
  w.close();
  using r = NpyGroupReader.openSync(dir);
  const { a, b } = r.layout;
  assert.deepEqual(a, {
    path: join(dir, "a"),
    axis: 0,
    stack: { shardRows: 4 },
    shape: [6],
  });
  assert.deepEqual(b!.shape, [6, 2]);
  using s = NpyStackReader.openSync(b!.path);
  assert.deepEqual(s.chunks, [4, 2]); // close() sealed the live shard
  assert.deepEqual(s.shape, b!.shape);
  // A copy: changing it changes nothing in the reader.
  a!.stack!.shardRows = 99;
  assert.deepEqual(r.layout.a!.stack, { shardRows: 4 });
});
