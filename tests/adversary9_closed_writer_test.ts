/**
 * Adversary round 9: calls on a writer after `close()`. `append` refused
 * them with a `TypeError`; `updateHeader` did not:
 *
 * - a sync writer of a path wrote its header through the descriptor it had
 *   closed: on Node and Bun, into whatever file had been opened since under
 *   the same descriptor number (another program's file got a `.npy` header
 *   at its start); on Deno it threw Deno's `BadResource`, not a typed error;
 * - a writer of a file object wrote its old header over the file after
 *   another writer had taken it over and appended (the rows of the second
 *   writer were lost from the header);
 * - the async writer queued `updateHeader()` called after `close()` and
 *   wrote into the file object it had closed, and its `closed` getter
 *   ("whether `close()` has been called") said `false` until the close
 *   finished.
 *
 * Now `updateHeader` refuses a closed writer, as `append` does, before
 * any I/O.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const CLOSED_TEXT = /^Cannot update the header of .*: the writer is closed$/;

/** The refusal: a `TypeError` with the message above. */
function CLOSED(e: unknown): boolean {
  assert.ok(e instanceof TypeError, String(e));
  assert.match(e.message, CLOSED_TEXT);
  return true;
}

/** An async-only file object over a `MemoryFile`, one tick per call. */
function asyncOnly(m: MemoryFile): FileLike & { closes: number } {
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const f = {
    closes: 0,
    async read(b: Uint8Array, p: number) {
      await tick();
      return m.readSync(b, p);
    },
    async write(b: Uint8Array, p: number) {
      await tick();
      if (f.closes > 0) throw new Error("write after close");
      m.writeSync(b, p);
    },
    async size() {
      await tick();
      return m.sizeSync();
    },
    async truncate(n: number) {
      await tick();
      m.truncateSync(n);
    },
    async close() {
      await tick();
      f.closes++;
    },
  };
  return f;
}

describe("updateHeader on a closed writer", () => {
  test("a sync writer of a path writes into no file opened since", () => {
    const dir = tempDir();
    const path = join(dir, "a.npy");
    const npy = NpyAppendArraySync.open(path);
    npy.append(new Float64Array([1, 2, 3]));
    npy.close();
    const before = readFileSync(path);
    // Files opened now take the lowest free descriptors, the writer's among them.
    const others: number[] = [];
    for (let i = 0; i < 8; i++) {
      const p = join(dir, `other${i}.txt`);
      writeFileSync(p, "x".repeat(200));
      others.push(openSync(p, "r+"));
    }
    try {
      assert.throws(() => npy.updateHeader(), (e: Error) => {
        CLOSED(e);
        assert.ok(e.message.includes(path));
        return true;
      });
    } finally {
      for (const fd of others) closeSync(fd);
    }
    for (let i = 0; i < 8; i++) {
      assert.equal(
        readFileSync(join(dir, `other${i}.txt`), "latin1"),
        "x".repeat(200),
      );
    }
    assert.deepEqual(readFileSync(path), before);
  });

  test("a sync writer of a file object leaves the next writer's header", () => {
    const file = new MemoryFile();
    const first = NpyAppendArraySync.open(file);
    first.append(new Int32Array([1, 2, 3]));
    first.close();
    const second = NpyAppendArraySync.open(file);
    second.append(new Int32Array([4, 5]));
    second.close();
    const before = file.bytes().slice();
    assert.throws(() => first.updateHeader(), CLOSED);
    assert.deepEqual(file.bytes(), before);
    assert.deepEqual(readNpySync(file).shape, [5]);
  });

  test("an async writer of a path refuses it after close", async () => {
    const dir = tempDir();
    const path = join(dir, "b.npy");
    const npy = await NpyAppendArray.open(path);
    await npy.append([[1, 2]]);
    await npy.close();
    const before = readFileSync(path);
    await assert.rejects(npy.updateHeader(), CLOSED);
    assert.deepEqual(readFileSync(path), before);
  });

  test("an async writer of a file object: closed from the call on", async () => {
    const m = new MemoryFile();
    const file = asyncOnly(m);
    const npy = await NpyAppendArray.open(file, {
      rewriteHeaderOnAppend: false,
    });
    const a = npy.append(new Float32Array([1, 2]));
    const closing = npy.close();
    assert.equal(npy.closed, true);
    const late = assert.rejects(npy.updateHeader(), CLOSED);
    await a;
    await closing;
    await late;
    assert.equal(file.closes, 0, "the writer does not close a file object");
    assert.deepEqual(readNpySync(m).shape, [2]);
    // A file object a closed writer held, taken over by another writer.
    const next = await NpyAppendArray.open(file);
    await next.append(new Float32Array([3]));
    await next.close();
    await assert.rejects(npy.updateHeader(), CLOSED);
    assert.deepEqual(readNpySync(m).shape, [3]);
  });
});
