/**
 * Adversary round 9: `NpyAppendArray.abort()` not awaited. It waited a
 * turn of the event loop before undoing, while `close()` and `append()`
 * of the same (path) writer ran at once, so a call made after `abort()`
 * ran before it:
 *
 * - `npy.abort(); await npy.close();` committed the appends (the close
 *   wrote the final header and voided the change record), and the abort's
 *   promise then resolved, though the file was not back as it was;
 * - an `await using` block whose `catch` called `abort()` without
 *   `await` committed the rows at the block's end, the same way;
 * - an `append()` after `abort()` resolved as written, then the abort
 *   undid it, where a closed writer refuses appends.
 *
 * Now `abort()` undoes at once, as `close()` closes at once.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** A file of `[1, 2]` (int32), written and closed. */
async function twoRows(): Promise<{ path: string; before: Uint8Array }> {
  const path = join(tempDir(), "a.npy");
  const w = await NpyAppendArray.open(path);
  await w.append(new Int32Array([1, 2]));
  await w.close();
  return { path, before: readFileSync(path) };
}

describe("abort() not awaited", () => {
  test("a close() after it finds the writer closed", async () => {
    const { path, before } = await twoRows();
    const npy = await NpyAppendArray.open(path, { atomic: true });
    await npy.append(new Int32Array([3, 4]));
    const aborted = npy.abort();
    await npy.close();
    await aborted;
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2]);
    assert.ok(!existsSync(`${path}.journal`));
  });

  test("an await using block whose catch aborts without await", async () => {
    const { path, before } = await twoRows();
    await assert.rejects(async () => {
      await using npy = await NpyAppendArray.open(path, { atomic: true });
      try {
        await npy.append(new Int32Array([3, 4]));
        await npy.append([[5]]); // wrong shape
      } catch (e) {
        npy.abort();
        throw e;
      }
    }, RangeError);
    assert.deepEqual(readFileSync(path), before);
    // A file the writer created is removed the same way.
    const fresh = join(tempDir(), "new.npy");
    await assert.rejects(async () => {
      await using npy = await NpyAppendArray.open(fresh, { atomic: true });
      try {
        await npy.append(new Float64Array([1]));
        throw new Error("stop");
      } catch (e) {
        npy.abort();
        throw e;
      }
    }, /stop/);
    assert.ok(!existsSync(fresh));
  });

  test("an append() after it is refused, not undone after resolving", async () => {
    const { path, before } = await twoRows();
    const npy = await NpyAppendArray.open(path, { atomic: true });
    await npy.append(new Int32Array([3]));
    const aborted = npy.abort();
    await assert.rejects(
      npy.append(new Int32Array([9])),
      (e: unknown) =>
        e instanceof TypeError && /the writer is closed$/.test(e.message),
    );
    await aborted;
    assert.equal(npy.closed, true);
    assert.deepEqual(readFileSync(path), before);
  });
});
