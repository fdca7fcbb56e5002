/**
 * Adversary 12f: round 12 refuses a plain writer of a stack's shard
 * (`refuseStackShard`), judging by the name it is given. Two spellings
 * were misjudged:
 *
 * - a symlink to a sealed shard (`x.npy -> stack/0.npy`) opened, and its
 *   appends grew the shard under `info`, which still listed the old rows
 *   (Dask and the stack reader then refuse the stack, or shift rows);
 * - a folder that is no stack, holding files named `0.npy`, `1.npy` and
 *   something else named `info` (a folder of notes, a text file), refused
 *   a plain writer of `0.npy` as "a sealed shard of the stack".
 *
 * Now the real path of a symlinked file is judged, and `info` must be a
 * file that is Dask's (a pickle, or empty or zeros as a power cut leaves
 * it). Held: `stack/./0.npy`, a symlinked folder, relative paths, `//`,
 * `file:` URLs, a group's stack member's shards.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** A stack of 3 rows in shards of 2 (`0.npy` sealed, closed), its folder. */
function stack(): { root: string; dir: string; shard: Uint8Array } {
  const root = tempDir();
  const dir = join(root, "stack");
  {
    using s = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    s.append(new Float64Array([0, 1, 2]));
  }
  return { root, dir, shard: readFileSync(join(dir, "0.npy")) };
}

function refusedAsShard(e: unknown): true {
  assert.ok(e instanceof TypeError, String(e));
  assert.match(e.message, /shard of the stack/);
  assert.match(e.message, /NpyStackWriter\.open/);
  return true;
}

describe("adversary 12f: plain writers of stack shards, other spellings", () => {
  test("a symlink to a sealed shard is refused; the shard and the stack unchanged", async () => {
    const { root, dir, shard } = stack();
    const link = join(root, "x.npy");
    symlinkSync(join(dir, "0.npy"), link);
    const rel = join(root, "rel.npy");
    symlinkSync("stack/0.npy", rel);
    for (const p of [link, rel, pathToFileURL(link)]) {
      assert.throws(
        () => NpyAppendArraySync.open(p).append(new Float64Array([9])),
        refusedAsShard,
      );
    }
    assert.deepEqual(readFileSync(join(dir, "0.npy")), shard);
    const r = await NpyStackReader.open(dir);
    assert.deepEqual([...(await r.read()).data as Float64Array], [0, 1, 2]);
  });

  test("held: other spellings of the shard and its folder", () => {
    const { root, dir, shard } = stack();
    symlinkSync(dir, join(root, "link"));
    for (
      const p of [
        join(dir, ".", "0.npy").replace("/0.npy", "/./0.npy"),
        `${dir}//0.npy`,
        join(root, "link", "0.npy"),
        pathToFileURL(join(dir, "0.npy")),
      ]
    ) {
      assert.throws(() => NpyAppendArraySync.open(p), refusedAsShard);
    }
    assert.deepEqual(readFileSync(join(dir, "0.npy")), shard);
  });

  test("the next live shard, spelled through ./ or a symlinked folder, while the stack is open", () => {
    const root = tempDir();
    const dir = join(root, "stack");
    symlinkSync(dir + "", join(root, "link"), "dir");
    using s = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    s.append(new Float64Array([0, 1, 2, 3]));
    s.seal();
    for (
      const p of [
        `${dir}/./2.npy.part`,
        join(root, "link", "2.npy.part"),
        `${join(root, "link")}/./1.npy.part`,
      ]
    ) {
      assert.throws(
        () => NpyAppendArraySync.open(p, { dtype: "<f8" }),
        refusedAsShard,
        p,
      );
    }
    s.append(new Float64Array([4]));
    s.close();
    const back = readNpySync(join(dir, "2.npy"));
    assert.deepEqual([...back.data as Float64Array], [4]);
  });

  test("held: a group's stack member's sealed shard", () => {
    const g = join(tempDir(), "g");
    {
      using w = NpyGroupWriterSync.open(g, {
        members: { x: "<f8" },
        shardRows: 2,
      });
      w.append({ x: new Float64Array([0, 1, 2]) });
    }
    assert.throws(
      () => NpyAppendArraySync.open(join(g, "x", "0.npy")),
      refusedAsShard,
    );
  });

  for (
    const [what, make] of [
      ["a folder named info", (p: string) => mkdirSync(p)],
      ["a text file named info", (p: string) => writeFileSync(p, "notes\n")],
      ["a JSON file named info", (p: string) => writeFileSync(p, "{}")],
    ] as const
  ) {
    test(`a folder that is no stack (${what}) takes plain writers of 0.npy`, () => {
      const dir = tempDir();
      make(join(dir, "info"));
      for (const name of ["0.npy", "1.npy"]) {
        using w = NpyAppendArraySync.open(join(dir, name));
        w.append(new Float64Array([1, 2]));
      }
      assert.deepEqual(
        [...readNpySync(join(dir, "0.npy")).data as Float64Array],
        [1, 2],
      );
    });
  }

  test("held: an empty or zeroed info (a power cut) still marks a stack", () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(64)]) {
      const { dir, shard } = stack();
      writeFileSync(join(dir, "info"), bytes);
      assert.throws(
        () => NpyAppendArraySync.open(join(dir, "0.npy")),
        refusedAsShard,
      );
      assert.deepEqual(readFileSync(join(dir, "0.npy")), shard);
    }
  });
});
