/**
 * Adversary 12f: round 12 refuses unknown options in every function with
 * options, but the readers' `batches()`, `batchesSync()` and `readable()`
 * took theirs unchecked: `{ batchSize: 2 }` (for `batchItems`) or
 * `{ stop: 2 }` (for `end`) was silently ignored and every row came back
 * in one batch, and `null` as options was an engine error naming no file.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyReader,
  NpyStackReader,
  NpyStackWriterSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { unknownOption } from "./_unknown_option.ts";

/** `x.npy` of rows 0..5 (`<f8`) in a new folder. */
function sixRows(): string {
  const file = join(tempDir(), "x.npy");
  using w = NpyAppendArraySync.open(file);
  w.append(new Float64Array([0, 1, 2, 3, 4, 5]));
  return file;
}

const bad = (o: unknown) => o as never;

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

describe("adversary 12f: the readers' batch options are checked too", () => {
  test("NpyReader.batches / batchesSync / readable: an unknown key is refused", async () => {
    const file = sixRows();
    using r = NpyReader.openSync(file);
    await assert.rejects(
      drain(r.batches(bad({ batchSize: 2 }))),
      unknownOption(`"${file}"`, "batchSize", null),
    );
    assert.throws(
      () => [...r.batchesSync(bad({ stop: 2 }))],
      unknownOption(`"${file}"`, "stop", null),
    );
    await assert.rejects(
      drain(r.readable(bad({ Start: 1 }))),
      unknownOption(`"${file}"`, "Start", "start"),
    );
    // The reader is still usable, and the right keys work.
    assert.deepEqual(
      [...r.batchesSync({ batchItems: 2, end: 5 })].map((b) => b.shape[0]),
      [2, 2, 1],
    );
  });

  test("a file object is named as such", () => {
    const f = new MemoryFile();
    NpyAppendArraySync.open(f).append(new Int16Array([1, 2, 3]));
    using r = NpyReader.openSync(f);
    assert.throws(
      () => [...r.batchesSync(bad({ batch_items: 1 }))],
      unknownOption("the file object", "batch_items", "batchItems"),
    );
  });

  test("null or a number as batch options: a TypeError naming the file", async () => {
    const file = sixRows();
    using r = NpyReader.openSync(file);
    for (const o of [null, 3, "all"]) {
      assert.throws(() => [...r.batchesSync(bad(o))], (e: unknown) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match((e as Error).message, /options must be an object/);
        assert.ok((e as Error).message.includes(`"${file}"`));
        return true;
      });
    }
    await assert.rejects(drain(r.batches(bad(null))), TypeError);
  });

  test("NpyStackReader.batches / readable: an unknown key is refused", async () => {
    const dir = join(tempDir(), "s");
    {
      using s = NpyStackWriterSync.open(dir, { shardRows: 2 });
      s.append(new Float32Array(5));
    }
    const r = await NpyStackReader.open(dir);
    await assert.rejects(
      drain(r.batches(bad({ batchitems: 3 }))),
      unknownOption(`"${dir}"`, "batchitems", "batchItems"),
    );
    await assert.rejects(
      drain(r.readable(bad({ from: 1 }))),
      unknownOption(`"${dir}"`, "from", null),
    );
    await assert.rejects(drain(r.batches(bad(null))), TypeError);
    assert.equal(await drain(r.batches({ batchItems: 3 })), 2);
  });

  test("legitimate options: frozen, null-prototype, undefined values, spread", () => {
    const file = sixRows();
    using r = NpyReader.openSync(file);
    const proto = Object.assign(Object.create(null), { batchItems: 4 });
    for (
      const o of [
        Object.freeze({ batchItems: 4 }),
        proto,
        { batchItems: 4, start: undefined, end: undefined },
        { ...{ batchItems: 4 } },
        new Proxy({ batchItems: 4 }, {}),
      ]
    ) {
      assert.deepEqual(
        [...r.batchesSync(o)].map((b) => b.shape[0]),
        [4, 2],
      );
    }
  });
});
