/**
 * Stop 20 (h2): a stack reader opened before a replacing writer
 * (`deleteIfExists`) that wrote shards of the same sizes and dtype read
 * the new stack's rows as the old one's, or a mix of both (shards read
 * before the replacement, old; shards read after, new), without a word:
 * the shards' headers match the scan. Each shard's file (device and
 * inode) is now noted when the reader first sees it, and a shard that is
 * another file at a later read is refused (`NpyFormatError`, code
 * `changed`), naming the shard and the fix.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyFormatError, NpyStackReader, NpyStackWriterSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function changed(e: unknown): boolean {
  return e instanceof NpyFormatError && e.code === "changed" &&
    /open it again/.test(e.message);
}

/** Past the old shards' birth millisecond (their files' times are in ms). */
const later = () => new Promise((r) => setTimeout(r, 5));

/** A stack of `rows` in shards of 2, replacing any there (`fresh`). */
function write(dir: string, rows: number[], fresh = false): void {
  const w = NpyStackWriterSync.open(dir, {
    shardRows: 2,
    ...(fresh ? { deleteIfExists: true } : {}),
  });
  w.append(new Float64Array(rows));
  w.close();
}

describe("a stack reader and a replacement of the same sizes", () => {
  test("a shard read before is refused at a read after", async () => {
    const dir = join(tempDir(), "s");
    write(dir, [1, 2, 3, 4, 5, 6]);
    const r = await NpyStackReader.open(dir);
    assert.deepEqual([...r.readSync().data as Float64Array], [
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
    write(dir, [11, 12, 13, 14, 15, 16], true);
    assert.throws(() => r.readSync(), changed);
    await assert.rejects(r.read(0, 2), changed);
    r.close();
    const again = await NpyStackReader.open(dir);
    assert.deepEqual(
      [...(await again.read()).data as Float64Array],
      [11, 12, 13, 14, 15, 16],
    );
    again.close();
  });

  test("a shard not read yet is refused too: no mix of both stacks", async () => {
    const dir = join(tempDir(), "s");
    write(dir, [1, 2, 3, 4, 5, 6]);
    const r = NpyStackReader.openSync(dir);
    assert.deepEqual([...r.readSync(0, 2).data as Float64Array], [1, 2]);
    await later();
    write(dir, [11, 12, 13, 14, 15, 16], true);
    assert.throws(() => r.readSync(2, 6), changed);
    r.close();
  });

  test("the live shard sealed under the reader is the same file", () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append(new Float64Array([1, 2, 3]));
    const r = NpyStackReader.openSync(dir);
    assert.deepEqual([...r.readSync().data as Float64Array], [1, 2, 3]);
    w.append(new Float64Array([4, 5]));
    assert.equal(r.refreshSync(), 5);
    assert.deepEqual([...r.readSync().data as Float64Array], [1, 2, 3, 4, 5]);
    w.close();
    r.refreshSync();
    assert.deepEqual([...r.readSync().data as Float64Array], [1, 2, 3, 4, 5]);
    r.close();
  });
});
