/**
 * Adversary round 12, known defects: messages from the append core, the
 * readers and the completeness policy showed a file's path unquoted
 * (`Cannot append to /tmp/my data.npy: ...`) while the open path quoted
 * it (`Cannot open "/tmp/my data.npy": ...`); a path with spaces, a
 * colon or quotes could not be told from the words around it. Every
 * message now shows a path as JSON (`"..."`), and a file object as
 * `the file object`. The file names below hold a space, a colon and a
 * quote.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** A path whose name holds a space, a colon and a double quote. */
function oddPath(): string {
  return join(tempDir(), 'my data: "v2".npy');
}

function fourRows(path: string): void {
  const w = NpyAppendArraySync.open(path);
  w.append(new Float32Array([[1, 2], [3, 4]].flat()));
  w.close();
}

/** Asserts that `run` throws an error whose message starts `Cannot <verb> "<path>": `. */
function quotes(run: () => unknown, verb: string, path: string): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof Error);
    const head = `Cannot ${verb} ${JSON.stringify(path)}`;
    assert.ok(
      e.message.startsWith(head + ": ") || e.message.startsWith(head + " "),
      `${e.message}\n  should start with ${head}`,
    );
    return true;
  });
}

describe("every message quotes the file's path", () => {
  test("the append core: shape, values, input, dtype, closed writer, abort", () => {
    const path = oddPath();
    fourRows(path);
    const before = readFileSync(path);
    const w = NpyAppendArraySync.open(path);
    quotes(
      () => w.append([[1, 2, 3]]),
      "append array of shape (1, 3) to",
      path,
    );
    quotes(() => w.append("x" as never), 'append "x" to', path);
    quotes(
      () => w.append([[1e300, 0]]),
      "append value 1e+300 at index 0 to",
      path,
    );
    quotes(() => w.append({ data: [1], shape: "x" } as never), "append", path);
    quotes(() => w.abort(), "abort the writer of", path);
    w.close();
    quotes(() => w.append([[1, 2]]), "append to", path);
    quotes(() => w.updateHeader(), "update the header of", path);
    quotes(
      () => NpyAppendArraySync.open(path, { dtype: "<i4" }),
      "append to",
      path,
    );
    // A file whose shape reads the same in both orders cannot mismatch
    // (stop 24): a (2, 2) one can.
    const twoD = oddPath();
    const w2 = NpyAppendArraySync.open(twoD);
    w2.append([[1, 2], [3, 4]]);
    w2.close();
    quotes(
      () => NpyAppendArraySync.open(twoD, { fortranOrder: true }),
      "append to",
      twoD,
    );
    quotes(
      () => NpyAppendArraySync.open(path, { bufferBytes: 8 }),
      "open",
      path,
    );
    quotes(
      () => NpyAppendArraySync.open(path, { casting: "x" as never }),
      "open",
      path,
    );
    assert.deepEqual(readFileSync(path), before);
  });

  test("the completeness policy and the header codec: read, append, recover", () => {
    const path = oddPath();
    fourRows(path);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 2));
    quotes(() => readNpySync(path), "read", path);
    quotes(() => NpyAppendArraySync.open(path), "append to", path);
    writeFileSync(path, "not a .npy file");
    quotes(() => readNpySync(path), "read", path);
    quotes(() => NpyAppendArraySync.open(path), "open", path);
    quotes(() => recoverSync(path), "recover", path);
  });

  test("readers: closed, bad range, bad buffer", async () => {
    const path = oddPath();
    fourRows(path);
    const r = NpyReader.openSync(path);
    quotes(() => r.readSync(0.5 as number, 1), "read items of", path);
    quotes(
      () => r.readIntoSync(new Uint8Array(1), 0, 2),
      "read items [0, 2) of",
      path,
    );
    r.close();
    quotes(() => r.readSync(0, 1), "read", path);
    const a = await NpyAppendArray.open(path);
    await a.close();
    await assert.rejects(
      a.append([[1, 2]]),
      (e: Error) =>
        e.message.startsWith(`Cannot append to ${JSON.stringify(path)}: `),
    );
  });

  test("a file object is named as such, unquoted", () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file);
    w.append(new Float32Array([1, 2]));
    assert.throws(() => w.append([[1, 2]]), /to the file object: /);
    w.close();
    assert.throws(
      () => w.append([1]),
      /^TypeError: Cannot append to the file object: the writer is closed$/,
    );
  });
});
