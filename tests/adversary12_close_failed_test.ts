/**
 * Adversary round 12, known defects: a `bufferBytes` writer on a disk
 * that stays failed could not be closed. Its `close()` kept the writer
 * open, lock, descriptor and buffer, for another `close()` (round 6: a
 * disk with room again), but every later `close()` failed the same way:
 * the file stayed locked and its descriptor open for the process's life,
 * and a `using` block's end left them so with no binding left to call.
 *
 * Now the first failed `close()` still keeps everything and says how many
 * rows wait; a second failed `close()` (or the end of a `using` block)
 * gives the buffered rows up: the header is written for the rows in the
 * file, the descriptor closed, the lock released, and the error says how
 * many rows were lost and how many the file keeps. An `atomic` writer's
 * change is rolled back instead. A later open sees a whole file.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  type MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { FaultyFile } from "./_faulty_file.ts";
import { fdsOf } from "./_fds_of.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";
import { hasNumpy, npLoadJsonMany } from "./_numpy.ts";

function ramp(n: number, start = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => start + i);
}

/** Descriptors of this process open on `path` (Linux; else `-1`). */
function openOn(path: string): number {
  return process.platform === "linux" ? fdsOf(path).length : -1;
}

const WAITING =
  /the last 3 rows appended \(held by bufferBytes\) are not written: the writer stays open with its lock; .*call close\(\) again/;
const LOST =
  /the last 3 rows appended \(held by bufferBytes\) could not be written and are lost; the file keeps the 4 rows before them; the writer is closed and the file released; part of them may be left after the data, which could not be cut: if a later open says so, run recover on the file object$/;

/** A file object holding 4 rows, opened with a buffer holding 3 more, then failing for good. */
function failingWriter(): { faulty: FaultyFile; w: NpyAppendArraySync } {
  const faulty = new FaultyFile({ failAt: 0 });
  const first = NpyAppendArraySync.open(faulty.sync());
  first.append(ramp(4));
  first.close();
  const w = NpyAppendArraySync.open(faulty.sync(), {
    bufferBytes: 4096,
    rewriteHeaderOnAppend: false,
  });
  w.append(ramp(3, 4));
  faulty.options.failAt = faulty.mutations + 1;
  faulty.options.sticky = true;
  return { faulty, w };
}

/** The 4 rows `faulty` keeps, as a new writer and a reader see them. */
function keepsFour(memory: MemoryFile): void {
  const again = NpyAppendArraySync.open(memory);
  assert.deepEqual(again.shape, [4]);
  again.append(ramp(1, 4));
  again.close();
  assert.deepEqual(readNpySync(memory).data, ramp(5));
}

describe("a bufferBytes writer on a disk that stays failed", () => {
  test("file object, sync: the second close() gives the rows up and says how many", () => {
    const { faulty, w } = failingWriter();
    assert.throws(() => w.close(), (e: Error) => {
      assert.match(e.message, /^Cannot close the file object: /);
      assert.match(e.message, WAITING);
      return true;
    });
    assert.equal(w.closed, false);
    assert.throws(() => w.close(), (e: Error) => {
      assert.ok(!(e instanceof TypeError));
      assert.match(e.message, /^Cannot close the file object: No space left/);
      assert.match(e.message, LOST);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    assert.equal(w.closed, true);
    w.close(); // nothing more to say
    assert.throws(() => w.append([1]), TypeError);
    faulty.options.failAt = 0;
    keepsFour(faulty.memory);
  });

  test("file object, async only: the same", async () => {
    const faulty = new FaultyFile({ failAt: 0 });
    const first = await NpyAppendArray.open(faulty.async());
    await first.append(ramp(4));
    await first.close();
    const w = await NpyAppendArray.open(faulty.async(), {
      bufferBytes: 4096,
      rewriteHeaderOnAppend: false,
    });
    await w.append(ramp(3, 4));
    faulty.options.failAt = faulty.mutations + 1;
    faulty.options.sticky = true;
    await assert.rejects(w.close(), WAITING);
    await assert.rejects(w.close(), LOST);
    assert.equal(w.closed, true);
    await w.close();
    faulty.options.failAt = 0;
    keepsFour(faulty.memory);
  });

  test("a using block's end gives the rows up at once", () => {
    const faulty = new FaultyFile({ failAt: 0 });
    const first = NpyAppendArraySync.open(faulty.sync());
    first.append(ramp(4));
    first.close();
    assert.throws(() => {
      using w = NpyAppendArraySync.open(faulty.sync(), {
        bufferBytes: 4096,
        rewriteHeaderOnAppend: false,
      });
      w.append(ramp(3, 4));
      faulty.options.failAt = faulty.mutations + 1;
      faulty.options.sticky = true;
    }, LOST);
    faulty.options.failAt = 0;
    keepsFour(faulty.memory);
  });

  test("an await using block's end gives the rows up at once", async () => {
    const faulty = new FaultyFile({ failAt: 0 });
    const first = NpyAppendArraySync.open(faulty.sync());
    first.append(ramp(4));
    first.close();
    await assert.rejects(async () => {
      await using w = await NpyAppendArray.open(faulty.async(), {
        bufferBytes: 4096,
        rewriteHeaderOnAppend: false,
      });
      await w.append(ramp(3, 4));
      faulty.options.failAt = faulty.mutations + 1;
      faulty.options.sticky = true;
    }, LOST);
    faulty.options.failAt = 0;
    keepsFour(faulty.memory);
  });

  test("a disk that comes back before the second close() still gets every row", () => {
    const { faulty, w } = failingWriter();
    assert.throws(() => w.close(), WAITING);
    faulty.options.failAt = 0;
    w.close();
    assert.deepEqual(readNpySync(faulty.memory).data, ramp(7));
  });

  const OPTS = tmpfsTestOptions(60_000);
  for (const atomic of [false, true]) {
    test(
      `a path on a full disk${
        atomic ? ", atomic" : ""
      }: lock and descriptor released, the file whole`,
      OPTS,
      withTmpfs("size=512k", (mnt) => {
        const path = join(mnt, "x.npy");
        const first = NpyAppendArraySync.open(path);
        first.append(ramp(4));
        first.close();
        const w = NpyAppendArraySync.open(path, {
          bufferBytes: 1 << 16,
          rewriteHeaderOnAppend: false,
          atomic,
        });
        // 6,000 rows of 8 bytes: more than the disk has left.
        for (let i = 0; i < 600; i++) w.append(ramp(10, 4 + 10 * i));
        const filler = fillDisk(mnt);
        assert.throws(() => w.close(), (e: Error & { code?: string }) => {
          assert.equal(e.code, "ENOSPC");
          assert.match(
            e.message,
            /the last 6000 rows appended .* are not written/,
          );
          return true;
        });
        assert.equal(openOn(path), process.platform === "linux" ? 1 : -1);
        assert.ok(existsSync(`${path}.lock`));
        assert.throws(() => w.close(), (e: Error & { code?: string }) => {
          assert.equal(e.code, "ENOSPC");
          assert.match(
            e.message,
            new RegExp(
              `^Cannot write ${
                JSON.stringify(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
              }: .*the last 6000 rows appended \\(held by bufferBytes\\) could not be written and are lost; ${
                atomic
                  ? "the change was rolled back: the file is as it was when the writer opened it"
                  : "the file keeps the 4 rows before them; the writer is closed and the file released"
              }$`,
            ),
          );
          return true;
        });
        assert.equal(w.closed, true);
        assert.equal(openOn(path), process.platform === "linux" ? 0 : -1);
        assert.ok(!existsSync(`${path}.lock`));
        assert.deepEqual(readNpySync(path).data, ramp(4));
        rmSync(filler);
        const again = NpyAppendArraySync.open(path);
        again.append(ramp(1, 4));
        again.close();
        assert.deepEqual(readNpySync(path).data, ramp(5));
        if (hasNumpy()) {
          const [got] = npLoadJsonMany([path]);
          assert.deepEqual(got!.shape, [5]);
          assert.deepEqual(got!.values, [0, 1, 2, 3, 4]);
        }
        assert.deepEqual(readdirSync(mnt).sort(), ["x.npy"]);
      }),
    );
  }
});
