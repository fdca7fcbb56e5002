/**
 * Adversary round 12, known defects: a plain writer of a stack's shard.
 * `NpyAppendArraySync.open("stack/0.npy")` appended to a sealed shard
 * whether a stack writer held the folder or not (only the folder is
 * locked): the shard outgrew the rows `info` records for it, the stack's
 * reader refused the stack from then on, and Dask read wrong chunks. A
 * live shard cut back by a failed append, or left by a killed writer, was
 * open to such a writer as well. A plain writer of `{n}.npy` in a folder
 * holding `info`, or of `{n}.npy.part` while the stack's lock is there,
 * is now refused with a `TypeError` naming the shard, its stack and the
 * stack writer, and no byte changes; the stack writer still continues its
 * own live shard, and a killed writer's.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Every file of `dir` and its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    out.set(name, readFileSync(join(dir, name)).toString("hex"));
  }
  return out;
}

/** The refusal of a plain writer of `shard` in the stack `dir`. */
function refusal(shard: string, dir: string): (e: unknown) => true {
  const q = JSON.stringify;
  return (e) => {
    assert.ok(e instanceof TypeError, String(e));
    assert.equal(
      e.message,
      `Cannot open ${q(shard)}: it is ${
        shard.endsWith(".part") ? "the live" : "a sealed"
      } shard of the stack ${
        q(dir)
      }, whose info records each shard's rows; append through NpyStackWriter.open(${
        q(dir)
      }) instead`,
    );
    return true;
  };
}

/** A stack of 6 rows `[i, -i]` with `shardRows: 4`: `0.npy` sealed, 2 rows live. */
function stackOf6(dir: string): NpyStackWriterSync {
  const s = NpyStackWriterSync.open(dir, { shardRows: 4 });
  s.append(Array.from({ length: 6 }, (_, i) => [i, -i]));
  return s;
}

describe("a plain writer of a stack's shard is refused", () => {
  test("a sealed shard while the stack writer is open", () => {
    const dir = join(tempDir(), "s");
    const s = stackOf6(dir);
    s.seal();
    const before = snapshot(dir);
    const shard = join(dir, "0.npy");
    assert.throws(() => NpyAppendArraySync.open(shard), refusal(shard, dir));
    assert.deepEqual(snapshot(dir), before);
    s.append([[6, -6]]);
    s.close();
    const back = readNpyStackSync(dir);
    assert.deepEqual(back.shape, [7, 2]);
  });

  test("a sealed shard of a closed stack (no writer live)", () => {
    const dir = join(tempDir(), "s");
    stackOf6(dir).close();
    const before = snapshot(dir);
    for (const name of ["0.npy", "1.npy"]) {
      assert.throws(
        () => NpyAppendArraySync.open(join(dir, name), { dtype: "<f8" }),
        refusal(join(dir, name), dir),
      );
    }
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(readNpyStackSync(dir).shape, [6, 2]);
  });

  test("the async writer, a file: URL, and atomic with deleteIfExists", async () => {
    const dir = join(tempDir(), "s");
    stackOf6(dir).close();
    const before = snapshot(dir);
    const shard = join(dir, "0.npy");
    await assert.rejects(NpyAppendArray.open(shard), refusal(shard, dir));
    assert.throws(
      () => NpyAppendArraySync.open(pathToFileURL(shard)),
      refusal(shard, dir),
    );
    assert.throws(
      () =>
        NpyAppendArraySync.open(shard, { atomic: true, deleteIfExists: true }),
      refusal(shard, dir),
    );
    assert.deepEqual(snapshot(dir), before);
  });

  test("a live shard between the stack writer's appends, and the next one's name", () => {
    const dir = join(tempDir(), "s");
    const s = stackOf6(dir);
    // After a seal the next live shard is not there yet; after an append
    // it is, and held.
    s.seal();
    const before = snapshot(dir);
    for (const name of ["2.npy.part", "1.npy.part", "2.npy"]) {
      assert.throws(
        () => NpyAppendArraySync.open(join(dir, name), { dtype: "<f8" }),
        refusal(join(dir, name), dir),
      );
    }
    assert.deepEqual(snapshot(dir), before);
    s.append([[6, -6]]);
    s.close();
    const back = readNpyStackSync(dir);
    assert.deepEqual(back.shape, [7, 2]);
    assert.deepEqual(Array.from(back.data as Float64Array).slice(-2), [6, -6]);
  });

  test("a killed writer's live shard is continued by the next stack writer", () => {
    const dir = join(tempDir(), "s");
    const first = NpyStackWriterSync.open(dir, { shardRows: 4 });
    first.append(Array.from({ length: 4 }, (_, i) => [i, -i]));
    first.close();
    const info = readFileSync(join(dir, "info"));
    const again = NpyStackWriterSync.open(dir, { shardRows: 4 });
    again.append([[4, -4], [5, -5]]);
    again.close();
    // As a kill leaves it: 1.npy still live, info listing 0.npy only.
    renameSync(join(dir, "1.npy"), join(dir, "1.npy.part"));
    writeFileSync(join(dir, "info"), info);
    const before = snapshot(dir);
    assert.throws(
      () => NpyAppendArraySync.open(join(dir, "0.npy")),
      refusal(join(dir, "0.npy"), dir),
    );
    assert.deepEqual(snapshot(dir), before);
    const s = NpyStackWriterSync.open(dir, { shardRows: 4 });
    s.append([[6, -6]]);
    s.close();
    const back = readNpyStackSync(dir);
    assert.deepEqual(back.shape, [7, 2]);
    assert.deepEqual(Array.from(back.data as Float64Array).slice(-2), [6, -6]);
  });

  test("a shard of a group's stack member", () => {
    const dir = join(tempDir(), "g");
    const g = NpyGroupWriterSync.open(dir, {
      members: { x: "<f8" },
      shardRows: 2,
    });
    g.append({ x: [1, 2, 3] });
    g.close();
    const member = join(dir, "x");
    const before = snapshot(member);
    assert.throws(
      () => NpyAppendArraySync.open(join(member, "0.npy")),
      refusal(join(member, "0.npy"), member),
    );
    assert.deepEqual(snapshot(member), before);
  });

  test("files named like shards outside a stack are written as before", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "plain"));
    for (const name of ["0.npy", "12.npy.part", "info.npy"]) {
      const path = join(dir, "plain", name);
      const w = NpyAppendArraySync.open(path);
      w.append(new Float32Array([1, 2]));
      w.close();
      assert.deepEqual(Array.from(readNpySync(path).data as Float32Array), [
        1,
        2,
      ]);
    }
    // A folder holding `info` refuses only shard names.
    writeFileSync(join(dir, "plain", "info"), "not a stack");
    const other = join(dir, "plain", "a0.npy");
    const w = NpyAppendArraySync.open(other);
    w.append(new Float32Array([3]));
    w.close();
    assert.equal(readNpySync(other).shape[0], 1);
  });
});
