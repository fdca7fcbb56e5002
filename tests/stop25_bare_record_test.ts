/**
 * Stop 25 (h6): one record given to `append` bare (`{ date: 1, value: 2 }`)
 * for a file of a record dtype. Records are appended inside an array;
 * the input-key check of round 1 read the record's field names as a
 * misspelt input object and said `unknown key "date"; did you mean
 * "data"?`, a fix that makes no sense for a record. It now says to wrap
 * the record in an array, and nothing is written.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, readNpySync } from "../mod.ts";

const DTYPE = [["date", "<f8"], ["value", "<i4"]] as const;

for (
  const record of [{ date: 1, value: 2 }, { value: 2 }, { type: 1 }]
) {
  test(`a bare record ${JSON.stringify(record)}: wrap it in an array`, () => {
    const dtype = "type" in record ? [["type", "<i4"]] : DTYPE;
    const file = new MemoryFile();
    const npy = NpyAppendArraySync.open(file, {
      dtype: dtype as unknown as [string, string][],
    });
    assert.throws(() => npy.append(record as never), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, /one record/);
      assert.match(e.message, /\[record\]/);
      assert.doesNotMatch(e.message, /did you mean/);
      return true;
    });
    // Nothing was written: the record in an array is the first row.
    npy.append(["type" in record ? { type: 0 } : { date: 0, ...record }]);
    npy.close();
    assert.deepEqual(readNpySync(file).shape, [1]);
  });
}
