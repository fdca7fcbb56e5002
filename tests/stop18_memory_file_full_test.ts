/**
 * Stop 18: a `MemoryFile` asked to grow past what the runtime gives one
 * ArrayBuffer (V8: `RangeError: Array buffer allocation failed`,
 * JavaScriptCore: `RangeError: Out of memory`) threw the engine's bare
 * `RangeError`, naming neither the file nor a fix. Now it is an `Error` of
 * code `ENOMEM` naming the MemoryFile, the sizes and the fix, the engine's
 * error as `cause`, with nothing changed: a writer over it keeps its rows,
 * appends again and closes. 2**50 bytes (a pebibyte) is past every
 * machine's memory, so the runtime refuses it at once, whatever its limit.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { npSaveBytes, numpyTestOptions } from "./_numpy.ts";

const HUGE = 2 ** 50;

function outOfMemory(verb: string, from: number) {
  return (e: Error & { code?: string; cause?: unknown }) => {
    assert.equal(e.code, "ENOMEM");
    assert.ok(e.cause instanceof RangeError, String(e.cause));
    assert.ok(
      e.message.startsWith(
        `Cannot ${verb} the MemoryFile: ENOMEM: growing it from ${from} to `,
      ),
      e.message,
    );
    assert.match(
      e.message,
      /nothing was changed: write the rows to a file on disk instead \(a path\), or spread them over several files \(NpyStackWriter with shardBytes\)$/,
    );
    return true;
  };
}

test(
  "a MemoryFile out of memory is ENOMEM naming it, and its writer keeps every row",
  numpyTestOptions(),
  async () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([1, 2, 3]));
    const before = file.bytes();
    const size = before.length;
    assert.throws(
      () => file.writeSync(new Uint8Array(8), HUGE),
      outOfMemory("write", size),
    );
    await assert.rejects(
      file.write(new Uint8Array(8), HUGE - 8),
      outOfMemory("write", size),
    );
    assert.throws(
      () => file.truncateSync(HUGE),
      outOfMemory("truncate", size),
    );
    assert.deepEqual(file.bytes(), before);
    w.append(new Float64Array([4]));
    w.close();
    assert.deepEqual(file.bytes(), npSaveBytes("np.arange(1.0, 5.0)"));
    assert.deepEqual(readNpySync(file).shape, [4]);
  },
);
