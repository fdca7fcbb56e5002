/**
 * Stop 21 (h10): `recoverGroup`'s rebuild of a lost `group.json` took a
 * 0-d `.npy` file in the folder (a user's scalar, `np.save("s.npy",
 * np.float64(3))`) for a member holding one row. In a group of one row
 * the rebuilt group listed it, and every writer was then refused for
 * good ("it holds a 0-d array ... use deleteIfExists to start over",
 * which deletes every member's rows). A 0-d array has no axis to grow, so
 * no group writer ever makes one: the rebuild leaves it out, as it does
 * other files that are not members; so too a file of Python objects
 * (whose pickle's bytes were counted as rows).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  recoverGroupSync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, tempDir } from "./_numpy.ts";

test(
  "stop 21 (h10): a 0-d file beside a group's members is not rebuilt into the group",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "g");
    const w = NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<f8" } });
    w.append({ a: new Int32Array([7]), b: new Float64Array([8]) });
    w.close();
    const scalar = npSaveBytes("np.float64(3.0)");
    writeFileSync(join(dir, "s.npy"), scalar);
    rmSync(join(dir, "group.json"));
    assert.equal(recoverGroupSync(dir), 1);
    const info = JSON.parse(readFileSync(join(dir, "group.json"), "utf8"));
    assert.deepEqual(info.members.map((m: { name: string }) => m.name), [
      "a",
      "b",
    ]);
    const w2 = NpyGroupWriterSync.open(dir);
    w2.append({ a: new Int32Array([9]), b: new Float64Array([10]) });
    w2.close();
    const r = NpyGroupReader.openSync(dir);
    assert.equal(r.length, 2);
    r.closeSync();
    assert.deepEqual(readFileSync(join(dir, "s.npy")), Buffer.from(scalar));
  },
);

test(
  "stop 21 (h10): an object array beside a group's members is not rebuilt into the group",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "g");
    const w = NpyGroupWriterSync.open(dir, { members: { a: "<i4" } });
    w.append({ a: new Int32Array([1, 2]) });
    w.close();
    // Its pickle's bytes were counted as rows of 8 bytes (20 here).
    const objects = npSaveBytes("np.array([None, 'x'], dtype=object)");
    writeFileSync(join(dir, "o.npy"), objects);
    rmSync(join(dir, "group.json"));
    assert.equal(recoverGroupSync(dir), 2);
    const info = JSON.parse(readFileSync(join(dir, "group.json"), "utf8"));
    assert.deepEqual(info.members.map((m: { name: string }) => m.name), ["a"]);
    assert.deepEqual(readFileSync(join(dir, "o.npy")), Buffer.from(objects));
  },
);
