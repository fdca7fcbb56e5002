/**
 * Stop 27 (h2): `deleteIfExists: true` beside a bad option value.
 *
 * Found before the fix: `NpyAppendArraySync.open(path, { deleteIfExists:
 * true, dtype: "S" })` (or a dtype holding objects, an unknown dtype or
 * casting, a negative `bufferBytes`, a bad `maxHeaderSize`, a boolean
 * option given as text) removed the file at `path`, then threw the
 * option's `TypeError`/`RangeError`: the refused call lost the file's
 * data. The option values are now checked before the file is touched, as
 * stacks and groups already did.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Option values the writers refuse, each with the error's name. */
const BAD: [Record<string, unknown>, string][] = [
  [{ dtype: "S" }, "TypeError"],
  [{ dtype: "U0" }, "TypeError"],
  [{ dtype: "|O" }, "TypeError"],
  [{ dtype: "nonsense" }, "TypeError"],
  [{ dtype: "<f16" }, "TypeError"],
  [{ casting: "bogus" }, "TypeError"],
  [{ bufferBytes: -1 }, "RangeError"],
  [{ bufferBytes: 8, rewriteHeaderOnAppend: true }, "RangeError"],
  [{ maxHeaderSize: 0 }, "RangeError"],
  [{ fsync: "yes" }, "TypeError"],
  [{ fortranOrder: 1 }, "TypeError"],
];

describe("stop 27: deleteIfExists with a bad option keeps the file", () => {
  test("sync, async and atomic opens refuse before removing", async () => {
    const dir = tempDir();
    const path = join(dir, "kept.npy");
    const w = NpyAppendArraySync.open(path);
    w.append(new Float64Array([1, 2, 3]));
    w.close();
    const before = new Uint8Array(readFileSync(path));
    for (const [bad, name] of BAD) {
      for (const how of ["sync", "async", "atomic"] as const) {
        const options = {
          deleteIfExists: true,
          ...(how === "atomic" ? { atomic: true } : {}),
          ...bad,
        } as NpyAppendArrayOptions;
        const what = `${JSON.stringify(bad)} ${how}`;
        if (how === "async") {
          await assert.rejects(NpyAppendArray.open(path, options), {
            name,
            message: new RegExp(`^Cannot open "${path}": `),
          }, what);
        } else {
          assert.throws(() => NpyAppendArraySync.open(path, options), {
            name,
            message: new RegExp(`^Cannot open "${path}": `),
          }, what);
        }
        assert.deepEqual(new Uint8Array(readFileSync(path)), before, what);
        // No lock, change record or temporary left beside it.
        assert.deepEqual(readdirSync(dir), ["kept.npy"], what);
      }
    }
    // The same open with good values still starts afresh.
    const again = NpyAppendArraySync.open(path, { deleteIfExists: true });
    again.append(new Float64Array([4]));
    again.close();
    assert.equal(readFileSync(path).length, 128 + 8);
  });
});
