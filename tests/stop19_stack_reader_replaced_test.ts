/**
 * Stop 19 (h6): a stack reader opened before a replacing writer
 * (`deleteIfExists`) reads shards by name, one read at a time. Its scan
 * (chunks, dtype) was of the old stack and the shards it then opened were
 * the new one's: it returned a mix of neither stack's rows (new shards
 * read with the old chunks) or the new shards' values under the old dtype,
 * without a word. A shard that no longer matches the scan is now refused
 * (`NpyFormatError`, code `changed`), naming the shard and the fix.
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

describe("a stack reader opened before a replacing writer", () => {
  test("new shards of other sizes are refused, not read with the old chunks", async () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append(new Float64Array([1, 2, 3, 4, 5]));
    w.close();
    const r = await NpyStackReader.open(dir);
    const w2 = NpyStackWriterSync.open(dir, {
      shardRows: 3,
      deleteIfExists: true,
    });
    w2.append(new Float64Array([9, 8, 7, 6, 5, 4, 3]));
    w2.close();
    assert.throws(() => r.readSync(0, 5), changed);
    await assert.rejects(r.read(0, 5), changed);
    r.close();
    const again = await NpyStackReader.open(dir);
    assert.deepEqual(
      [...(await again.read()).data as Float64Array],
      [9, 8, 7, 6, 5, 4, 3],
    );
    again.close();
  });

  test("new shards of another dtype are refused, not read under the old one", async () => {
    const dir = join(tempDir(), "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
    w.append(new Float64Array([1, 2, 3, 4, 5]));
    w.close();
    const r = await NpyStackReader.open(dir);
    const w2 = NpyStackWriterSync.open(dir, {
      shardRows: 2,
      deleteIfExists: true,
    });
    w2.append(new Int16Array([9, 8, 7, 6, 5]));
    w2.close();
    assert.throws(() => r.readSync(0, 5), changed);
    r.close();
  });
});
