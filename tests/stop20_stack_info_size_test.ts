/**
 * Stop 20 (h5): a stack `info` far larger than any stack's (a sparse 20 GB
 * file, or 64 MiB and one byte of zeros). Its whole size was allocated and
 * read before it was looked at: the 20 GB one kept readers, the writer and
 * `recoverStack` busy for minutes (or out of memory) instead of refusing
 * it. `info` lists a few bytes a shard, so one past 64 MiB (millions of
 * shards) is now refused at once: `NpyFormatError` ("damaged-stack")
 * naming the file, its size and the fix that works (remove it and run
 * recoverStack); nothing in the folder changes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const ROWS = Array.from({ length: 10 }, (_, i) => i);

for (const size of [64 * 1024 * 1024 + 1, 20 * 1024 ** 3]) {
  test(`an info of ${size} bytes is refused at once, and the fix works`, async () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
    w.append(Int32Array.from(ROWS));
    w.close();
    const info = join(dir, "info");
    truncateSync(info, size); // sparse: its pickle, then zeros
    const started = Date.now();
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "damaged-stack");
      assert.ok(e.message.includes(`"${info}" has ${size} bytes`), e.message);
      assert.match(e.message, /remove it and run recoverStack/);
      return true;
    };
    assert.throws(() => readNpyStackSync(dir), refused);
    await assert.rejects(NpyStackReader.open(dir), refused);
    assert.throws(() => NpyStackWriterSync.open(dir), refused);
    assert.throws(() => recoverStackSync(dir), refused);
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
    assert.equal(statSync(info).size, size);
    rmSync(info);
    assert.deepEqual(recoverStackSync(dir), [10]);
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], ROWS);
  });
}

test("a replacing open of a stack whose info is a sparse 20 GB file finishes at once", () => {
  const dir = join(tempDir(), "s");
  const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
  w.append(Int32Array.from(ROWS));
  w.close();
  truncateSync(join(dir, "info"), 20 * 1024 ** 3);
  const started = Date.now();
  {
    using s = NpyStackWriterSync.open(dir, {
      shardRows: 4,
      dtype: "<i4",
      deleteIfExists: true,
    });
    s.append([7, 8]);
  }
  assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [7, 8]);
});
