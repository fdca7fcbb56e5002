/**
 * Files opened from a path on Deno (issues 17.1, 17.3): scattered reads
 * and writes move from `Deno.FsFile` (a seek and a call) to `node:fs`
 * positioned calls (one call) on a second descriptor of the same file. A
 * writer first takes a second `Deno.FsFile` cursor for its header (after 8
 * scattered calls), and moves after 1024; a reader moves once the
 * process has made 16,384 scattered reads (or once `node:fs` is loaded
 * anyway), so a process that reads a few thousand rows never loads
 * `node:fs`. Seen from `/proc/self/fd`: which descriptors of the process
 * name the file; the readers' counts are a process's, so they run in
 * fresh child processes.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fdsOf } from "./_fds_of.ts";
import { join } from "node:path";
import { NpyAppendArraySync, NpyReader } from "../mod.ts";
import {
  MAX_HEADER_CURSORS,
  READ_SEEKS_BEFORE_LOADING_NODE_FS,
  SEEKS_BEFORE_HEADER_CURSOR,
  SEEKS_BEFORE_NODE_FS,
} from "../src/_path_file_deno.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

// `scripts/test_all.ts` runs `*_deno_test.ts` under Deno only; a plain
// `bun test` loads it too, and then registers nothing.
const underDeno = typeof (globalThis as { Deno?: unknown }).Deno !==
  "undefined";
const linux = (globalThis as { Deno?: { build: { os: string } } }).Deno
  ?.build.os === "linux";

if (underDeno) describeReadPath();

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

/** What `_read_moves_child.ts` saw: descriptors and the first wrong row. */
interface ChildReads {
  opened: string[];
  after: string[];
  closed: string[];
  wrong: number;
}

/** `reads` scattered rows of `path` read in a fresh Deno process. */
function readInChild(path: string, rows: number, reads: number): ChildReads {
  const [cmd, args] = scriptCommand(
    new URL("./_read_moves_child.ts", import.meta.url),
  );
  const r = spawnSync(cmd, [...args, path, String(rows), String(reads)], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ChildReads;
}

function describeReadPath(): void {
  describe("Deno: files of a path move to node:fs positioned calls", () => {
    test("a fresh process reading 2000 scattered rows keeps one descriptor", (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = rowsFile(5000);
      const seen = readInChild(path, 5000, 2000);
      assert.equal(seen.wrong, -1);
      assert.equal(seen.opened.length, 1);
      assert.deepEqual(seen.after, seen.opened);
      assert.deepEqual(seen.closed, []);
    });

    test(`a process past ${READ_SEEKS_BEFORE_LOADING_NODE_FS} scattered reads moves its reader, rows right throughout`, (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = rowsFile(5000);
      const seen = readInChild(
        path,
        5000,
        READ_SEEKS_BEFORE_LOADING_NODE_FS + 2000,
      );
      assert.equal(seen.wrong, -1);
      assert.equal(seen.opened.length, 1);
      // One descriptor still, another one: the node:fs one.
      assert.equal(seen.after.length, 1);
      assert.notDeepEqual(seen.after, seen.opened);
      assert.deepEqual(seen.closed, []);
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

    test(`once node:fs is loaded, a reader moves after ${SEEKS_BEFORE_NODE_FS} scattered reads`, (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      // The writer test above loaded node:fs in this process.
      const path = rowsFile(5000);
      const before = fdsOf(path);
      using reader = NpyReader.openSync(path);
      const mine = fdsOf(path).filter((fd) => !before.includes(fd));
      let seed = 11;
      for (let n = 0; n < SEEKS_BEFORE_NODE_FS + 100; n++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const i = seed % 5000;
        assert.equal(
          (reader.readSync(i, i + 1).data as Float64Array)[1],
          3 * i + 1,
        );
      }
      const now = fdsOf(path).filter((fd) => !before.includes(fd));
      assert.equal(mine.length, 1);
      assert.equal(now.length, 1);
      assert.notDeepEqual(now, mine);
    });

    test(`a writer takes a second cursor for its header after ${SEEKS_BEFORE_HEADER_CURSOR} scattered calls`, (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const path = join(tempDir(), "two.npy");
      const w = NpyAppendArraySync.open(path);
      const counts: number[] = [];
      for (let i = 0; i < 40; i++) {
        w.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
        counts.push(fdsOf(path).length);
      }
      w.close();
      assert.equal(counts[0], 1);
      assert.equal(counts.at(-1), 2);
      assert.deepEqual(fdsOf(path), []);
      using r = NpyReader.openSync(path);
      assert.deepEqual(r.shape, [40, 2]);
      for (const i of [0, 7, 8, 9, 39]) {
        assert.deepEqual([...r.readSync(i, i + 1).data as Float64Array], [
          i,
          -i,
        ]);
      }
    });

    test("a second cursor that opens another file is not used", (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const dir = tempDir();
      const path = join(dir, "swapped.npy");
      const decoy = join(dir, "decoy.bin");
      Deno.writeFileSync(decoy, new Uint8Array(4096).fill(7));
      const d = Deno as unknown as { openSync: typeof Deno.openSync };
      const real = d.openSync;
      // The path opened again without `create` (the second cursor) is the
      // decoy: a file renamed onto the name between the open and the
      // reopen.
      d.openSync = (p, o) =>
        real(
          String(p) === path && !o?.create && !o?.createNew ? decoy : p,
          o,
        );
      const w = NpyAppendArraySync.open(path);
      try {
        for (let i = 0; i < 40; i++) {
          w.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
        }
        assert.equal(fdsOf(path).length, 1);
        assert.deepEqual(fdsOf(decoy), []);
      } finally {
        d.openSync = real;
        w.close();
      }
      assert.deepEqual(
        [...Deno.readFileSync(decoy)],
        [...new Uint8Array(4096).fill(7)],
      );
      using r = NpyReader.openSync(path);
      assert.deepEqual(r.shape, [40, 2]);
      assert.deepEqual([...r.readSync(39).data as Float64Array], [39, -39]);
    });

    test(`at most ${MAX_HEADER_CURSORS} writers hold a second cursor at once`, (t) => {
      if (!linux) return t.skip("needs /proc/self/fd");
      const dir = tempDir();
      const paths = Array.from(
        { length: MAX_HEADER_CURSORS + 4 },
        (_, i) => join(dir, `w${i}.npy`),
      );
      const row = (i: number) => ({
        data: new Float64Array([i, -i]),
        shape: [1, 2],
      });
      const writers = paths.map((p) => NpyAppendArraySync.open(p));
      for (let i = 0; i < 12; i++) for (const w of writers) w.append(row(i));
      const counts = paths.map((p) => fdsOf(p).length);
      for (const w of writers) w.close();
      assert.equal(counts.filter((n) => n === 2).length, MAX_HEADER_CURSORS);
      assert.equal(counts.filter((n) => n === 1).length, 4);
      // Closed writers gave theirs back: a new one takes one again.
      const again = join(dir, "again.npy");
      const w = NpyAppendArraySync.open(again);
      for (let i = 0; i < 12; i++) w.append(row(i));
      assert.equal(fdsOf(again).length, 2);
      w.close();
      for (const p of [...paths, again]) {
        using r = NpyReader.openSync(p);
        assert.deepEqual(r.shape, [12, 2]);
        assert.deepEqual([...r.readSync(11, 12).data as Float64Array], [
          11,
          -11,
        ]);
      }
    });
  });
}
