/**
 * Files opened from a path on Deno (issue 17.3): a reader stays on its one
 * `Deno.FsFile` descriptor however scattered its reads (Deno's seek + read
 * costs what its `node:fs` positioned read costs, so a second descriptor
 * and the load of `node:fs` would buy nothing), while a writer still moves
 * to `node:fs` positioned calls after 1024 scattered calls. Seen from
 * `/proc/self/fd`: which descriptors of the process name the file.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyReader } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

// `scripts/test_all.ts` runs `*_deno_test.ts` under Deno only; a plain
// `bun test` loads it too, and then registers nothing.
const underDeno = typeof (globalThis as { Deno?: unknown }).Deno !==
  "undefined";
const linux = (globalThis as { Deno?: { build: { os: string } } }).Deno
  ?.build.os === "linux";

if (underDeno) describeReadPath();

/** The descriptors of this process that name `path`. */
function fdsOf(path: string): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed since the listing
    }
  }).sort();
}

/** A (rows, 3) f8 file whose row i holds 3i, 3i + 1, 3i + 2. */
function rowsFile(rows: number): string {
  const path = join(tempDir(), "rows.npy");
  const w = NpyAppendArraySync.open(path);
  const a = new Float64Array(rows * 3);
  for (let i = 0; i < a.length; i++) a[i] = i;
  w.append({ data: a, shape: [rows, 3] });
  w.close();
  return path;
}

/** 2000 scattered row indices below `rows` (more than the 1024 of a move). */
function scattered(rows: number): number[] {
  let seed = 7;
  return Array.from({ length: 2000 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % rows;
  });
}

function describeReadPath(): void {
  describe("Deno: a reader of a path keeps its one descriptor", () => {
    test("readSync of 2000 scattered rows: right rows, same descriptor", (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = rowsFile(5000);
      const before = fdsOf(path);
      using reader = NpyReader.openSync(path);
      const mine = fdsOf(path).filter((fd) => !before.includes(fd));
      assert.equal(mine.length, 1);
      for (const i of scattered(5000)) {
        const { data, shape } = reader.readSync(i, i + 1);
        assert.deepEqual([...data as Float64Array], [
          3 * i,
          3 * i + 1,
          3 * i + 2,
        ]);
        assert.deepEqual(shape, [1, 3]);
      }
      assert.deepEqual(fdsOf(path).filter((fd) => !before.includes(fd)), mine);
    });

    test("read and readIntoSync of 2000 scattered rows: same descriptor", async (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = rowsFile(5000);
      const before = fdsOf(path);
      const reader = await NpyReader.open(path);
      const mine = fdsOf(path).filter((fd) => !before.includes(fd));
      const into = new Float64Array(3);
      for (const i of scattered(5000)) {
        const { data } = await reader.read(i, i + 1);
        assert.equal((data as Float64Array)[2], 3 * i + 2);
        reader.readIntoSync(new Uint8Array(into.buffer), 4999 - i, 5000 - i);
        assert.equal(into[0], 3 * (4999 - i));
      }
      assert.deepEqual(fdsOf(path).filter((fd) => !before.includes(fd)), mine);
      await reader.close();
      assert.deepEqual(fdsOf(path), before);
    });

    test("a writer still moves to node:fs after 1024 scattered calls", (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = join(tempDir(), "w.npy");
      const w = NpyAppendArraySync.open(path);
      w.append({ data: new Float64Array([0, 0]), shape: [1, 2] });
      const first = fdsOf(path);
      // Each append writes the data at the end and the header at 0.
      for (let i = 1; i < 1100; i++) {
        w.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
      }
      const after = fdsOf(path);
      w.close();
      assert.equal(first.length, 1);
      assert.equal(after.length, 1);
      assert.notDeepEqual(after, first);
      using r = NpyReader.openSync(path);
      assert.equal(r.length, 1100);
      assert.deepEqual([...r.readSync(1099).data as Float64Array], [
        1099,
        -1099,
      ]);
    });
  });
}
