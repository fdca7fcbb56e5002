/**
 * Stop 21 (h4): the readers' argument errors showed values wrongly:
 * `batches({ batchItems: 0 })` said `got "0"` (quoted, as a string) and
 * `batchItems: "2"` said `got 2`; `batchItems: 2 ** 60` said it was not a
 * positive integer; `read(null)` and `read({ valueOf })` said `got object`;
 * `readInto` into a detached buffer named the file unquoted, unlike every
 * other message. Values are now shown as the other option errors show them
 * (`show`: strings quoted, `null`, `3n`), and the file always quoted.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyReader,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

test("reader argument errors show the value as given, the file quoted", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "a.npy");
    {
      using npy = NpyAppendArraySync.open(path, { dtype: "<f8" });
      npy.append([1, 2, 3]);
    }
    const reader = NpyReader.openSync(path);
    try {
      const batch = (v: unknown) => () =>
        reader.batchesSync({ batchItems: v as number }).next();
      assert.throws(batch(0), /batchItems must be a positive integer, got 0$/);
      assert.throws(batch(-1), /got -1$/);
      assert.throws(batch("2"), /got "2"$/);
      assert.throws(batch(2n), /got 2n$/);
      assert.throws(
        batch(2 ** 60),
        /batchItems must be a positive integer of at most 2\*\*53 - 1, got 1152921504606847000$/,
      );
      const read = (v: unknown) => () => reader.readSync(v as number);
      assert.throws(read(null), /start must be an integer, got null;/);
      assert.throws(read("1"), /start must be an integer, got "1";/);
      assert.throws(read(1n), /start must be an integer, got 1n;/);
      assert.throws(read({ valueOf: () => 1 }), /got an object \(Object\);/);
      await assert.rejects(reader.read(null as never), /got null;/);
      const detached = new Uint8Array(64);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      assert.throws(
        () => reader.readIntoSync(detached, 0, 1),
        (e) =>
          e instanceof TypeError &&
          e.message.startsWith(
            `Cannot read ${
              JSON.stringify(path)
            } into the buffer: its buffer is detached`,
          ),
      );
    } finally {
      reader.close();
    }
    {
      using g = NpyGroupWriterSync.open(join(dir, "g"), {
        members: { x: "<f8" },
      });
      g.append({ x: new Float64Array([1, 2]) });
    }
    await using gr = await NpyGroupReader.open(join(dir, "g"));
    await assert.rejects(
      gr.read(null as never),
      /start must be an integer, got null/,
    );
    await assert.rejects(
      gr.read("1" as never),
      /start must be an integer, got "1"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
